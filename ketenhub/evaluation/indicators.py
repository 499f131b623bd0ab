"""Indicators: the key figures of each part, and the answers to the plan's two questions.

An indicator is read from one year's tables: a total over a column, or one cell. The report
shows each indicator for the year beside the baseline (the first page, efficiency and
effectiveness) or over several years (the trend report). An indicator read from one cell
names that cell (``Indicator.cell``), so it is hidden wherever the cell is hidden in its table:
publishing it elsewhere must not undo the table's suppression. A total is published as such.

The plan asks two questions (*doelmatigheid* and *effectiviteit*): how fast and reliably the
chain works — lead times per phase, pickup times per partner, actions done by their due date
— and what the approach achieves: signals that led to an action or a measure, and victims
helped by type of help.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ketenhub.evaluation.tables import ALL, Figure, Table, Unit, summed, text

YearTables = Mapping[str, Table]
CellRef = tuple[str, tuple[str, ...], str]  # (table key, row labels, measure)
Reading = list[tuple[str, Figure, CellRef | None]]  # (code, figure, the cell it is, if one)
EFFICIENCY, EFFECTIVENESS = "efficiency", "effectiveness"
SECTIONS = (EFFICIENCY, EFFECTIVENESS)


@dataclass(frozen=True)
class Indicator:
    """One indicator row: its section and key, the code it is about, one figure per year."""

    section: str
    key: str
    code_list: str
    code: str
    figures: tuple[Figure, ...]
    cell: CellRef | None = None


@dataclass(frozen=True)
class Spec:
    """How to read one indicator (or one row per code) from a year's tables."""

    section: str
    key: str
    read: Callable[[YearTables], Reading]
    code_list: str = ""


def _total(*columns: tuple[str, str]) -> Callable[[YearTables], Reading]:
    """The sum of whole columns (table key, measure), leaving out total rows."""

    def read(tables: YearTables) -> Reading:
        figures = [
            figure
            for key, measure in columns
            for row, figure in zip(tables[key].rows, tables[key].column(measure), strict=True)
            if ALL not in row.labels
        ]
        return [("", summed(figures), None)]

    return read


def _cell(
    key: str, measure: str, labels: tuple[str, ...] = (ALL,)
) -> Callable[[YearTables], Reading]:
    """One cell of a table."""

    def read(tables: YearTables) -> Reading:
        return [("", tables[key].figure(measure, *labels), (key, labels, measure))]

    return read


def _rows(key: str, measure: str, *, with_all: bool = False) -> Callable[[YearTables], Reading]:
    """One reading per row of a table (its first label is the code)."""

    def read(tables: YearTables) -> Reading:
        table = tables[key]
        return [
            (row.labels[0], figure, (key, row.labels, measure))
            for row, figure in zip(table.rows, table.column(measure), strict=True)
            if with_all or ALL not in row.labels
        ]

    return read


def _yes_count(key: str, measure: str) -> Callable[[YearTables], Reading]:
    """How many rows say yes (not about people: never suppressed)."""

    def read(tables: YearTables) -> Reading:
        yes = [f for f in tables[key].column(measure) if f.value == "yes"]
        behind = [i for f in yes for i in f.event_ids]
        figure = Figure(len(yes), Unit.COUNT, (len(yes),), tuple(sorted(set(behind))), False)
        return [("", figure, None)]

    return read


