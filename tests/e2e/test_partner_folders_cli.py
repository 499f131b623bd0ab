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
