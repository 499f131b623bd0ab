"""The RIEC and HEIT connectors end to end: take up escalated or forwarded cases, report findings back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from connectors.sdk import EmbeddedTransport, PartnerClient
from ketenhub.cli.main import cli
from ketenhub.runtime.embedded.hub import EmbeddedHub
from tests.unit.synthetic import Story


def run(*args: str) -> Result:
    """Run ``ketenhub ARGS`` in this process, as a user would type it."""
    return CliRunner().invoke(cli, list(args))


def view(hub_dir: Path, partner: str, case: str = "case-1") -> dict[str, Any]:
    with PartnerClient(partner, EmbeddedTransport(hub_dir)) as client:
        return dict(client.snapshot()[case].sections)


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    """A case escalated to RIEC by its plan (action a1 for RIEC, a2 for HEIT) and forwarded to HEIT."""
    story = Story()
    events = [
        *story.through_research("case-1"),
        story.plan("case-1", owners=("riec", "heit"), riec=True),
        story.forward("case-1", "heit"),
    ]
    with EmbeddedHub(tmp_path / "hub", create=True) as hub:
        for event in events:
            hub.publish(event)
        hub.run()
    return tmp_path / "hub"


@pytest.mark.parametrize("partner", ["riec", "heit"])
def test_take_up_acknowledges_what_was_escalated_or_forwarded(hub_dir: Path, partner: str) -> None:
    """Each partner acknowledges the forward addressed to it, once; follow listed it as work to take up."""
    followed = run("connector", partner, "follow", "--data-dir", str(hub_dir)).stdout
    assert followed.count("to take up: forward") == 1
    done = run("connector", partner, "take-up", "--data-dir", str(hub_dir))
    assert done.exit_code == 0, done.output
    assert "1 forward(s) acknowledged" in done.stdout
    forwards = [f for f in view(hub_dir, partner)["forwards"].values() if partner in f["to"]]
    assert [list(f["acknowledged"]) for f in forwards] == [[partner]]
    assert (
        "0 forward(s) acknowledged"
        in run("connector", partner, "take-up", "--data-dir", str(hub_dir)).stdout
    )


def test_riec_and_heit_report_findings_on_their_own_actions(hub_dir: Path) -> None:
    """RIEC completes its action with finding codes, HEIT cancels its own; the coordinator sees both."""
    hub = ["--data-dir", str(hub_dir)]
    riec = run(
        "connector", "riec", "report", "case-1", "a1", "--finding", "NETWORK_SUSPECTED", *hub
    )
    heit = run("connector", "heit", "report", "case-1", "a2", "--cancelled", *hub)
    assert riec.exit_code == heit.exit_code == 0, riec.output + heit.output
    actions = view(hub_dir, "municipality")["actions"]
    assert (actions["a1"]["result"], actions["a1"]["finding_codes"]) == (
        "COMPLETED",
        ["NETWORK_SUSPECTED"],
    )
    assert actions["a2"]["result"] == "CANCELLED"
    again = run("connector", "riec", "report", "case-1", "a1", *hub)
    assert again.stderr.strip() == "Error: action 'a1': was already reported as COMPLETED"


def test_a_partner_cannot_report_another_partners_action(hub_dir: Path) -> None:
    """HEIT reporting RIEC's action is refused before anything is sent."""
    done = run("connector", "heit", "report", "case-1", "a1", "--data-dir", str(hub_dir))
    assert done.exit_code == 1
    assert done.stderr.strip() == "Error: action 'a1': is owned by 'riec', not 'heit'"
    assert view(hub_dir, "municipality")["actions"]["a1"]["result"] is None


def test_heit_acts_for_another_inspection_partner_with_as(hub_dir: Path) -> None:
    """The inspection connector runs for the Labour Authority with --as nla; a care partner is refused."""
    done = run("connector", "heit", "follow", "--as", "nla", "--data-dir", str(hub_dir))
    assert done.exit_code == 0 and "no changes since the last run" in done.stdout
    refused = run("connector", "riec", "take-up", "--as", "shop", "--data-dir", str(hub_dir))
    assert refused.exit_code == 1 and "this connector is for RIEC partners (riec)" in refused.stderr
