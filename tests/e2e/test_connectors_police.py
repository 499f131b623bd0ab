"""The police connector end to end: publish police signals, acknowledge forwards, follow, report back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from connectors.sdk import EmbeddedTransport, PartnerClient
from ketenhub.cli.main import cli
from ketenhub.contract.base import Event
from ketenhub.runtime.embedded.hub import EmbeddedHub
from tests.unit.synthetic import Story

SIGNALS = [
    {
        "type": "SignalReceived",
        "occurred_at": "2025-11-03T09:15:00+01:00",
        "case_id": "police-0001",
        "channel": "POLICE",
        "reporter_role": "POLICE_OFFICER",
        "exploitation_forms": ["SEXUAL"],
        "indicators": ["ADVERTISED_ONLINE"],
        "location": {"municipality_code": "GM1916", "area_code": "2271"},
        "persons": ["synthetic person one"],
        "free_text": "Synthetic: a short-stay rental with many visitors at night.",
    },
    {
        "type": "SignalReceived",
        "occurred_at": "2025-11-04T11:00:00+01:00",
        "case_id": "police-0002",
        "channel": "POLICE",
        "exploitation_forms": ["LABOUR"],
        "indicators": [],
        "location": {"municipality_code": "GM1916", "area_code": "2262"},
        "persons": [],
    },
]


@pytest.fixture(autouse=True)
def initialised_hub(tmp_path: Path) -> None:
    """An empty hub in tmp_path/hub, made by `ketenhub init`: connectors never create one."""
    done = CliRunner().invoke(cli, ["init", "--data-dir", str(tmp_path / "hub")])
    assert done.exit_code == 0, done.output


def run(*args: str) -> Result:
    """Run ``ketenhub ARGS`` in this process, as a user would type it."""
    return CliRunner().invoke(cli, list(args))


def load(hub_dir: Path, events: list[Event]) -> None:
    """Publish events as their recorders and run the pipeline."""
    with EmbeddedHub(hub_dir, create=True) as hub:
        for event in events:
            hub.publish(event)
        hub.run()


def police_view(hub_dir: Path, case: str) -> dict[str, Any]:
    with PartnerClient("police", EmbeddedTransport(hub_dir)) as client:
        return dict(client.snapshot()[case].sections)


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    """A hub with two cases forwarded to the police: one by an action plan, one by a forward."""
    story = Story()
    planned = story.plan("case-1", owners=("police", "heit"), police=True)
    load(
        tmp_path / "hub",
        [
            *story.through_research("case-1"),
            planned,
            story.signal("case-2"),
            story.forward("case-2", "police"),
        ],
    )
    return tmp_path / "hub"


def test_publish_sends_police_signals_and_follow_shows_them(tmp_path: Path) -> None:
    """Published JSON lines become the police's own cases; follow prints them once, then nothing new."""
    source = tmp_path / "signals.jsonl"
    source.write_text("\n".join(json.dumps(s) for s in SIGNALS) + "\n")
    hub = ["--data-dir", str(tmp_path / "hub")]
    published = run("connector", "police", "publish", str(source), *hub)
    assert published.exit_code == 0, published.output
    assert "published 2 event(s) as police" in published.stdout
    followed = run("connector", "police", "follow", *hub)
    assert [line.split()[0] for line in followed.stdout.splitlines()] == [
        "police-0001",
        "police-0002",
    ]
    assert "RECEIVED" in followed.stdout and "visible because REPORTED" in followed.stdout
    assert (
        run("connector", "police", "follow", *hub).stdout.strip() == "no changes since the last run"
    )
    signal = police_view(tmp_path / "hub", "police-0001")["signal"]
    assert signal["persons"][0].startswith("psn-") and "free_text" not in signal


def test_a_bad_line_publishes_nothing(tmp_path: Path) -> None:
    """One bad line refuses the whole file with its line number; no event is published."""
    source = tmp_path / "signals.jsonl"
    source.write_text(
        json.dumps(SIGNALS[0]) + "\n" + json.dumps(SIGNALS[1] | {"channel": "NOPE"}) + "\n"
    )
    done = run("connector", "police", "publish", str(source), "--data-dir", str(tmp_path / "hub"))
    assert done.exit_code == 1
    assert (
        "line 2: SignalReceived: channel" in done.stderr and "nothing was published" in done.stderr
    )
    with EmbeddedHub(tmp_path / "hub") as hub:
        assert list(hub.records("ingest.police")) == []


def test_acknowledge_takes_up_every_forward_once(hub_dir: Path) -> None:
    """Forwards addressed to the police are acknowledged once; a second run finds none left."""
    followed = run("connector", "police", "follow", "--data-dir", str(hub_dir))
    assert followed.stdout.count("to take up: forward") == 2
    assert "to report: action a1 (CONTROL_VISIT, due 2025-03-01)" in followed.stdout
    done = run("connector", "police", "acknowledge", "--data-dir", str(hub_dir))
    assert done.exit_code == 0, done.output
    assert "2 forward(s) acknowledged" in done.stdout
    for case in ("case-1", "case-2"):
        [forward] = police_view(hub_dir, case)["forwards"].values()
        assert list(forward["acknowledged"]) == ["police"]
    again = run("connector", "police", "acknowledge", "--data-dir", str(hub_dir))
    assert "0 forward(s) acknowledged" in again.stdout


def test_report_ends_an_owned_action_and_refuses_another_owners(hub_dir: Path) -> None:
    """The police report their own action with findings; another partner's action is one clear error."""
    done = run(
        "connector",
        "police",
        "report",
        "case-1",
        "a1",
        "--finding",
        "NO_ID_PAPERS",
        "--data-dir",
        str(hub_dir),
    )
    assert done.exit_code == 0, done.output
    action = police_view(hub_dir, "case-1")["actions"]["a1"]
    assert (action["result"], action["finding_codes"]) == ("COMPLETED", ["NO_ID_PAPERS"])
    other = run("connector", "police", "report", "case-1", "a2", "--data-dir", str(hub_dir))
    assert other.exit_code == 1
    assert other.stderr.strip() == "Error: action 'a2': is owned by 'heit', not 'police'"
    bad = run(
        "connector",
        "police",
        "report",
        "case-1",
        "a1",
        "--finding",
        "free text",
        "--data-dir",
        str(hub_dir),
    )
    assert bad.exit_code == 1
    assert "--finding: code number 1 of 1 given is not in the hub's finding codes" in bad.stderr
    assert "NO_ID_PAPERS" in bad.stderr and "free text" not in bad.stderr
