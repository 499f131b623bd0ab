"""Part 3, enforcement & barriers, on a hand-built history whose every figure is known."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub.evaluation import Evaluation, EvaluationSettings, evaluate_events, exact, published


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    """Screenings, three control days (one planned in 2024, one held in 2026), visits, measures, a plan."""
    s = Chronicle()
    s.control_day(
        "d1", at(2024, 12, 20), dt.date(2025, 1, 15), "INTEGRAL", ["enforcement", "police", "heit"]
    )
    s.screening(at(2025, 1, 5), "HOSPITALITY", "NO_RISK")
    s.screening(at(2025, 2, 5), "HOSPITALITY", "NO_RISK")
    s.screening(at(2025, 3, 5), "ESCORT", "SERIOUS_RISK")
    s.visit("d1", "v1", at(2025, 1, 15, 10), ["NO_PERMIT", "OVERCROWDING"], 6, raised=1)
    s.visit("d1", "v2", at(2025, 1, 15, 11), ["NO_FINDINGS"], 2)
    s.measure("m1", at(2025, 1, 20), "PENALTY_ORDER", visit="v1")
    s.signal("c1", at(2025, 1, 21))
    actions = (
        ("a1", "police", dt.date(2025, 3, 1)),
        ("a2", "heit", dt.date(2025, 3, 1)),
        ("a3", "riec", dt.date(2025, 3, 1)),
        ("a4", "police", dt.date(2025, 3, 1)),
    )
    s.plan("c1", at(2025, 2, 1), actions, police=True)
    s.action("c1", "a1", at(2025, 2, 10), "police")
    s.action("c1", "a2", at(2025, 2, 11), "heit")
    s.action("c1", "a4", at(2025, 2, 12), "police", result="CANCELLED")
    s.measure("m2", at(2025, 2, 12), "PENALTY_ORDER", case="c1")
    s.control_day("d2", at(2025, 5, 1), dt.date(2025, 5, 10), "PROSTITUTION", ["police", "heit"])
    s.visit("d2", "v3", at(2025, 5, 10, 10), ["NO_PERMIT"], 3, raised=2)
    s.measure("m3", at(2025, 5, 12), "PREMISES_CLOSURE", visit="v3")
    s.control_day("d3", at(2025, 12, 1), dt.date(2026, 1, 10), "ADDRESS_CHECK", ["riec"])
    return evaluate_events(s.events, 2025, settings=EvaluationSettings(min_count=3))


def row(evaluation: Evaluation, key: str, *labels: str) -> list[str]:
    """The exact values of one row."""
    return [exact(f) for f in evaluation.table(key).row(*labels).figures]


def test_bibob_screenings_by_permit_type_and_outcome(evaluation: Evaluation) -> None:
    """Two hospitality screenings without risk and one escort screening with serious risk."""
    table = evaluation.table("enforcement.bibob")
    found = {r.labels: exact(r.figures[0]) for r in table.rows if exact(r.figures[0]) != "0"}
    assert found == {("HOSPITALITY", "NO_RISK"): "2", ("ESCORT", "SERIOUS_RISK"): "1"}
    assert len(table.rows) == 12


def test_control_days_count_by_their_date_and_visits_by_kind(evaluation: Evaluation) -> None:
    """d1 (planned in 2024) is a 2025 control day; d3 (held in 2026) is not."""
    assert row(evaluation, "enforcement.control_days", "INTEGRAL") == ["1", "2", "8", "1"]
    assert row(evaluation, "enforcement.control_days", "PROSTITUTION") == ["1", "1", "3", "2"]
    assert row(evaluation, "enforcement.control_days", "ADDRESS_CHECK") == ["0", "0", "0", "0"]


def test_visits_by_finding_code(evaluation: Evaluation) -> None:
    """NO_PERMIT was found on two visits; the codes are listed alphabetically."""
    table = evaluation.table("enforcement.findings")
    assert {r.labels[0]: exact(r.figures[0]) for r in table.rows} == {
        "NO_FINDINGS": "1",
        "NO_PERMIT": "2",
        "OVERCROWDING": "1",
    }


def test_measures_by_type_and_after_a_control_visit(evaluation: Evaluation) -> None:
    """Two penalty orders (one after a visit) and one closure after a visit."""
    assert row(evaluation, "enforcement.measures", "PENALTY_ORDER") == ["2", "1"]
    assert row(evaluation, "enforcement.measures", "PREMISES_CLOSURE") == ["1", "1"]
    assert row(evaluation, "enforcement.measures", "STOP_TALK") == ["0", "0"]


def test_joint_actions_with_heit_avim_and_riec(evaluation: Evaluation) -> None:
    """Police owned two actions (one completed, one cancelled); HEIT one; RIEC one, open."""
    assert row(evaluation, "enforcement.joint", "police") == ["2", "1", "2"]
    assert row(evaluation, "enforcement.joint", "heit") == ["1", "1", "2"]
    assert row(evaluation, "enforcement.joint", "riec") == ["1", "0", "0"]


def test_the_suppression_threshold_is_configurable(evaluation: Evaluation) -> None:
    """With threshold 3, two penalty orders show as <3 and the three people met on d2 as 3."""
    threshold = evaluation.settings.min_count
    assert (
        published(
            evaluation.table("enforcement.measures").figure("measures", "PENALTY_ORDER"), threshold
        )
        == "<3"
    )
    people = evaluation.table("enforcement.control_days").figure(
        "people encountered", "PROSTITUTION"
    )
    assert published(people, threshold) == "3"
