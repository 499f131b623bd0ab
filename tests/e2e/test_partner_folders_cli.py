"""`ketenhub partners provision --partner-folders`: refused before anything is made without a safe service address."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ketenhub.cli.main import cli

HUB_LOGIN = ["--sasl-username", "ketenhub-hub", "--sasl-password", "synthetic-password"]


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ([], "--partner-folders needs --protection-url"),
        (["--protection-url", "http://hub.example.org"], "use https://"),
        (["--protection-url", "hub.example.org"], "is not an http(s) URL"),
    ],
)
def test_partner_folders_need_a_protection_address_that_keeps_clear_values_encrypted(
    tmp_path: Path, extra: list[str], said: str
) -> None:
    """Without an address, or with plain HTTP to another machine, provisioning stops at once and writes no folder."""
    folders = tmp_path / "folders"
    result = CliRunner().invoke(
        cli,
        ["partners", "provision", "--kafka", "127.0.0.1:1", *HUB_LOGIN,
         "--data-dir", str(tmp_path / "hub"), "--partner-folders", str(folders), *extra],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert not folders.exists()


def test_publish_from_a_partner_folder_only_as_its_own_partner(tmp_path: Path) -> None:
    """`ketenhub publish --as` another partner than the folder's is refused before anything is sent."""
    from pydantic import SecretStr

    from connectors.sdk.partner_folder import PartnerKit, write_partner_folder
    from ketenhub.core.checkpoints import generate_hub_key, public_key_to_pem
    from ketenhub.core.trust import fingerprint

    key = generate_hub_key().public_key()
    kit = PartnerKit(
        partner="police",
        kafka_bootstrap="127.0.0.1:1",
        topic_prefix="",
        sasl_username="police",
        sasl_password=SecretStr("synthetic-password-1"),
        protection_url="https://hub.example.org",
        api_token=SecretStr("khp_synthetic"),
        hub_fingerprint=fingerprint(key),
    )
    write_partner_folder(tmp_path / "police", kit, public_key_to_pem(key), [])
    lines = tmp_path / "lines.jsonl"
    lines.write_text("{}\n")
    result = CliRunner().invoke(
        cli, ["publish", "--as", "shop", str(lines), "--data-dir", str(tmp_path / "police")]
    )
    assert result.exit_code == 2 and "is police's" in result.output


def test_a_partner_folder_is_private_and_holds_only_its_login_address_token_and_pin(
    tmp_path: Path,
) -> None:
    """0700 and 0600, exactly the files the README lists, not a byte of the hub's secrets; no hub command takes it."""
    import base64
    import shutil

    from pydantic import SecretStr

    from ketenhub.cli.partner_folders import HubAddresses, write_partner_folders
    from ketenhub.data_folder import REGISTRY_FILE
    from ketenhub.hub_folder import HubFolder
    from ketenhub.protection.keystore import SqliteKeyStore
    from ketenhub.runtime.embedded.hub import create_hub

    hub_dir = tmp_path / "hub"
    create_hub(hub_dir)
    hub = HubFolder(hub_dir)
    protector = hub.protector()
    subject = protector.pseudonym("synthetic-person-81")
    protector.encrypt(subject, "A text.", b"x")
    protector.close()
    keys = SqliteKeyStore(hub.keys.subject_keys_file)
    secrets = [
        hub.keys.pseudonym_secret_file.read_bytes(),
        hub.keys.signing_key_file.read_bytes(),
        keys.get(subject),
    ]
    keys.close()
    shutil.copyfile(Path("ketenhub/config/partners.toml"), hub_dir / REGISTRY_FILE)
    addresses = HubAddresses("127.0.0.1:1", "t.", "", "https://hub.example.org")
    passwords = {"police": SecretStr("synthetic-password-81")}
    write_partner_folders(hub_dir, HubFolder(hub_dir).registry(), passwords, addresses, tmp_path)
    folder = tmp_path / "police"
    assert folder.stat().st_mode & 0o777 == 0o700
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["hub-key.pub.pem", "partner.toml", REGISTRY_FILE]
    assert all((folder / name).stat().st_mode & 0o777 == 0o600 for name in files)
    held = b"".join((folder / name).read_bytes() for name in files)
    for secret in secrets:
        for form in (secret, secret.hex().encode(), base64.b64encode(secret)):
            assert form not in held
    for command in (["run"], ["verify"], ["init"]):
        result = CliRunner().invoke(cli, [*command, "--data-dir", str(folder)])
        assert result.exit_code == 1, result.output
    assert sorted(p.name for p in folder.iterdir()) == files
