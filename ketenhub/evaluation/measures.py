"""Measures the parts share: durations between two events, and standalone facts in a period."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ketenhub.evaluation.history import Fact, History
from ketenhub.evaluation.period import Period, Stamp
from ketenhub.evaluation.statistics import days_between, median, percentile
from ketenhub.evaluation.tables import Figure, count, statistic

DURATION_MEASURES = ("cases", "median days", "p90 days")


def durations(pairs: Sequence[tuple[Stamp, Stamp]]) -> tuple[Figure, ...]:
    """The number of (start, end) pairs, and the median and 90th percentile of their days."""
    days = [days_between(start.at, end.at) for start, end in pairs]
    behind = [s.event_id for pair in pairs for s in pair]
    return (
        count(end.event_id for _, end in pairs),
        statistic(median(days), len(days), behind),
        statistic(percentile(days, 0.9), len(days), behind),
    )


def facts_in(history: History, kind: str, period: Period) -> list[Fact]:
    """The standalone facts of ``kind`` that occurred in ``period``."""
    return [fact for fact in history.of(kind) if period.holds(fact.stamp)]


def event_ids(facts: Iterable[Fact]) -> list[str]:
    """The event ids of facts."""
    return [fact.stamp.event_id for fact in facts]


def labelled(facts: Iterable[Fact], index: int, value: str) -> list[Fact]:
    """The facts whose label at ``index`` is ``value``."""
    return [fact for fact in facts if len(fact.labels) > index and fact.labels[index] == value]


def with_extra(fixed: Sequence[str], seen: Iterable[str]) -> list[str]:
    """The fixed row labels, then any other label seen, sorted."""
    extra = sorted(set(seen) - set(fixed))
    return [*fixed, *extra]
