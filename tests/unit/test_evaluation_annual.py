"""The annual evaluation as a whole: year selection, the five parts, and what it refuses."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle  # the hand-built history of the evaluation tests

from ketenhub.evaluation import (
    PARTS,
    EvaluationSettings,
    History,
    InvalidEvaluationRequest,
    evaluate,
    evaluate_events,
    exact,
    history_for,
)


def test_a_year_is_selected_by_when_events_occurred_in_utc() -> None:
    """A signal one second before 2025 (UTC) belongs to 2024, one at midnight to 2025."""
    s = Chronicle()
    s.signal("late", dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
    s.signal("early", dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    s.signal(
        "dutch-new-year", dt.datetime(2025, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    )
    table = evaluate_events(s.events, 2025, 2024).table("signalling.by_channel")
    assert [exact(f) for f in table.row("INTERNAL_ROUTE").figures] == ["1", "2", "-1"]


def test_the_tables_come_in_the_order_of_the_five_parts() -> None:
    """Awareness first, collaboration last, every table belonging to one of the five parts."""
    evaluation = evaluate_events([], 2025)
    order = [p.key for p in PARTS]
    seen = [order.index(t.part) for t in evaluation.tables]
    assert seen == sorted(seen) and set(seen) == set(range(5))


def test_the_same_events_give_the_same_tables() -> None:
    """Evaluation is a pure function of the events."""
    s = Chronicle()
    s.signal("c1", dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    assert evaluate_events(s.events, 2025, 2024) == evaluate_events(list(s.events), 2025, 2024)


def test_events_after_the_years_asked_are_not_kept() -> None:
    """The history for 2025 stops at the start of 2026."""
    history = history_for(2025, 2024)
    assert history.until == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    s = Chronicle()
    history.add(s.signal("c1", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert history.cases == {}


def test_a_baseline_equal_to_the_year_is_refused() -> None:
    """Comparing 2025 with 2025 is a mistake the analyst should hear about."""
    with pytest.raises(InvalidEvaluationRequest, match="must differ"):
        evaluate_events([], 2025, 2025)


def test_a_history_that_stops_too_early_is_refused() -> None:
    """A history kept until 2025 cannot evaluate 2025."""
    with pytest.raises(InvalidEvaluationRequest, match="stops at"):
        evaluate(History(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)), 2025)


def test_settings_refuse_a_threshold_below_one() -> None:
    """A suppression threshold of 0 would publish everything and is refused."""
    with pytest.raises(ValueError, match="at least 1"):
        EvaluationSettings(min_count=0)


def test_the_wait_threshold_changes_the_bottleneck_columns() -> None:
    """With a 3-day threshold the bottleneck table names 3 days in its title and column words."""
    evaluation = evaluate_events([], 2025, settings=EvaluationSettings(wait_days=3))
    table = evaluation.table("victims.bottlenecks")
    assert table.measures[1] == "care started late" and ("days", "3") in table.params
    assert "longer than 3 days" in table.title
