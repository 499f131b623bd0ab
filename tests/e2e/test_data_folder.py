"""The data folder: only init/demo create a hub, missing key files are errors, files stay private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples" / "signals.jsonl"


def mode(path: Path) -> int:
    """The permission bits of a path."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def hub(ketenhub, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """An empty hub made by `ketenhub init`."""
    ketenhub("init", "--data-dir", str(tmp_path / "hub"))
    return tmp_path / "hub"


def test_init_makes_a_private_folder_and_prints_the_fingerprint(ketenhub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """init creates the folder 0700, log and key files 0600, and prints the key fingerprint to pin."""
    done = ketenhub("init", "--data-dir", str(tmp_path / "hub"))
    folder = tmp_path / "hub"
    assert mode(folder) == 0o700 and mode(folder / "keys") == 0o700
    assert mode(folder / "log.sqlite") == 0o600
    assert {mode(p) for p in (folder / "keys").iterdir()} == {0o600}
    assert (
        "Hub public key fingerprint (SHA-256): " in done.stdout and "--trusted-key" in done.stdout
    )
    again = ketenhub("init", "--data-dir", str(folder), check=False)
    assert again.returncode == 1 and "is not empty" in again.stderr


@pytest.mark.parametrize(
    "command", [("view", "police"), ("run",), ("verify", "--trust-on-first-use")]
)
def test_no_command_but_init_and_demo_creates_a_hub(
    ketenhub, tmp_path: Path, command: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    """view, run and verify on an empty folder fail in one line pointing at `ketenhub init`, creating nothing."""
    (tmp_path / "empty").mkdir()
    done = ketenhub(*command, "--data-dir", str(tmp_path / "empty"), check=False)
    assert done.returncode == 1 and "ketenhub init" in done.stderr
    assert list((tmp_path / "empty").iterdir()) == []


def test_publish_refuses_a_folder_without_a_hub(ketenhub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """publish does not create a hub either: it points at `ketenhub init`."""
    done = ketenhub(
        "publish",
        "--as",
        "municipal-staff",
        str(EXAMPLES),
        "--data-dir",
        str(tmp_path / "new"),
        check=False,
    )
    assert done.returncode == 1 and "ketenhub init" in done.stderr
    assert not (tmp_path / "new" / "keys").exists()


@pytest.mark.parametrize("key_file", ["pseudonym.secret", "hub-signing-key.pem", "subjects.sqlite"])
def test_a_missing_key_file_is_an_error_and_never_recreated(
    ketenhub, hub: Path, key_file: str
) -> None:  # type: ignore[no-untyped-def]
    """Publishing or running without a key file fails in one line naming it; no new file appears."""
    (hub / "keys" / key_file).unlink()
    done = ketenhub(
        "publish", "--as", "municipal-staff", str(EXAMPLES), "--data-dir", str(hub), check=False
    )
    assert done.returncode == 1 and f"key file {hub / 'keys' / key_file} is missing" in done.stderr
    assert "Traceback" not in done.stderr
    ran = ketenhub("run", "--data-dir", str(hub), check=False)
    if key_file == "hub-signing-key.pem":  # sealing needs the signing key
        assert ran.returncode == 1 and "is missing" in ran.stderr
    assert not (hub / "keys" / key_file).exists()


def test_a_missing_pseudonym_secret_stops_view_of_the_coordinator(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Decrypting the coordinator's view needs the key files: without the secret it is an error;
    verify and replay, which read the log only, work on and make no new secret."""
    ketenhub(
        "publish", "--as", "municipal-staff", str(EXAMPLES), "--data-dir", str(hub), check=False
    )
    secret = hub / "keys" / "pseudonym.secret"
    secret.unlink()
    view = ketenhub(
        "view", "municipality", "case-example-0001", "--data-dir", str(hub), check=False
    )
    assert view.returncode == 1 and f"key file {secret} is missing" in view.stderr
    assert "Traceback" not in view.stderr
    verify = ketenhub("verify", "--trust-on-first-use", "--data-dir", str(hub))
    assert "2 sealed records" in verify.stdout  # verifying needs no secret and makes none
    pin = verify.stdout.split("hub key fingerprint ")[1].split()[0]
    replay = ketenhub(
        "replay",
        "--as-of",
        "2099-01-01",
        "--partner",
        "municipality",
        "--trusted-key",
        pin,
        "--data-dir",
        str(hub),
    )
    assert "case-example-0001" in replay.stdout
    assert not secret.exists()


def test_a_folder_readable_by_others_gets_one_warning_line(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """A data folder and log opened up to group/others give one warning line naming them."""
    hub.chmod(0o755)
    (hub / "log.sqlite").chmod(0o644)
    done = ketenhub("view", "police", "--data-dir", str(hub))
    warnings = [line for line in done.stderr.splitlines() if "data_folder_exposed" in line]
    assert len(warnings) == 1
    assert f"{hub} (0755)" in warnings[0] and f"{hub / 'log.sqlite'} (0644)" in warnings[0]
    hub.chmod(0o700)
    (hub / "log.sqlite").chmod(0o600)
    quiet = ketenhub("view", "police", "--data-dir", str(hub))
    assert "data_folder_exposed" not in quiet.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("replay", "--as-of", "2099-01-01", "--partner", "police"),
        ("evaluate", "--year", "2025", "--out", "OUT"),
        ("archive", "--year", "2025", "--out", "OUT"),
        ("verify", "--trust-on-first-use"),
    ],
)
def test_reading_commands_warn_about_a_folder_readable_by_others(  # type: ignore[no-untyped-def]
    ketenhub, hub: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """replay, evaluate, archive and verify read the same folder, and warn the same way."""
    (hub / "log.sqlite").chmod(0o644)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    done = ketenhub(*args, "--data-dir", str(hub), check=False)
    warnings = [line for line in done.stderr.splitlines() if "data_folder_exposed" in line]
    assert len(warnings) == 1 and f"{hub / 'log.sqlite'} (0644)" in warnings[0]


def test_the_web_tiers_users_and_tokens_files_opened_up_are_warned_about(  # type: ignore[no-untyped-def]
    ketenhub, hub: Path
) -> None:
    """The pages' password hashes and the API's token digests, readable by others: named in the warning."""
    from ketenhub.hub_folder import HubFolder
    from ketenhub.web.tokens import TokenStore
    from ketenhub.web.users import UserStore

    registry = HubFolder(hub).registry()
    UserStore(hub).add(registry, "police", "agent-synthetisch", "een-lang-proefwachtwoord")
    TokenStore(hub).add(registry, "police", "case-system")
    for name in ("web-users.json", "web-tokens.json"):
        (hub / name).chmod(0o644)
    done = ketenhub("view", "police", "--data-dir", str(hub))
    warnings = [line for line in done.stderr.splitlines() if "data_folder_exposed" in line]
    assert len(warnings) == 1
    for name in ("web-users.json", "web-tokens.json"):
        assert f"{hub / name} (0644)" in warnings[0]
