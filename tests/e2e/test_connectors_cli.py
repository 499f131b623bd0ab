"""Every connector command explains itself in --help and fails in one line, as the other commands do."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ketenhub.cli.connector_commands import connector
from ketenhub.cli.main import cli


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command under ``group`` as its path of names (groups included)."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


CONNECTORS = ["anonymous-tips", "police", "care-coordination", "riec", "heit", "case-handling"]


def test_the_connector_group_lists_every_connector() -> None:
    """`ketenhub connector --help` names the six connectors."""
    shown = CliRunner().invoke(cli, ["connector", "--help"]).stdout
    for name in CONNECTORS:
        assert name in shown


@pytest.mark.parametrize("path", command_paths(connector), ids=" ".join)
def test_every_connector_command_has_a_help_that_explains_it(path: tuple[str, ...]) -> None:
    """Each command's --help describes it; commands that reach a hub show the KETENHUB_ variables."""
    done = CliRunner().invoke(cli, ["connector", *path, "--help"])
    assert done.exit_code == 0
    assert f"Usage: cli connector {' '.join(path)}" in done.stdout
    description = done.stdout.split("Options:")[0].splitlines()[2:]
    assert any(line.strip() for line in description), f"{path} has no description"
    if not isinstance(resolve(path), click.Group):
        assert "KETENHUB_DATA_DIR" in done.stdout and "KETENHUB_KAFKA_BOOTSTRAP" in done.stdout


def resolve(path: tuple[str, ...]) -> click.Command:
    """The command at ``path`` under the connector group."""
    command: click.Command = connector
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_a_missing_hub_is_one_clear_line(tmp_path: Path) -> None:
    """Following a view on a hub that does not exist says what to do, without a stack trace."""
    done = CliRunner().invoke(
        cli, ["connector", "police", "follow", "--data-dir", str(tmp_path / "none")]
    )
    assert done.exit_code == 1
    assert (
        done.stderr.startswith("Error: no embedded hub in")
        and len(done.stderr.strip().splitlines()) == 1
    )


def test_an_unknown_partner_is_named_with_the_known_ones(tmp_path: Path) -> None:
    """--as with a partner the registry does not know lists the partners it knows."""
    (tmp_path / "drop").mkdir()
    assert CliRunner().invoke(cli, ["init", "--data-dir", str(tmp_path / "h")]).exit_code == 0
    args = [
        "connector",
        "anonymous-tips",
        str(tmp_path / "drop"),
        "--as",
        "nobody",
        "--data-dir",
        str(tmp_path / "h"),
    ]
    done = CliRunner().invoke(cli, args)
    assert (
        done.exit_code == 1
        and "unknown partner 'nobody'" in done.stderr
        and "meld-misdaad-anoniem" in done.stderr
    )
