"""Publishing a table: small counts hidden so that no hidden count can be worked out again.

*Primary* suppression hides a sensitive figure resting on a small count (``Figure.suppressed``:
a count shows as ``<5``, a statistic or share as ``n<5``). That alone is not enough: when one
cell of a column is hidden and the column's total is known (from a total row, another table
or the first page), the hidden count is the total minus the other cells. So every *line* of
cells that may add up to a published total — each count column of a year, and in a table of
two dimensions each group of rows sharing a label — holds either no hidden cell or at least
two: *secondary* suppression hides the smallest other cell of a line with just one (shown as
``x``), until every line holds. Then every median, percentile or share that rests on a hidden
count of its row is hidden too, and every change whose year is hidden. Total rows (``all``)
are the lines' totals, not members. The drill-down keeps every value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from ketenhub.evaluation.tables import ALL, Figure, Table, Unit, published

Cell = tuple[int, int]  # (row index, measure index)
SECONDARY_MARK = "x"


class Hidden(enum.Enum):
    """Why a published cell is hidden."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class PublishedTable:
    """A table as published: the text of every cell, and which cells are hidden and why."""

    table: Table
    hidden: dict[Cell, Hidden]
    texts: tuple[tuple[str, ...], ...]

    def text(self, row: int, measure: int) -> str:
        """The published text of one cell (empty for no value)."""
        return self.texts[row][measure]

    def is_hidden(self, row: int, measure: int) -> bool:
        """Whether the cell is hidden (for either reason)."""
        return (row, measure) in self.hidden

    def cell_hidden(self, labels: tuple[str, ...], measure: str) -> bool:
        """Whether the cell of the row with ``labels`` and ``measure`` is hidden."""
        rows = [i for i, row in enumerate(self.table.rows) if row.labels == labels]
        index = self.table.measures.index(measure)
        return any(self.is_hidden(i, index) for i in rows)

    @property
    def nothing_shown(self) -> bool:
        """Whether every cell is zero, empty or hidden: nothing worth drawing."""
        for r, row in enumerate(self.table.rows):
            for m, figure in enumerate(row.figures):
                if not self.is_hidden(r, m) and figure.value not in (0, None, ""):
                    return False
        return True


def publish(table: Table, min_count: int) -> PublishedTable:
    """Suppress ``table`` for publication with threshold ``min_count``."""
    hidden = {
        cell: Hidden.PRIMARY for cell in _cells(table) if _figure(table, cell).suppressed(min_count)
    }
    hidden = {cell: why for cell, why in hidden.items() if not _is_change(table, cell[1])}
    _secondary(table, hidden)
    _derived(table, hidden)
    _changes(table, hidden, min_count)
    texts = tuple(
        tuple(_text(table, (r, m), hidden, min_count) for m in range(len(row.figures)))
        for r, row in enumerate(table.rows)
    )
    return PublishedTable(table, hidden, texts)


def _cells(table: Table) -> Iterator[Cell]:
    for r, row in enumerate(table.rows):
        for m in range(len(row.figures)):
            yield r, m


def _figure(table: Table, cell: Cell) -> Figure:
    return table.rows[cell[0]].figures[cell[1]]


def _is_change(table: Table, measure: int) -> bool:
    return bool(table.baseline_of) and measure % 3 == 2


def _group(table: Table, measure: int) -> int:
    """The year a column belongs to: 0 (or the only year), 1 for the baseline year."""
    return measure % 3 if table.baseline_of else 0


def _count_columns(table: Table) -> list[int]:
    """The year columns that hold sensitive counts (the only ones that add up)."""
    found = []
    for m in range(len(table.measures)):
        figures = [row.figures[m] for row in table.rows]
        if _is_change(table, m) or not figures:
            continue
        if all(f.unit is Unit.COUNT and f.sensitive for f in figures):
            found.append(m)
    return found


def _lines(table: Table) -> list[list[Cell]]:
    """Groups of cells whose sum may be published: each count column, and its groups by label."""
    members = [r for r, row in enumerate(table.rows) if ALL not in row.labels]
    lines = []
    for m in _count_columns(table):
        lines.append([(r, m) for r in members])
        if len(table.dims) > 1:
            for d in range(len(table.dims)):
                for value in sorted({table.rows[r].labels[d] for r in members}):
                    lines.append([(r, m) for r in members if table.rows[r].labels[d] == value])
    return lines


def _secondary(table: Table, hidden: dict[Cell, Hidden]) -> None:
    """Hide the smallest other cell of every line that holds exactly one hidden cell."""
    changed = True
    while changed:
        changed = False
        for line in _lines(table):
            if sum(cell in hidden for cell in line) != 1:
                continue
            candidates = [cell for cell in line if cell not in hidden]
            if not candidates:
                continue
            hidden[min(candidates, key=lambda c: _rank(table, c))] = Hidden.SECONDARY
            changed = True


def _rank(table: Table, cell: Cell) -> tuple[int, float, int]:
    """Order of preference for a secondary cell: a non-zero one, then the smallest, then first."""
    value = _figure(table, cell).value
    number = float(value) if isinstance(value, int | float) else 0.0
    return (0 if number else 1, number, cell[0])


def _derived(table: Table, hidden: dict[Cell, Hidden]) -> None:
    """Hide statistics and shares resting on a count hidden in their row and year."""
    for r, row in enumerate(table.rows):
        for m, figure in enumerate(row.figures):
            if figure.unit not in (Unit.DAYS, Unit.PERCENT) or not figure.sensitive:
                continue
            if (r, m) in hidden or _is_change(table, m):
                continue
            counts = [
                row.figures[c].value
                for c in range(len(row.figures))
                if (r, c) in hidden
                and row.figures[c].unit is Unit.COUNT
                and not _is_change(table, c)
                and _group(table, c) == _group(table, m)
            ]
            if any(value in figure.basis for value in counts):
                hidden[(r, m)] = Hidden.SECONDARY


def _changes(table: Table, hidden: dict[Cell, Hidden], min_count: int) -> None:
    """Hide a change when either of its years is hidden."""
    if not table.baseline_of:
        return
    for r, row in enumerate(table.rows):
        for m in range(2, len(row.figures), 3):
            if (r, m - 2) in hidden or (r, m - 1) in hidden or row.figures[m].suppressed(min_count):
                years = (hidden.get((r, m - 2)), hidden.get((r, m - 1)))
                primary = Hidden.PRIMARY in years or row.figures[m].suppressed(min_count)
                hidden[(r, m)] = Hidden.PRIMARY if primary else Hidden.SECONDARY


def _text(table: Table, cell: Cell, hidden: dict[Cell, Hidden], min_count: int) -> str:
    figure = _figure(table, cell)
    why = hidden.get(cell)
    if why is Hidden.SECONDARY:
        return SECONDARY_MARK
    if why is Hidden.PRIMARY:
        return f"<{min_count}" if figure.unit is Unit.COUNT else f"n<{min_count}"
    return published(figure, min_count)
