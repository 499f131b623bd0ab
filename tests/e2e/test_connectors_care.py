"""The care-coordination connector end to end, for SHOP and for other care partners with --as."""

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


def referrals(hub_dir: Path, partner: str) -> dict[str, Any]:
    with PartnerClient(partner, EmbeddedTransport(hub_dir)) as client:
        return {
            k: v
            for view in client.snapshot().values()
            for k, v in view.section("referrals").items()
        }


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    """A case with one victim referred twice to SHOP and once to Leger des Heils."""
    story = Story()
    events = [
        story.signal("case-1"),
        story.victim("case-1", other_exploitation_forms=["CRIMINAL"]),
        story.referral(referral="r1"),
        story.referral(referral="r2"),
        story.referral(referral="r3", provider="leger-des-heils"),
    ]
    with EmbeddedHub(tmp_path / "hub", create=True) as hub:
        for event in events:
            hub.publish(event)
        hub.run()
    return tmp_path / "hub"


def test_follow_shows_only_the_referrals_addressed_to_the_partner(hub_dir: Path) -> None:
    """SHOP sees its two referrals with the victim's age group and forms, never the other provider's referral."""
    done = run("connector", "care-coordination", "--as", "shop", "--data-dir", str(hub_dir))
    assert done.exit_code == 0, done.output
    assert (
        "referral r1 (case case-1): CARE_COORDINATION, URGENT, UNDER_18 FEMALE (SEXUAL, CRIMINAL): MADE"
        in done.stdout
    )
    assert "referral r2" in done.stdout and "r3" not in done.stdout
    assert (
        "no changes since the last run"
        in run("connector", "care-coordination", "--data-dir", str(hub_dir)).stdout
    )


def test_accept_decline_start_and_end_are_recorded_in_order(hub_dir: Path) -> None:
    """Flags record accept and decline with a reason, then care started and ended with an outcome."""
    hub = ["--data-dir", str(hub_dir)]
    done = run(
        "connector",
        "care-coordination",
        "--accept",
        "r1",
        "--decline",
        "r2",
        "--reason",
        "NO_CAPACITY",
        *hub,
    )
    assert done.exit_code == 0, done.output
    assert (
        "recorded accept of referral r1" in done.stdout
        and "recorded decline of referral r2" in done.stdout
    )
    run("connector", "care-coordination", "--start", "r1", *hub)
    ended = run("connector", "care-coordination", "--end", "r1", "--outcome", "COMPLETED", *hub)
    assert ended.exit_code == 0, ended.output
    seen = referrals(hub_dir, "shop")
    assert (seen["r1"]["status"], seen["r1"]["outcome"]) == ("CARE_ENDED", "COMPLETED")
    assert (seen["r2"]["status"], seen["r2"]["reason"]) == ("DECLINED", "NO_CAPACITY")
    listed = run("connector", "care-coordination", "--list", *hub).stdout
    assert (
        "r1 (case case-1)" in listed
        and "CARE_ENDED" in listed
        and "2 referral(s) addressed to shop" in listed
    )


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--decline", "r1"], "Error: referral 'r1': a decline needs a reason: one of NO_CAPACITY"),
        (["--accept", "r3"], "Error: referral 'r3': is not addressed to shop (not in its view)"),
        (["--start", "r1"], "Error: referral 'r1': is MADE; to start it, it must be ACCEPTED"),
        (
            ["--as", "police"],
            "Error: --as police: this connector is for CARE partners (shop, leger-des-heils",
        ),
    ],
    ids=["decline-without-reason", "not-addressed", "wrong-status", "not-a-care-partner"],
)
def test_a_decision_that_cannot_hold_is_one_clear_error(
    hub_dir: Path, flags: list[str], message: str
) -> None:
    """A decision the view rules out records nothing and fails with one line saying why."""
    done = run("connector", "care-coordination", *flags, "--data-dir", str(hub_dir))
    assert done.exit_code == 1
    assert done.stderr.startswith(message) and len(done.stderr.strip().splitlines()) == 1
    assert referrals(hub_dir, "shop")["r1"]["status"] == "MADE"


def test_another_care_partner_records_from_a_decisions_file(hub_dir: Path, tmp_path: Path) -> None:
    """Leger des Heils, with --as, accepts and starts care from a CSV decisions file."""
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("referral_id,decision,reason,outcome\nr3,accept,,\nr3,start,,\n")
    done = run(
        "connector", "care-coordination", "--as", "leger-des-heils", "--decisions", str(decisions),
        "--data-dir", str(hub_dir),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert referrals(hub_dir, "leger-des-heils")["r3"]["status"] == "CARE_STARTED"
    assert referrals(hub_dir, "shop")["r1"]["status"] == "MADE"
