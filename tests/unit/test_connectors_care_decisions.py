"""Care decisions: checked against the provider's view, in order, before anything is recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.care import ReferralInView, Step, decision, events_for, read_decisions
from connectors.sdk.errors import InputRefused
from ketenhub.contract import models as m

AT = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def referrals(**statuses: str) -> dict[str, ReferralInView]:
    return {
        ref: ReferralInView("case-1", ref, {"status": status}, {})
        for ref, status in statuses.items()
    }


def test_decisions_follow_the_referral_through_its_statuses() -> None:
    """Accept, start and end one referral in one go: each step checked against the status the last left."""
    planned = [
        decision("r1", Step.ACCEPT),
        decision("r1", Step.START),
        decision("r1", Step.END, outcome="COMPLETED"),
    ]
    events = events_for(planned, referrals(r1="MADE"), "shop", AT)
    assert [type(e) for e in events] == [m.ReferralAccepted, m.CareStarted, m.CareEnded]
    assert all(
        e.case_id == "case-1" and e.recorded_by == "shop" and e.occurred_at == AT for e in events
    )
    assert events[-1].outcome is m.CareOutcome.COMPLETED  # type: ignore[attr-defined]


def test_a_decline_carries_its_reason() -> None:
    """A decline records the reason given."""
    [event] = events_for(
        [decision("r1", Step.DECLINE, reason="CLIENT_REFUSED")], referrals(r1="MADE"), "shop", AT
    )
    assert isinstance(event, m.ReferralDeclined) and event.reason is m.DeclineReason.CLIENT_REFUSED


@pytest.mark.parametrize(
    ("planned", "message"),
    [
        ([decision("r9", Step.ACCEPT)], "referral 'r9': is not addressed to shop"),
        (
            [decision("r1", Step.END, outcome="COMPLETED")],
            "referral 'r1': is MADE; to end it, it must be CARE_STARTED",
        ),
        (
            [decision("r1", Step.ACCEPT), decision("r1", Step.DECLINE, reason="OTHER")],
            "is ACCEPTED; to decline it",
        ),
    ],
)
def test_a_decision_the_view_rules_out_is_refused(planned: list[object], message: str) -> None:
    """Unknown referrals and steps out of order are refused with the status found and the one needed."""
    with pytest.raises(InputRefused, match=message):
        events_for(planned, referrals(r1="MADE"), "shop", AT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("step", "kwargs", "message"),
    [
        (Step.DECLINE, {}, "a decline needs a reason: one of NO_CAPACITY"),
        (Step.END, {}, "ending care needs an outcome: one of COMPLETED"),
        (Step.DECLINE, {"reason": "BORED"}, "'BORED' is not a valid DeclineReason"),
    ],
)
def test_a_decision_without_its_detail_is_refused(
    step: Step, kwargs: dict[str, str], message: str
) -> None:
    """Decline needs a known reason and end an outcome."""
    with pytest.raises(InputRefused, match=message):
        decision("r1", step, **kwargs)


def test_a_decisions_file_is_read_in_order(tmp_path: Path) -> None:
    """Rows become decisions in file order; a row without a decision names its line."""
    path = tmp_path / "d.csv"
    path.write_text(
        "referral_id,decision,reason,outcome\nr1,Accept,,\nr2,decline,NO_CAPACITY,\nr1,end,,DROPPED_OUT\n"
    )
    assert [(d.referral_id, d.step, d.reason, d.outcome) for d in read_decisions(path)] == [
        ("r1", Step.ACCEPT, None, None),
        ("r2", Step.DECLINE, m.DeclineReason.NO_CAPACITY, None),
        ("r1", Step.END, None, m.CareOutcome.DROPPED_OUT),
    ]
    path.write_text("referral_id,decision\nr1,\n")
    with pytest.raises(InputRefused, match=r"d\.csv line 2: needs decision"):
        read_decisions(path)
    path.write_text("referral_id,decision\nr1,maybe\n")
    with pytest.raises(InputRefused, match="decision must be one of accept, decline, start, end"):
        read_decisions(path)
