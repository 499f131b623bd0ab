"""Part 4, victim support, on a hand-built history whose every figure is known."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub.contract import models as m
from ketenhub.evaluation import Evaluation, evaluate_events, exact


@pytest.fixture(scope="module")
def story() -> Chronicle:
    """Three victims, five referrals; v1 is identified again after her care ended."""
    s = Chronicle()
    s.victim("v3", at(2024, 5, 1), age="FROM_18_TO_23")
    s.referral("r3", "v3", at(2024, 5, 2))
    s.step(m.ReferralAccepted, "r3", at(2024, 5, 3))
    s.step(m.CareStarted, "r3", at(2024, 5, 10))
    s.victim("v1", at(2025, 2, 1))
    s.referral("r1", "v1", at(2025, 2, 2))
    s.step(m.ReferralAccepted, "r1", at(2025, 2, 3))
    s.step(m.CareStarted, "r1", at(2025, 2, 12))
    s.victim("v2", at(2025, 3, 1), age="FROM_24_TO_44", gender="MALE", form="LABOUR")
    s.referral("r2", "v2", at(2025, 3, 2), "kessler-perspektief", "SHELTER_MEN")
    s.step(m.ReferralDeclined, "r2", at(2025, 3, 4), "kessler-perspektief", reason="NO_CAPACITY")
    s.referral("r4", "v2", at(2025, 3, 5), "leger-des-heils", "SPECIALISED_GUIDANCE")
    s.step(m.ReferralAccepted, "r4", at(2025, 3, 6), "leger-des-heils")
    s.victim("v3", at(2025, 4, 1), age="FROM_18_TO_23", form="CRIMINAL")
    s.step(m.CareStarted, "r4", at(2025, 4, 4), "leger-des-heils")
    s.step(m.CareEnded, "r3", at(2025, 5, 1), outcome="COMPLETED")
    s.step(m.CareEnded, "r1", at(2025, 6, 1), outcome="COMPLETED")
    s.victim("v1", at(2025, 8, 1), age="FROM_18_TO_23")
    s.referral("r5", "v1", at(2025, 12, 1), "vluchtelingenwerk", "BUDDY")
    s.step(m.ReferralAccepted, "r5", at(2025, 12, 2), "vluchtelingenwerk")
    return s


@pytest.fixture(scope="module")
def evaluation(story: Chronicle) -> Evaluation:
    """The evaluation of 2025 against 2024."""
    return evaluate_events(story.events, 2025, 2024)


def column(evaluation: Evaluation, key: str, measure: str) -> dict[str, str]:
    """The exact values of one column, by row label, leaving out zeros and empties."""
    table = evaluation.table(key)
    found = {r.labels[0]: exact(f) for r, f in zip(table.rows, table.column(measure), strict=True)}
    return {k: v for k, v in found.items() if v not in ("0", "")}


def test_victims_identified_are_distinct_people_as_first_registered_that_year(
    evaluation: Evaluation,
) -> None:
    """v1 (identified twice) counts once, under her first 2025 registration (under 18)."""
    assert column(evaluation, "victims.identified_by_age_group", "victims 2025") == {
        "UNDER_18": "1",
        "FROM_18_TO_23": "1",
        "FROM_24_TO_44": "1",
    }
    assert column(evaluation, "victims.identified_by_gender", "victims 2025") == {
        "FEMALE": "2",
        "MALE": "1",
    }
    assert column(evaluation, "victims.identified_by_exploitation_form", "victims 2025") == {
        "SEXUAL": "1",
        "LABOUR": "1",
        "CRIMINAL": "1",
    }
    assert column(evaluation, "victims.identified_by_gender", "victims 2024") == {"FEMALE": "1"}


def test_a_victim_counts_under_every_form_of_the_year_once() -> None:
    """Sexual and criminal in one registration, and a second case's registration adding criminal: all counted."""
    s = Chronicle()
    both = s.victim("w1", at(2025, 3, 1), other=("CRIMINAL",))
    first = s.victim("w2", at(2025, 4, 1), form="LABOUR", case="case-a")
    second = s.victim("w2", at(2025, 9, 1), form="CRIMINAL", case="case-b")
    found = evaluate_events(s.events, 2025, 2024)
    assert column(found, "victims.identified_by_exploitation_form", "victims 2025") == {
        "SEXUAL": "1",
        "CRIMINAL": "2",
        "LABOUR": "1",
    }
    assert column(found, "victims.identified_by_age_group", "victims 2025") == {"UNDER_18": "2"}
    criminal = found.table("victims.identified_by_exploitation_form").figure(
        "victims 2025", "CRIMINAL"
    )
    assert set(criminal.event_ids) == {str(both.event_id), str(second.event_id)}
    labour = found.table("victims.identified_by_exploitation_form").figure("victims 2025", "LABOUR")
    assert labour.event_ids == (str(first.event_id),)