TRAINED = ("awareness.trained_internal", "awareness.trained_external")
SPECS = (
    Spec(
        "awareness",
        "professionals_trained",
        _total(*((t, "professionals trained") for t in TRAINED)),
    ),
    Spec("awareness", "trainings", _total(*((t, "trainings") for t in TRAINED))),
    Spec("awareness", "people_reached", _total(("awareness.campaign_reach", "people reached"))),
    Spec("awareness", "risk_sectors_reached", _yes_count("awareness.risk_sectors", "reached")),
    Spec("signalling", "signals_received", _cell("signalling.led_to_action", "received")),
    Spec(
        "signalling", "signals_led_to_action", _cell("signalling.led_to_action", "led to an action")
    ),
    Spec("signalling", "share_led_to_action", _cell("signalling.led_to_action", "share %")),
    Spec("signalling", "forwarded", _total(("signalling.forwards", "forwarded"))),
    Spec("enforcement", "control_days", _total(("enforcement.control_days", "control days"))),
    Spec("enforcement", "control_visits", _total(("enforcement.control_days", "visits"))),
    Spec("enforcement", "measures", _total(("enforcement.measures", "measures"))),
    Spec("enforcement", "bibob_screenings", _total(("enforcement.bibob", "screenings"))),
    Spec("victims", "victims_identified", _total(("victims.identified_by_age_group", "victims"))),
    Spec("victims", "referrals_made", _total(("victims.referrals_by_provider", "referrals made"))),
    Spec("victims", "victims_helped", _cell("victims.helped_by_care_type", "victims helped")),
    Spec("victims", "median_days_to_care", _cell("victims.time_to_care", "median days")),
    Spec("collaboration", "sharing_decisions", _total(("collaboration.sharing", "decisions"))),
    Spec("collaboration", "meetings", _total(("collaboration.meetings", "meetings"))),
    Spec(
        "collaboration", "share_on_time", _cell("collaboration.actions_on_time", "share on time %")
    ),
    Spec("collaboration", "median_pickup_days", _cell("collaboration.pickup", "median days")),
    Spec(EFFICIENCY, "lead_time", _rows("signalling.lead_times", "median days"), "phase"),
    Spec(EFFICIENCY, "pickup_time", _rows("collaboration.pickup", "median days"), "partner"),
    Spec(
        EFFICIENCY,
        "owner_on_time",
        _rows("collaboration.actions_on_time", "share on time %", with_all=True),
        "partner",
    ),
    Spec(
        EFFECTIVENESS,
        "signals_led_to_action",
        _cell("signalling.led_to_action", "led to an action"),
    ),
    Spec(EFFECTIVENESS, "share_led_to_action", _cell("signalling.led_to_action", "share %")),
    Spec(EFFECTIVENESS, "measures", _total(("enforcement.measures", "measures"))),
    Spec(EFFECTIVENESS, "victims_helped", _cell("victims.helped_by_care_type", "victims helped")),
    Spec(
        EFFECTIVENESS,
        "helped_by_type",
        _rows("victims.helped_by_care_type", "victims helped"),
        "care_type",
    ),
)


def indicators(years: Sequence[Sequence[Table]]) -> tuple[Indicator, ...]:
    """Every indicator, one figure per year of ``years`` (each year's tables, not merged).

    A row that is empty in every year (a care type nobody received) is left out.
    """
    by_key = [{t.key: t for t in tables} for tables in years]
    found: list[Indicator] = []
    for spec in SPECS:
        readings = [spec.read(tables) for tables in by_key]
        codes = list(dict.fromkeys(code for reading in readings for code, _, _ in reading))
        for code in codes:
            mine = [{c: (f, ref) for c, f, ref in reading}.get(code) for reading in readings]
            figures = tuple(_absent(mine) if m is None else m[0] for m in mine)
            cell = next((m[1] for m in mine if m is not None), None)
            if code and all(f.value in (0, None) for f in figures):
                continue
            found.append(Indicator(spec.section, spec.key, spec.code_list, code, figures, cell))
    return tuple(found)


def _absent(present: list[tuple[Figure, CellRef | None] | None]) -> Figure:
    """A row missing in one year: zero for a count, no value for anything else."""
    other = next(m[0] for m in present if m is not None)
    if other.unit is Unit.COUNT:
        return Figure(0, Unit.COUNT, (0,), (), other.sensitive)
    if other.unit is Unit.TEXT:
        return text("")
    return Figure(None, other.unit, (), (), other.sensitive)
