"""A clear identifier typed where a case or referral id belongs: the command refuses it without repeating it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ketenhub.cli.main import cli

SYNTHETIC_BSN = "111222333"  # passes the eleven-test; nobody's

COMMANDS = [
    ["view", "municipality", SYNTHETIC_BSN],
    ["view", "municipality", "case-111-222-333"],
    ["connector", "police", "report", SYNTHETIC_BSN, "a1", "--finding", "NO_FINDINGS"],
    ["connector", "care-coordination", "--as", "shop", "--accept", SYNTHETIC_BSN],
    [
        "connector",
        "case-handling",
        "intake",
        SYNTHETIC_BSN,
        "--undermining-crime",
        "--municipal-task",
        "--within-municipality",
        "--outcome",
        "ACCEPT",
    ],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:3]))
def test_an_id_holding_a_bsn_is_not_repeated_in_the_error(
    tmp_path: Path, command: list[str]
) -> None:
    """The error says there is no such case or referral, and withholds the id that looks like a BSN."""
    hub = tmp_path / "hub"
    assert CliRunner().invoke(cli, ["init", "--data-dir", str(hub)]).exit_code == 0
    done = CliRunner().invoke(cli, [*command, "--data-dir", str(hub)])
    assert done.exit_code == 1, done.output
    assert "withheld" in done.output, done.output
    for clear in (SYNTHETIC_BSN, "111-222-333"):
        assert clear not in done.output
