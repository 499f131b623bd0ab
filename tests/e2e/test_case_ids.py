"""A case id is never silently changed: spelled as an outside system writes it, it still finds its case."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from ketenhub.cli.main import cli
from tests.e2e.test_connectors_case_handling import views


def run(*args: str, stdin: str | None = None) -> Result:
    """Run ``ketenhub ARGS`` in this process, as a user would type it."""
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_a_tip_case_is_found_under_the_tip_lines_own_spelling(tmp_path: Path) -> None:
    """A tip ``MMA-2025-00042`` opens case ``tip-mma-2025-00042``; the coordinator typing
    ``tip-MMA-2025-00042`` (as the tip line writes it) takes that very case through intake."""
    hub = ["--data-dir", str(tmp_path / "hub")]
    assert run("init", *hub).exit_code == 0
    drop = tmp_path / "drop"
    drop.mkdir()
    tip = {
        "tip_id": "MMA-2025-00042",
        "received_at": "2025-11-03T09:15:00+01:00",
        "exploitation_forms": ["LABOUR"],
        "area_code": "2261",
        "description": "Synthetic tip: workers sleep in a shed.",
    }
    (drop / "tips.json").write_text(json.dumps([tip]))
    imported = run("connector", "anonymous-tips", str(drop), *hub)
    assert imported.exit_code == 0, imported.output
    intake = run(
        "connector", "case-handling", "intake", "tip-MMA-2025-00042", *hub,
        "--undermining-crime", "--municipal-task", "--within-municipality", "--outcome", "ACCEPT",
    )  # fmt: skip
    assert intake.exit_code == 0, intake.output
    case = views(Path(hub[1]), "municipality")["tip-mma-2025-00042"]
    assert [h["event_type"] for h in case.sections["history"]] == [
        "SignalReceived",
        "IntakeAssessed",
    ]


def test_a_case_id_that_cannot_be_one_is_refused_naming_the_format(tmp_path: Path) -> None:
    """A case argument outside the documented id format stops before anything is recorded."""
    hub = ["--data-dir", str(tmp_path / "hub")]
    assert run("init", *hub).exit_code == 0
    refused = run(
        "connector", "case-handling", "close", "case 1/../x", "--reason", "NOT_SEVERE", *hub
    )
    assert refused.exit_code == 2
    assert "a case id has 1-64 lowercase letters, digits and dashes" in refused.output


def test_replay_and_erase_take_a_case_as_the_connectors_do(tmp_path: Path) -> None:
    """``replay --case`` finds a tip case under the tip line's spelling; a case outside the
    format is refused by ``replay`` and ``erase`` before anything is read or erased."""
    hub = ["--data-dir", str(tmp_path / "hub")]
    assert run("init", *hub).exit_code == 0
    drop = tmp_path / "drop"
    drop.mkdir()
    tip = {
        "tip_id": "MMA-2025-00043",
        "received_at": "2025-11-03T09:15:00+01:00",
        "exploitation_forms": ["LABOUR"],
        "area_code": "2261",
        "description": "Synthetic tip: workers sleep in a shed.",
    }
    (drop / "tips.json").write_text(json.dumps([tip]))
    assert run("connector", "anonymous-tips", str(drop), *hub).exit_code == 0
    found = run(
        "replay",
        "--as-of",
        "2100-01-01",
        "--case",
        "tip-MMA-2025-00043",
        "--partner",
        "municipality",
        *hub,
    )
    assert found.exit_code == 0, found.output
    assert "tip-mma-2025-00043" in found.output
    bad = "case 1/../x"
    for refused in (
        run("replay", "--as-of", "2100-01-01", "--case", bad, *hub),
        run("erase", "--yes", "--case", bad, *hub),
    ):
        assert refused.exit_code == 2, refused.output
        assert "a case id has 1-64 lowercase letters, digits and dashes" in refused.output