def test_referral_steps_by_provider(evaluation: Evaluation) -> None:
    """Each step counts in the year it occurred; shop's 2024 referral is in the baseline."""
    table = evaluation.table("victims.referrals_by_provider")
    steps = {r.labels[0]: [exact(f) for f in r.figures[0::3]] for r in table.rows}
    assert steps == {
        "kessler-perspektief": ["1", "0", "1", "0"],
        "leger-des-heils": ["1", "1", "0", "1"],
        "shop": ["1", "1", "0", "1"],
        "vluchtelingenwerk": ["1", "1", "0", "0"],
    }
    baseline = {r.labels[0]: [exact(f) for f in r.figures[1::3]] for r in table.rows}
    assert baseline["shop"] == ["1", "1", "0", "1"]


def test_referrals_by_care_type(evaluation: Evaluation) -> None:
    """The buddy referral was made and accepted but care has not started."""
    table = evaluation.table("victims.referrals_by_care_type")
    assert [exact(f) for f in table.row("BUDDY").figures[0::3]] == ["1", "1", "0", "0"]


def test_declines_with_their_reasons(evaluation: Evaluation) -> None:
    """One referral was declined for lack of capacity."""
    assert column(evaluation, "victims.declines", "declined 2025") == {"NO_CAPACITY": "1"}


def test_time_from_referral_to_the_start_of_care(evaluation: Evaluation) -> None:
    """Care started after 10 (shop) and 30 (Leger des Heils) days: median 20, p90 28."""
    table = evaluation.table("victims.time_to_care")
    stats = {r.labels[0]: [exact(f) for f in r.figures[0::3]] for r in table.rows}
    assert stats["all"] == ["2", "20.0", "28.0"]
    assert stats["shop"] == ["1", "10.0", "10.0"]
    assert stats["kessler-perspektief"] == ["0", "", ""]
    assert [exact(f) for f in table.row("all").figures[1::3]] == ["1", "8.0", "8.0"]  # 2024


def test_bottlenecks_are_declines_and_waits_over_the_threshold(evaluation: Evaluation) -> None:
    """A decline, a 30-day wait, and the buddy referral still waiting (30.6 days) at year end."""
    table = evaluation.table("victims.bottlenecks")
    assert [exact(f) for f in table.row("all").figures[0::3]] == ["1", "1", "1"]
    assert [exact(f) for f in table.row("vluchtelingenwerk").figures[0::3]] == ["0", "0", "1"]
    assert [exact(f) for f in table.row("shop").figures[0::3]] == ["0", "0", "0"]


def test_people_identified_again_after_their_care_ended(
    story: Chronicle, evaluation: Evaluation
) -> None:
    """v1 is identified again after her care ended; v3's care ended only after her new registration."""
    figure = evaluation.table("victims.revictimisation").figure("identified again 2025", "all")
    by_id = {str(e.event_id): e for e in story.events}
    assert figure.value == 1
    assert sorted(type(by_id[i]).__name__ for i in figure.event_ids) == [
        "CareEnded",
        "VictimIdentified",
    ]
