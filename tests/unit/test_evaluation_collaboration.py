"""Part 5, collaboration, on a hand-built history whose every figure is known."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub.evaluation import Evaluation, evaluate_events, exact


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    """Sharing, forwards with acknowledgements, a plan with four actions, and three meetings."""
    s = Chronicle()
    s.signal("cD", at(2024, 6, 1))
    s.share("cD", "d0", at(2024, 6, 3), "riec")
    s.signal("cC", at(2024, 12, 20))
    s.signal("cA", at(2025, 1, 1))
    forward_c = s.intake("cC", at(2025, 1, 2), "FORWARD", "nla")
    s.share("cA", "d1", at(2025, 1, 3), "police")
    s.ack("cC", forward_c, at(2025, 1, 4), "nla")
    s.intake("cA", at(2025, 1, 4))
    s.severity("cA", at(2025, 1, 4, 10))
    s.research("cA", at(2025, 1, 4, 11))
    due = (dt.date(2025, 2, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1), dt.date(2025, 6, 1))
    owners = ("police", "heit", "police", "riec")
    s.plan(
        "cA",
        at(2025, 1, 5),
        tuple((f"x{n}", o, d) for n, (o, d) in enumerate(zip(owners, due, strict=True), 1)),
    )
    s.signal("cB", at(2025, 1, 10))
    forward_b = s.forward("cB", at(2025, 1, 14))
    s.ack("cB", forward_b, at(2025, 1, 15, 21), "police")
    s.share("cB", "d2", at(2025, 1, 20), "heit")
    s.action("cA", "x1", at(2025, 1, 30), "police")
    s.action("cA", "x2", at(2025, 2, 5), "heit")
    s.action("cA", "x3", at(2025, 2, 10), "police", result="CANCELLED")
    s.meeting("m1", at(2025, 3, 1), "ONDERMIJNINGSOVERLEG", ["cA", "cB"])
    s.meeting("m2", at(2025, 4, 1), "ONDERMIJNINGSOVERLEG", ["cA"])
    s.meeting("m3", at(2025, 4, 2), "JOSO", ["cC"])
    s.revoke("cA", "d1", at(2025, 4, 3), "police")
    return evaluate_events(s.events, 2025, 2024)


def rows(evaluation: Evaluation, key: str, step: slice = slice(0, None, 3)) -> dict[str, list[str]]:
    """The exact 2025 values (every third column) of each row, by label."""
    table = evaluation.table(key)
    return {" / ".join(r.labels): [exact(f) for f in r.figures[step]] for r in table.rows}


def test_sharing_decisions_by_partner_with_a_baseline_only_partner(evaluation: Evaluation) -> None:
    """Police and HEIT got one decision each in 2025 (police's was revoked); RIEC only in 2024."""
    assert rows(evaluation, "collaboration.sharing") == {
        "heit": ["1", "0"],
        "police": ["1", "1"],
        "riec": ["0", "0"],
    }
    assert rows(evaluation, "collaboration.sharing", slice(1, None, 3))["riec"] == ["1", "0"]


def test_time_from_signal_to_first_sharing_or_forward(evaluation: Evaluation) -> None:
    """2, 4 and 13 days (cC's signal was in 2024, its forward in 2025): median 4, p90 11.2."""
    assert rows(evaluation, "collaboration.time_to_share")["all"] == ["3", "4.0", "11.2"]
    assert rows(evaluation, "collaboration.time_to_share", slice(1, None, 3))["all"] == [
        "1",
        "2.0",
        "2.0",
    ]


def test_partner_pickup_time(evaluation: Evaluation) -> None:
    """NLA picked its forward up after 2 days, the police after 1.5 days; 1.75 days over both."""
    assert rows(evaluation, "collaboration.pickup") == {
        "all": ["2", "1.8", "2.0"],
        "nla": ["1", "2.0", "2.0"],
        "police": ["1", "1.5", "1.5"],
    }


def test_actions_completed_by_their_due_date(evaluation: Evaluation) -> None:
    """x1 on time, x2 late, x3 cancelled, x4 (RIEC) still open after its due date."""
    assert rows(evaluation, "collaboration.actions_on_time") == {
        "all": ["2", "1", "50.0", "1"],
        "heit": ["1", "0", "0.0", "0"],
        "police": ["1", "1", "100.0", "0"],
        "riec": ["0", "0", "", "1"],
    }


def test_meetings_held_and_cases_discussed(evaluation: Evaluation) -> None:
    """Two ondermijningsoverleggen discussed three cases, two of them distinct."""
    assert rows(evaluation, "collaboration.meetings") == {
        "ONDERMIJNINGSOVERLEG": ["2", "3", "2"],
        "MENSENHANDELTAFEL": ["0", "0", "0"],
        "JOSO": ["1", "1", "1"],
    }
