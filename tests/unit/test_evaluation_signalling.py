"""Part 2, signalling structure, on a hand-built history whose every figure is known."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub.evaluation import Evaluation, evaluate_events, exact, published


@pytest.fixture(scope="module")
def story() -> Chronicle:
    """Five cases signalled in 2025, two in the baseline 2024, and one crossing the new year."""
    s = Chronicle()
    s.signal("c7", at(2024, 3, 1))
    s.intake("c7", at(2024, 3, 2))
    s.close("c7", at(2024, 3, 3), "NOT_TRAFFICKING")
    s.signal("c6", at(2024, 11, 1))
    s.intake("c6", at(2024, 11, 4))
    s.severity("c6", at(2025, 1, 4))  # 61 days after its intake
    s.signal("c1", at(2025, 1, 10))
    s.intake("c1", at(2025, 1, 12))
    s.research("c6", at(2025, 1, 14))
    s.severity("c1", at(2025, 1, 15))
    s.research("c1", at(2025, 1, 25))
    plan = s.plan("c1", at(2025, 2, 1), (("a1", "police", dt.date(2025, 2, 20)),), police=True)
    s.signal("c2", at(2025, 2, 1, 10), "WEBSITE", ("SEXUAL", "CRIMINAL"))
    s.intake("c2", at(2025, 2, 2, 10))
    s.ack("c1", plan, at(2025, 2, 4), "police")
    s.severity("c2", at(2025, 2, 6, 10), "STORE_FOR_FUTURE_USE")
    s.close("c2", at(2025, 2, 7), "STORED_FOR_FUTURE_USE")
    s.action("c1", "a1", at(2025, 2, 10), "police")
    s.close("c1", at(2025, 2, 15), "ACTIONS_COMPLETED")
    s.signal("c3", at(2025, 3, 1), "ANONYMOUS_TIP")
    forward = s.intake("c3", at(2025, 3, 5), "FORWARD", "police")
    s.close("c3", at(2025, 3, 6), "FORWARDED")
    s.ack("c3", forward, at(2025, 3, 6, 21), "police")
    s.signal("c5", at(2025, 6, 1))
    s.intake("c5", at(2025, 6, 3))
    sent = s.forward("c5", at(2025, 6, 3, 12), "nla")
    s.severity("c5", at(2025, 6, 4), "CLOSE")
    s.close("c5", at(2025, 6, 4, 10), "NOT_SEVERE")
    s.ack("c5", sent, at(2025, 6, 5, 12), "nla")
    s.signal("c4", at(2025, 12, 20), "POLICE")
    s.intake("c4", at(2025, 12, 30))
    s.severity("c4", at(2026, 1, 5))  # after the year: not part of 2025
    return s


@pytest.fixture(scope="module")
def evaluation(story: Chronicle) -> Evaluation:
    """The evaluation of 2025 against 2024."""
    return evaluate_events(story.events, 2025, 2024)


def values(evaluation: Evaluation, key: str, measure: str) -> dict[str, str]:
    """The exact values of one column, by row label."""
    table = evaluation.table(key)
    return {
        " / ".join(r.labels): exact(f)
        for r, f in zip(table.rows, table.column(measure), strict=True)
    }


def test_signals_by_channel_with_the_baseline_and_the_change(evaluation: Evaluation) -> None:
    """2025 has two internal signals, one website, one anonymous tip and one police signal."""
    assert values(evaluation, "signalling.by_channel", "signals 2025") == {
        "INTERNAL_ROUTE": "2", "EXTERNAL_ROUTE": "0", "WEBSITE": "1",
        "ANONYMOUS_TIP": "1", "POLICE": "1", "PARTNER": "0",
    }  # fmt: skip
    assert values(evaluation, "signalling.by_channel", "signals 2024")["INTERNAL_ROUTE"] == "2"
    assert values(evaluation, "signalling.by_channel", "signals change")["WEBSITE"] == "1"


def test_a_signal_naming_two_forms_counts_under_both(evaluation: Evaluation) -> None:
    """c2 names sexual and criminal exploitation; four signals name labour."""
    found = values(evaluation, "signalling.by_form", "signals 2025")
    assert (found["LABOUR"], found["SEXUAL"], found["CRIMINAL"], found["SURROGACY"]) == (
        "4",
        "1",
        "1",
        "0",
    )


def test_signals_from_outside_organisations_by_their_kind() -> None:
    """A labour rights organisation, a school, and an external signal recorded without its kind."""
    s = Chronicle()
    s.signal("e1", at(2025, 5, 1), "EXTERNAL_ROUTE", source="LABOUR_RIGHTS_ORGANISATION")
    s.signal("e2", at(2025, 5, 2), "EXTERNAL_ROUTE", source="SCHOOL")
    s.signal("e3", at(2025, 5, 3), "EXTERNAL_ROUTE")
    s.signal("i1", at(2025, 5, 4))
    s.signal("b1", at(2024, 5, 4), "EXTERNAL_ROUTE", source="SCHOOL")
    found = evaluate_events(s.events, 2025, 2024)
    kinds = values(found, "signalling.by_source_organisation", "signals 2025")
    assert {k: v for k, v in kinds.items() if v != "0"} == {
        "LABOUR_RIGHTS_ORGANISATION": "1",
        "SCHOOL": "1",
        "NOT_RECORDED": "1",
    }
    assert values(found, "signalling.by_source_organisation", "signals 2024")["SCHOOL"] == "1"


def test_signals_by_month(evaluation: Evaluation) -> None:
    """One signal in each of January, February, March, June and December."""
    found = values(evaluation, "signalling.by_month", "signals 2025")
    assert [month for month, n in found.items() if n != "0"] == ["01", "02", "03", "06", "12"]


def test_the_funnel_counts_reached_closed_stored_and_open_per_phase(evaluation: Evaluation) -> None:
    """The 2025 cohort of five, followed to the year's end (c4's 2026 severity is not seen)."""
    columns = (
        "reached 2025",
        "closed here 2025",
        "forwarded at intake 2025",
        "still open here 2025",
    )
    funnel = {m: values(evaluation, "signalling.funnel", m) for m in columns}
    assert funnel["reached 2025"] == {
        "RECEIVED": "5", "INTAKE": "5", "SEVERITY": "3", "SOURCE_RESEARCH": "1", "ACTION_PLAN": "1", "ACTION": "1",
    }  # fmt: skip
    assert funnel["closed here 2025"] == {
        "RECEIVED": "0", "INTAKE": "0", "SEVERITY": "2", "SOURCE_RESEARCH": "0", "ACTION_PLAN": "0", "ACTION": "1",
    }  # fmt: skip
    assert funnel["forwarded at intake 2025"] == {
        "RECEIVED": "0", "INTAKE": "1", "SEVERITY": "0", "SOURCE_RESEARCH": "0", "ACTION_PLAN": "0", "ACTION": "0",
    }  # fmt: skip
    stored = values(evaluation, "signalling.stored", "stored for future use 2025")
    assert {phase: n for phase, n in stored.items() if n != "0"} == {"SEVERITY": "1"}
    assert funnel["still open here 2025"] == {
        "RECEIVED": "0", "INTAKE": "1", "SEVERITY": "0", "SOURCE_RESEARCH": "0", "ACTION_PLAN": "0", "ACTION": "0",
    }  # fmt: skip
    assert values(evaluation, "signalling.funnel", "reached 2024")["INTAKE"] == "2"


def test_a_signal_forwarded_at_intake_is_neither_open_nor_closed() -> None:
    """Forwarded at intake, closed or not, is its own outcome; each case stops in one column only."""
    s = Chronicle()
    s.signal("f1", at(2025, 4, 1), "ANONYMOUS_TIP")
    s.intake("f1", at(2025, 4, 2), "FORWARD", "police")  # handed over, never closed
    s.signal("f2", at(2025, 4, 3))
    s.intake("f2", at(2025, 4, 4), "FORWARD", "police")
    s.close("f2", at(2025, 4, 5), "FORWARDED")
    s.signal("o1", at(2025, 4, 6))
    s.intake("o1", at(2025, 4, 7))
    s.signal("x1", at(2025, 4, 8))
    s.intake("x1", at(2025, 4, 9), "CLOSE")
    s.close("x1", at(2025, 4, 10), "NOT_TRAFFICKING")
    found = evaluate_events(s.events, 2025, 2024)
    stops = ("closed here 2025", "forwarded at intake 2025", "still open here 2025")
    intake = [values(found, "signalling.funnel", column)["INTAKE"] for column in stops]
    assert intake == ["1", "2", "1"]
    table = found.table("signalling.funnel")
    stopped = sum(int(f.value or 0) for c in stops for f in table.column(c))
    assert stopped == 4  # four cases, each in exactly one of the three columns


def test_lead_times_per_phase_are_exact(evaluation: Evaluation) -> None:
    """Intake waits 1, 2, 2, 4, 10 days; severity 1, 3, 4 and 61 days (c6 crosses the year)."""
    median = values(evaluation, "signalling.lead_times", "median days 2025")
    p90 = values(evaluation, "signalling.lead_times", "p90 days 2025")
    cases = values(evaluation, "signalling.lead_times", "cases 2025")
    assert (cases["INTAKE"], median["INTAKE"], p90["INTAKE"]) == ("5", "2.0", "7.6")
    assert (cases["SEVERITY"], median["SEVERITY"], p90["SEVERITY"]) == ("4", "3.5", "43.9")
    assert (median["SOURCE_RESEARCH"], median["ACTION_PLAN"], median["ACTION"]) == (
        "10.0",
        "7.0",
        "9.0",
    )
    assert values(evaluation, "signalling.lead_times", "p90 days 2024")["INTAKE"] == "2.8"


def test_lead_times_on_few_cases_are_suppressed_when_published(evaluation: Evaluation) -> None:
    """Five intake lead times are published; four severity lead times are not."""
    table = evaluation.table("signalling.lead_times")
    assert published(table.figure("median days 2025", "INTAKE"), 5) == "2.0"
    assert published(table.figure("median days 2025", "SEVERITY"), 5) == "n<5"
    assert published(table.figure("median days change", "INTAKE"), 5) == "n<5"


def test_the_share_of_signals_that_led_to_an_action(evaluation: Evaluation) -> None:
    """One of the five 2025 signals (c1) led to a completed action: 20%."""
    table = evaluation.table("signalling.led_to_action")
    figures = [
        exact(table.figure(m, "all"))
        for m in ("received 2025", "led to an action 2025", "share % 2025")
    ]
    assert figures == ["5", "1", "20.0"]


def test_forwards_by_route_and_days_to_the_first_acknowledgement(evaluation: Evaluation) -> None:
    """Each route forwarded once in 2025 and was picked up after 2, 1.5 and 3 days."""
    picked = values(evaluation, "signalling.forwards", "picked up 2025")
    median = values(evaluation, "signalling.forwards", "median days 2025")
    assert picked == {"SIGNAL_FORWARDED": "1", "INTAKE_FORWARD": "1", "ACTION_PLAN": "1"}
    assert median == {"SIGNAL_FORWARDED": "2.0", "INTAKE_FORWARD": "1.5", "ACTION_PLAN": "3.0"}


def test_every_figure_names_the_events_behind_it(story: Chronicle, evaluation: Evaluation) -> None:
    """The website row lists c2's signal; the INTAKE lead time lists both events of each pair."""
    by_id = {str(e.event_id): e for e in story.events}
    website = evaluation.table("signalling.by_channel").figure("signals 2025", "WEBSITE")
    assert [by_id[i].case_ref for i in website.event_ids] == ["c2"]
    lead = evaluation.table("signalling.lead_times").figure("median days 2025", "INTAKE")
    kinds = sorted(type(by_id[i]).__name__ for i in lead.event_ids)
    assert kinds == ["IntakeAssessed"] * 5 + ["SignalReceived"] * 5
