"""Part 1, awareness & training, on a hand-built history whose every figure is known."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub.evaluation import Evaluation, evaluate_events, exact, published


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    """Trainings and campaigns in 2025, and one cleaning-sector training in the last hour of 2024."""
    s = Chronicle()
    s.training(at(2024, 12, 31, 23), "EXTERNAL_SECTOR", "CLEANING", 10)
    s.training(at(2025, 3, 1), "INTERNAL_ROLE", "COUNTER_STAFF", 12)
    s.training(at(2025, 9, 1), "INTERNAL_ROLE", "COUNTER_STAFF", 8)
    s.training(at(2025, 9, 2), "INTERNAL_ROLE", "ENFORCER", 3)
    s.training(at(2025, 4, 1), "EXTERNAL_SECTOR", "HOSPITALITY", 15)
    s.training(at(2025, 5, 1), "EXTERNAL_SECTOR", "SCHOOLS", 30)
    s.campaign(at(2025, 2, 1), "HOSPITALITY", 400)
    s.campaign(at(2025, 2, 2), "TEMP_AGENCIES", 250)
    s.campaign(at(2025, 6, 1), "GENERAL_PUBLIC", 20000)
    s.campaign(at(2025, 10, 1), "GENERAL_PUBLIC", 3000)
    return evaluate_events(s.events, 2025, 2024)


def row(evaluation: Evaluation, key: str, *labels: str) -> list[str]:
    """The exact values of one row."""
    return [exact(f) for f in evaluation.table(key).row(*labels).figures]


def test_professionals_trained_by_internal_role(evaluation: Evaluation) -> None:
    """Two counter-staff trainings reached 20 people; one enforcer training 3; none in 2024."""
    assert row(evaluation, "awareness.trained_internal", "COUNTER_STAFF") == [
        "2",
        "0",
        "2",
        "20",
        "0",
        "20",
    ]
    assert row(evaluation, "awareness.trained_internal", "ENFORCER") == [
        "1",
        "0",
        "1",
        "3",
        "0",
        "3",
    ]
    assert row(evaluation, "awareness.trained_internal", "PERMIT_OFFICER") == ["0"] * 6


def test_professionals_trained_by_external_sector_against_the_baseline(
    evaluation: Evaluation,
) -> None:
    """Cleaning was trained only in 2024 (10 people): its change is -10."""
    assert row(evaluation, "awareness.trained_external", "CLEANING") == [
        "0",
        "1",
        "-1",
        "0",
        "10",
        "-10",
    ]
    assert row(evaluation, "awareness.trained_external", "SCHOOLS")[3] == "30"


def test_training_counts_are_published_even_when_small(evaluation: Evaluation) -> None:
    """Three enforcers trained is not about a victim or a case: it is not suppressed."""
    figure = evaluation.table("awareness.trained_internal").figure(
        "professionals trained 2025", "ENFORCER"
    )
    assert published(figure, 5) == "3"


def test_campaign_reach_by_target_group(evaluation: Evaluation) -> None:
    """Two general-public campaigns reached 23,000 people."""
    assert row(evaluation, "awareness.campaign_reach", "GENERAL_PUBLIC")[:4] == [
        "2",
        "0",
        "2",
        "23000",
    ]
    assert row(evaluation, "awareness.campaign_reach", "SEX_WORK")[0] == "0"


def test_which_risk_sectors_were_reached(evaluation: Evaluation) -> None:
    """Hospitality (training and campaign) and temp agencies (campaign) were reached; cleaning only in 2024."""
    reached = {
        r.labels[0]: exact(
            evaluation.table("awareness.risk_sectors").figure("reached 2025", *r.labels)
        )
        for r in evaluation.table("awareness.risk_sectors").rows
    }
    assert reached == {
        "HOSPITALITY": "yes",
        "TEMP_AGENCIES": "yes",
        "CLEANING": "no",
        "SEX_WORK": "no",
    }
    assert row(evaluation, "awareness.risk_sectors", "HOSPITALITY")[0:4:3] == ["15", "400"]
    assert (
        exact(evaluation.table("awareness.risk_sectors").figure("reached 2024", "CLEANING"))
        == "yes"
    )
