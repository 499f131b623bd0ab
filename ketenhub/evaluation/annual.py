"""The annual evaluation: the five parts for a year, each beside its baseline year (nulmeting).

Also the trend over several years: the indicators of each year, beside the baseline and the
year before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ketenhub.contract.base import Event
from ketenhub.errors import KetenhubError
from ketenhub.evaluation import awareness, collaboration, enforcement, signalling, victim_support
from ketenhub.evaluation.history import Finding, History
from ketenhub.evaluation.indicators import Indicator, indicators
from ketenhub.evaluation.period import Period
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.tables import Table, with_baseline

PartTables = Callable[[History, Period, EvaluationSettings], list[Table]]


@dataclass(frozen=True)
class Part:
    """One of the five parts: its key, its title and how its tables are computed."""

    key: str
    title: str
    tables: PartTables


PARTS = (
    Part("awareness", "1. Awareness & training", awareness.tables),
    Part("signalling", "2. Signalling structure", signalling.tables),
    Part("enforcement", "3. Enforcement & barriers", enforcement.tables),
    Part("victims", "4. Victim support", victim_support.tables),
    Part("collaboration", "5. Collaboration", collaboration.tables),
)

FINDING_PARTS = {
    "AWARENESS": "awareness",
    "SIGNALLING": "signalling",
    "ENFORCEMENT": "enforcement",
    "VICTIM_SUPPORT": "victims",
    "COLLABORATION": "collaboration",
}
"""The part key of each part a finding can name (EvaluationPart)."""

MIN_YEAR, MAX_YEAR = 1970, 9998


class InvalidEvaluationRequest(KetenhubError):
    """The years asked for cannot be evaluated."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"cannot evaluate: {detail}")


@dataclass(frozen=True)
class Evaluation:
    """The tables of one year's evaluation, in part order."""

    year: int
    baseline: int | None
    settings: EvaluationSettings
    tables: tuple[Table, ...]
    indicators: tuple[Indicator, ...] = ()
    """Each indicator's figure for the year, then (with a baseline) for the baseline year."""
    findings: tuple[Finding, ...] = ()
    """The qualitative findings recorded in the year, in the order of their dates."""

    def findings_of(self, part: str) -> list[Finding]:
        """The findings of one part (by its key, e.g. ``victims``)."""
        return [f for f in self.findings if FINDING_PARTS.get(f.part) == part]

    def table(self, key: str) -> Table:
        """The table with ``key`` (KeyError if absent)."""
        for found in self.tables:
            if found.key == key:
                return found
        raise KeyError(key)


def check_years(year: int, baseline: int | None) -> None:
    """Refuse years outside the calendar the log can hold, and a baseline equal to the year."""
    for name, value in (("year", year), ("baseline", baseline)):
        if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
            msg = f"{name} {value} must lie between {MIN_YEAR} and {MAX_YEAR}"
            raise InvalidEvaluationRequest(msg)
    if baseline == year:
        msg = f"the baseline year must differ from the year ({year})"
        raise InvalidEvaluationRequest(msg)


def history_for(year: int, baseline: int | None = None) -> History:
    """An empty history that keeps what evaluating ``year`` (and ``baseline``) needs."""
    check_years(year, baseline)
    return History(Period.year(max(year, baseline or year)).end)


def history_for_years(years: Sequence[int]) -> History:
    """An empty history that keeps what evaluating every year of ``years`` needs."""
    for year in years:
        check_years(year, None)
    return History(Period.year(max(years)).end)


def evaluate(
    history: History,
    year: int,
    baseline: int | None = None,
    settings: EvaluationSettings | None = None,
) -> Evaluation:
    """Compute the five parts for ``year`` from ``history``, beside ``baseline`` when given."""
    check_years(year, baseline)
    settings = settings or EvaluationSettings()
    needed = Period.year(max(year, baseline or year)).end
    if history.until < needed:
        msg = f"the history stops at {history.until.isoformat()}, before the end of the years asked"
        raise InvalidEvaluationRequest(msg)
    current = year_tables(history, year, settings)
    found = _findings(history, year)
    if baseline is None:
        return Evaluation(year, None, settings, current, indicators([current]), found)
    base = year_tables(history, baseline, settings)
    merged = [with_baseline(c, b, year, baseline) for c, b in zip(current, base, strict=True)]
    return Evaluation(year, baseline, settings, tuple(merged), indicators([current, base]), found)


def _findings(history: History, year: int) -> tuple[Finding, ...]:
    """The findings recorded in ``year``, by date of their source, then in log order."""
    mine = [f for f in history.findings if Period.year(year).holds(f.stamp)]
    return tuple(sorted(mine, key=lambda f: f.held_on))


def year_tables(history: History, year: int, settings: EvaluationSettings) -> tuple[Table, ...]:
    """The tables of the five parts for one year, in part order."""
    return tuple(t for part in PARTS for t in part.tables(history, Period.year(year), settings))


@dataclass(frozen=True)
class Trend:
    """Several years side by side: each year's tables and every indicator's figure per year."""

    years: tuple[int, ...]
    baseline: int
    settings: EvaluationSettings
    tables: tuple[tuple[Table, ...], ...]
    indicators: tuple[Indicator, ...]


def evaluate_years(
    history: History,
    years: Sequence[int],
    baseline: int,
    settings: EvaluationSettings | None = None,
) -> Trend:
    """The trend over ``years`` (ascending, the baseline among them or before them)."""
    ordered = tuple(sorted(set(years) | {baseline}))
    if len(ordered) < 2:
        msg = "a trend needs at least two years (the baseline and a later one)"
        raise InvalidEvaluationRequest(msg)
    if baseline != ordered[0]:
        msg = f"the baseline {baseline} must be the first year of the trend ({ordered[0]})"
        raise InvalidEvaluationRequest(msg)
    for year in ordered:
        check_years(year, None)
    settings = settings or EvaluationSettings()
    if history.until < Period.year(ordered[-1]).end:
        msg = f"the history stops at {history.until.isoformat()}, before the end of the years asked"
        raise InvalidEvaluationRequest(msg)
    per_year = tuple(year_tables(history, year, settings) for year in ordered)
    return Trend(ordered, baseline, settings, per_year, indicators(per_year))


def evaluate_events(
    events: Iterable[Event],
    year: int,
    baseline: int | None = None,
    settings: EvaluationSettings | None = None,
) -> Evaluation:
    """Fold sealed events (in log order) into a history and evaluate it."""
    history = history_for(year, baseline)
    for event in events:
        history.add(event)
    return evaluate(history, year, baseline, settings)
