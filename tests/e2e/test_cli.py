"""The command line as a user meets it: help for every command, one-line errors, the JSON lines format."""

from __future__ import annotations

from pathlib import Path

import pytest

COMMANDS = ["init", "demo", "publish", "run", "view", "rejected", "verify", "erase", "serve"]
EXAMPLES = Path(__file__).parents[2] / "examples" / "signals.jsonl"


def test_the_main_help_lists_every_command(ketenhub) -> None:  # type: ignore[no-untyped-def]
    """`ketenhub --help` explains the hub and lists its commands."""
    done = ketenhub("--help")
    assert "chain partners" in done.stdout
    for command in COMMANDS:
        assert command in done.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_help_that_explains_it(ketenhub, command: str) -> None:  # type: ignore[no-untyped-def]
    """Each command's --help has a description and shows the environment variables it reads."""
    done = ketenhub(command, "--help")
    assert "Usage: ketenhub " + command in done.stdout
    assert len(done.stdout.splitlines()) > 5
    if command != "erase":
        assert "KETENHUB_" in done.stdout


def test_a_missing_hub_is_one_clear_line(ketenhub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Viewing a hub that does not exist fails with one line that says what to do, no stack trace."""
    done = ketenhub("view", "police", "--data-dir", str(tmp_path / "nothing"), check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "ketenhub demo" in done.stderr


def init_hub(ketenhub, folder: Path) -> str:  # type: ignore[no-untyped-def]
    """Create an empty hub with `ketenhub init`; return the key fingerprint it printed."""
    done = ketenhub("init", "--data-dir", str(folder))
    return done.stdout.split("Hub public key fingerprint (SHA-256): ")[1].split()[0]


def test_an_unknown_partner_is_named_with_the_known_ones(ketenhub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Publishing as a partner the registry does not know lists the partners it does know."""
    init_hub(ketenhub, tmp_path / "hub")
    done = ketenhub(
        "publish", "--as", "nobody", str(EXAMPLES), "--data-dir", str(tmp_path / "hub"), check=False
    )
    assert (
        done.returncode == 1
        and "unknown partner 'nobody'" in done.stderr
        and "police" in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_publish_json_lines_reports_bad_lines_and_keeps_the_good(ketenhub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A bad line is skipped with its number and reason; the other lines are published, sealed or rejected."""
    lines = EXAMPLES.read_text().splitlines()
    bad = tmp_path / "mixed.jsonl"
    bad.write_text("\n".join([lines[0], "{not json", '{"type": "NoSuchEvent"}', lines[2]]) + "\n")
    init_hub(ketenhub, tmp_path / "hub")
    done = ketenhub(
        "publish",
        "--as",
        "municipal-staff",
        str(bad),
        "--data-dir",
        str(tmp_path / "hub"),
        check=False,
    )
    assert done.returncode == 1
    assert (
        "line 2: not valid JSON" in done.stderr
        and "line 3: unknown event type 'NoSuchEvent'" in done.stderr
    )
    assert "published 2 event(s)" in done.stdout and "sealed 1, rejected 1" in done.stdout
    again = ketenhub(
        "publish", "--as", "municipal-staff", str(EXAMPLES), "--data-dir", str(tmp_path / "hub")
    )
    # the same line twice has no second effect; the refused one is not refused a second time
    assert "sealed 1, rejected 0, duplicates ignored 2" in again.stdout


def test_the_coordinator_reads_free_text_and_erasure_shreds_it(ketenhub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Free text is stored encrypted, decrypted for the coordinator, and unreadable after its subject is erased."""
    hub = str(tmp_path / "hub")
    pinned = init_hub(ketenhub, tmp_path / "hub")
    published = ketenhub(
        "publish", "--as", "municipal-staff", str(EXAMPLES), "--data-dir", hub, check=False
    )
    assert published.returncode == 1 and "1 event(s) refused by the hub" in published.stderr
    raw = (tmp_path / "hub" / "log.sqlite").read_bytes()
    assert b"storage room" not in raw  # never stored in clear
    shown = ketenhub("view", "municipality", "case-example-0001", "--data-dir", hub).stdout
    assert "sleep in the storage room" in shown
    staff = ketenhub("view", "municipal-staff", "case-example-0001", "--data-dir", hub).stdout
    assert "storage room" not in staff and "free_text" not in staff
    import json

    subject = json.loads(ketenhub("view", "municipality", "--json", "--data-dir", hub).stdout)[
        "case-example-0001"
    ]["signal"]["free_text"]["subject"]
    ketenhub("erase", subject, "--yes", "--data-dir", hub)
    after = ketenhub("view", "municipality", "case-example-0001", "--data-dir", hub).stdout
    assert "[erased]" in after and "storage room" not in after
    verified = ketenhub("verify", "--data-dir", hub, "--trusted-key", pinned).stdout
    assert "hash chain intact" in verified
