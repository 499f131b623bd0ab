"""Tables of the evaluation: figures with the event ids behind them, baselines, and suppression.

A ``Figure`` is one number (or a yes/no) with the counts it rests on and the ids of the
events it was computed from. Publication suppresses a figure, as statistics offices do,
when it is *sensitive* (about people or cases) and any count it rests on is below the
threshold but not zero: a count shows as ``<5``, a median, percentile or share resting
on too few observations as ``n<5``. The internal drill-down keeps every value. Days and
percentages are rounded to one decimal, halves away from zero (2.25 -> 2.3).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_MIN_COUNT = 5
ALL = "all"
"""The label of a row that totals the other rows of its table."""


class Unit(enum.StrEnum):
    """What a figure's value measures."""

    COUNT = "count"
    DAYS = "days"
    PERCENT = "percent"
    TEXT = "text"


@dataclass(frozen=True)
class Figure:
    """One value of a table, the counts it rests on, and the events behind it."""

    value: int | float | str | None
    unit: Unit
    basis: tuple[int, ...]
    event_ids: tuple[str, ...] = ()
    sensitive: bool = True

    def suppressed(self, min_count: int) -> bool:
        """Whether publication must hide this figure (a small, non-zero count behind it)."""
        return self.sensitive and any(0 < n < min_count for n in self.basis)


def ids(values: Iterable[str]) -> tuple[str, ...]:
    """Return event ids without duplicates, sorted (a canonical order for the drill-down)."""
    return tuple(sorted(set(values)))


def count(event_ids: Iterable[str], *, sensitive: bool = True) -> Figure:
    """A count of distinct things, one event id each."""
    found = ids(event_ids)
    return Figure(len(found), Unit.COUNT, (len(found),), found, sensitive)


def total(value: int, event_ids: Iterable[str], *, sensitive: bool = True) -> Figure:
    """A sum (people trained, reach) over the events behind it."""
    return Figure(value, Unit.COUNT, (value,), ids(event_ids), sensitive)


def statistic(value: float | None, observations: int, event_ids: Iterable[str]) -> Figure:
    """A median or percentile in days over ``observations`` measured durations."""
    return Figure(value, Unit.DAYS, (observations,), ids(event_ids))


def share(part: int, whole: int, event_ids: Iterable[str]) -> Figure:
    """The percentage ``part`` of ``whole`` (None when ``whole`` is 0)."""
    value = None if whole == 0 else 100.0 * part / whole
    return Figure(value, Unit.PERCENT, (part, whole), ids(event_ids))


def text(value: str, event_ids: Iterable[str] = ()) -> Figure:
    """A word (``yes``/``no``); never suppressed."""
    return Figure(value, Unit.TEXT, (), ids(event_ids), sensitive=False)


def summed(figures: Iterable[Figure]) -> Figure:
    """The sum of counts: the events behind all of them, sensitive when any of them is."""
    found = list(figures)
    value = sum(int(f.value) for f in found if isinstance(f.value, int | float))
    behind = ids(i for f in found for i in f.event_ids)
    return Figure(value, Unit.COUNT, (value,), behind, any(f.sensitive for f in found))


def change(current: Figure, baseline: Figure) -> Figure:
    """The difference ``current - baseline``; it rests on the counts of both."""
    if isinstance(current.value, str) or isinstance(baseline.value, str):
        return text("")
    difference = (
        None if current.value is None or baseline.value is None else current.value - baseline.value
    )
    return Figure(
        difference,
        current.unit,
        current.basis + baseline.basis,
        (),
        current.sensitive or baseline.sensitive,
    )


@dataclass(frozen=True)
class Row:
    """One row: its labels (one per dimension) and one figure per measure."""

    labels: tuple[str, ...]
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Table:
    """A table of one part of the evaluation."""

    key: str
    part: str
    title: str
    dims: tuple[str, ...]
    measures: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""
    chart: str = ""
    baseline_of: tuple[int, ...] = field(default=())
    params: tuple[tuple[str, str], ...] = ()
    """Values the table's words name (e.g. ``days``), for its title and measure names."""

    def column(self, measure: str) -> list[Figure]:
        """The figures of one measure, row by row."""
        index = self.measures.index(measure)
        return [row.figures[index] for row in self.rows]

    def row(self, *labels: str) -> Row:
        """The row with these labels (KeyError if absent)."""
        for row in self.rows:
            if row.labels == labels:
                return row
        raise KeyError(labels)

    def figure(self, measure: str, *labels: str) -> Figure:
        """One figure, by measure and row labels."""
        return self.row(*labels).figures[self.measures.index(measure)]


def table(
    key: str,
    title: str,
    dims: Sequence[str],
    measures: Sequence[str],
    rows: Iterable[tuple[Sequence[str], Sequence[Figure]]],
    *,
    note: str = "",
    chart: str = "",
    params: Sequence[tuple[str, str]] = (),
) -> Table:
    """Build a table; its part is the prefix of ``key`` before the first dot."""
    built = tuple(Row(tuple(labels), tuple(figures)) for labels, figures in rows)
    for row in built:
        if len(row.labels) != len(dims) or len(row.figures) != len(measures):
            msg = f"row {row.labels} of table {key} does not match its dims and measures"
            raise ValueError(msg)
    part = key.split(".")[0]
    return Table(
        key, part, title, tuple(dims), tuple(measures), built, note, chart, (), tuple(params)
    )


def with_baseline(current: Table, baseline: Table, year: int, base_year: int) -> Table:
    """Put the baseline year's figures and the change beside each measure of ``current``.

    Rows are matched by their labels; a row present in one year only counts zero (and has
    no statistics) in the other. Column names name the years, e.g. ``signals 2025``.
    """
    theirs = {row.labels: row.figures for row in baseline.rows}
    ours = {row.labels: row.figures for row in current.rows}
    order = [row.labels for row in current.rows]
    order += [labels for labels in theirs if labels not in ours]
    rows = []
    for labels in order:
        now = ours.get(labels) or tuple(map(_absent, theirs[labels]))
        then = theirs.get(labels) or tuple(map(_absent, now))
        figures: list[Figure] = []
        for a, b in zip(now, then, strict=True):
            figures += [a, b, change(a, b)]
        rows.append(Row(labels, tuple(figures)))
    measures: list[str] = []
    for name in current.measures:
        measures += [f"{name} {year}", f"{name} {base_year}", f"{name} change"]
    return replace(
        current, measures=tuple(measures), rows=tuple(rows), baseline_of=(year, base_year)
    )


def _absent(other: Figure) -> Figure:
    """The figure of a row missing in one year: zero for counts, no value otherwise."""
    if other.unit is Unit.COUNT:
        return Figure(0, Unit.COUNT, (0,), (), other.sensitive)
    return Figure(None, other.unit, (), (), other.sensitive)


def published(figure: Figure, min_count: int) -> str:
    """The text of a figure in the published tables: suppressed, rounded, or empty for no data."""
    if figure.suppressed(min_count):
        return f"<{min_count}" if figure.unit is Unit.COUNT else f"n<{min_count}"
    return exact(figure)


def exact(figure: Figure) -> str:
    """The text of a figure without suppression (the drill-down's value)."""
    value = figure.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if figure.unit is Unit.COUNT:
        return str(int(value))
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return "0.0" if rounded == 0 else str(rounded)
