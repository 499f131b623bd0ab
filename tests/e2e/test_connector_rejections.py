"""A connector shows each rejection of its partner once, whichever of its subcommands runs next;
a command's own rejections are told apart from earlier ones."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_connectors_police import SIGNALS, hub_dir, run

__all__ = ["hub_dir"]  # the fixture, used by name below
REFUSED_LINE = "REJECTED SignalReceived"


def publish_a_refused_police_signal(hub_dir: Path, tmp_path: Path) -> None:
    """The police publish a signal for case-1, which exists already: the hub refuses it."""
    source = tmp_path / "duplicate-case.jsonl"
    source.write_text(json.dumps(SIGNALS[0] | {"case_id": "case-1"}) + "\n")
    done = run("publish", str(source), "--as", "police", "--data-dir", str(hub_dir))
    assert done.exit_code == 1 and "ALREADY_EXISTS" in done.output, done.output


def test_an_earlier_rejection_is_shown_once_across_the_connectors_subcommands(
    hub_dir: Path, tmp_path: Path
) -> None:
    """acknowledge shows the earlier rejection, labelled as earlier; report and publish after
    it do not show it again."""
    publish_a_refused_police_signal(hub_dir, tmp_path)
    hub = ["--data-dir", str(hub_dir)]
    first = run("connector", "police", "acknowledge", *hub)
    assert first.exit_code == 0, first.output
    assert "1 earlier rejection(s) of police, not shown before:" in first.stderr
    assert first.stderr.count(REFUSED_LINE) == 1 and "ALREADY_EXISTS" in first.stderr
    reported = run(
        "connector", "police", "report", "case-1", "a1", "--finding", "NO_ID_PAPERS", *hub
    )
    assert reported.exit_code == 0, reported.output
    source = tmp_path / "new.jsonl"
    source.write_text(json.dumps(SIGNALS[1]) + "\n")
    published = run("connector", "police", "publish", str(source), *hub)
    assert published.exit_code == 0, published.output
    for later in (reported, published):
        assert REFUSED_LINE not in later.stderr and "earlier rejection" not in later.stderr


def test_a_commands_own_rejection_fails_it_and_is_not_called_earlier(
    hub_dir: Path, tmp_path: Path
) -> None:
    """A signal the hub refuses in this very command is reported as this command's failure."""
    source = tmp_path / "duplicate-case.jsonl"
    source.write_text(json.dumps(SIGNALS[0] | {"case_id": "case-2"}) + "\n")
    done = run("connector", "police", "publish", str(source), "--data-dir", str(hub_dir))
    assert done.exit_code == 1
    assert done.stderr.startswith(REFUSED_LINE)
    assert "earlier rejection" not in done.stderr
    assert "the hub rejected 1 of the 1 event(s) published" in done.stderr
