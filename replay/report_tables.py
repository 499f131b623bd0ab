"""The report's tables as text: codes by their labels, measures by their words, small counts hidden.

A part's table comes from its ``PublishedTable`` (so it shows exactly what suppression left);
an indicator table shows indicators beside the baseline, or over several years. An indicator
read from one cell of a table is hidden wherever that cell is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ketenhub.config.labels import Labels
from ketenhub.evaluation import ALL, Figure, Indicator, PublishedTable, Unit, published
from ketenhub.evaluation.suppression import SECONDARY_MARK, Hidden
from ketenhub.evaluation.wording import Words
from replay.report_document import Cell, Head, TextTable
from replay.report_text import change_text, localised, percent_text

NO_VALUE = "\u2013"  # an en dash: nothing to measure


@dataclass(frozen=True)
class Speech:
    """What the report says with: its words and the labels of codes, in one language."""

    words: Words
    labels: Labels

    def code(self, code_list: str | None, code: str) -> str:
        """A row label: the total row and yes/no by their words, a code by its label."""
        if code == ALL or (code_list is None and self.words.has("words", code)):
            return self.words.word(code)
        return self.labels.label(code_list, code) if code_list else code

    def value(self, text: str) -> str:
        """A published cell: a number in the language's notation, a word translated."""
        if not text:
            return NO_VALUE
        if self.words.has("words", text):
            return self.words.word(text)
        return localised(text, self.words.language)


def part_table(shown: PublishedTable, speech: Speech, chart: str | None) -> TextTable:
    """A part's table as published, in the report's language."""
    table, said = shown.table, speech.words
    params = dict(table.params)
    names = [said.measure(m, **params) for m in _measure_names(shown)]
    if table.baseline_of:
        year, base = table.baseline_of
        top = (*(Head(said.dim(d), rows=2) for d in table.dims), *(Head(n, 3) for n in names))
        below = [Head(str(year)), Head(str(base)), Head(said.phrase("change"))] * len(names)
        head: tuple[tuple[Head, ...], ...] = (top, tuple(below))
    else:
        head = ((*(Head(said.dim(d)) for d in table.dims), *(Head(n) for n in names)),)
    rows = []
    for r, row in enumerate(table.rows):
        labels = [
            Cell(speech.code(said.codes_of(dim), code), label=True, number=False)
            for dim, code in zip(table.dims, row.labels, strict=True)
        ]
        cells = [Cell(_cell_text(shown, r, m, speech)) for m in range(len(row.figures))]
        rows.append((*labels, *cells))
    return TextTable(
        id=table.key,
        title=said.table_title(table.key, **params),
        head=head,
        rows=tuple(rows),
        note=said.table_note(table.key, **params),
        csv=f"tables/{table.key}.csv",
        chart_svg=chart,
        chart_file=f"charts/{table.key}.svg" if chart else "",
        empty=said.phrase("no_data"),
    )


def _measure_names(shown: PublishedTable) -> list[str]:
    measures = shown.table.measures
    if not shown.table.baseline_of:
        return list(measures)
    year = f" {shown.table.baseline_of[0]}"
    return [m.removesuffix(year) for m in measures[0::3]]


def _cell_text(shown: PublishedTable, r: int, m: int, speech: Speech) -> str:
    text = shown.text(r, m)
    change = shown.table.baseline_of and m % 3 == 2 and not shown.is_hidden(r, m)
    if change and text and not text.startswith("-") and text not in ("0", "0.0"):
        text = "+" + text
    return speech.value(text)


HiddenOf = Callable[[Indicator, int], Hidden | None]


def hidden_in(
    published_by_year: Sequence[Mapping[str, PublishedTable]], merged: bool, years: Sequence[int]
) -> HiddenOf:
    """Whether an indicator's figure of year ``index`` is hidden in the table it was read from.

    ``published_by_year`` holds one mapping (merged tables) or one per year (trend).
    """

    def of(indicator: Indicator, index: int) -> Hidden | None:
        if indicator.cell is None:
            return None
        key, labels, measure = indicator.cell
        tables = published_by_year[0 if merged else index]
        name = f"{measure} {years[index]}" if merged else measure
        shown = tables.get(key)
        if shown is None or name not in shown.table.measures:
            return None
        index_of = shown.table.measures.index(name)
        for r, row in enumerate(shown.table.rows):
            if row.labels == labels and (r, index_of) in shown.hidden:
                return shown.hidden[(r, index_of)]
        return None

    return of


def indicator_published(figure: Figure, hidden: Hidden | None, min_count: int) -> str:
    """An indicator's figure as published: hidden like its cell, else suppressed on its own."""
    if hidden is Hidden.SECONDARY:
        return SECONDARY_MARK
    if hidden is Hidden.PRIMARY:
        return f"<{min_count}" if figure.unit is Unit.COUNT else f"n<{min_count}"
    return published(figure, min_count)


def indicator_text(figure: Figure, hidden: Hidden | None, min_count: int, speech: Speech) -> str:
    """An indicator's published figure in the report's language."""
    return speech.value(indicator_published(figure, hidden, min_count))


def indicator_name(indicator: Indicator, speech: Speech) -> str:
    """The indicator's name, naming its code when it has one."""
    code = speech.code(indicator.code_list or None, indicator.code) if indicator.code else ""
    return speech.words.indicator(indicator.key, code=code)


def _is_hidden(figure: Figure, hidden: Hidden | None, min_count: int) -> bool:
    return hidden is not None or figure.suppressed(min_count)


def compared(
    now: Figure,
    then: Figure,
    hidden: tuple[Hidden | None, Hidden | None],
    min_count: int,
    speech: Speech,
) -> tuple[str, str]:
    """The change and the change in percent, hidden when either figure is."""
    if _is_hidden(now, hidden[0], min_count) or _is_hidden(then, hidden[1], min_count):
        return SECONDARY_MARK, SECONDARY_MARK
    return change_text(now, then, speech.words) or NO_VALUE, percent_text(
        now, then, speech.words
    ) or NO_VALUE


@dataclass(frozen=True)
class IndicatorTable:
    """Indicators to show together under one title, with how to tell what is hidden."""

    id: str
    title: str
    indicators: Sequence[Indicator]
    years: Sequence[int]
    hidden: HiddenOf
    min_count: int


def against_baseline(group: IndicatorTable, speech: Speech) -> TextTable:
    """Indicators for the year beside the baseline: values, change (with arrow) and change %."""
    said = speech.words
    head = [Head(said.phrase("indicator")), Head(str(group.years[0]))]
    if len(group.years) > 1:
        head += [
            Head(f"{group.years[1]} ({said.phrase('baseline').lower()})"),
            Head(said.phrase("change")),
            Head(said.phrase("change_percent")),
        ]
    rows = []
    for item in group.indicators:
        hidden = tuple(group.hidden(item, i) for i in range(len(group.years)))
        values = [
            Cell(indicator_text(f, h, group.min_count, speech))
            for f, h in zip(item.figures, hidden, strict=True)
        ]
        if len(group.years) > 1:
            change, percent = compared(
                item.figures[0], item.figures[1], (hidden[0], hidden[1]), group.min_count, speech
            )
            values += [Cell(change), Cell(percent)]
        rows.append((Cell(indicator_name(item, speech), label=True, number=False), *values))
    return TextTable(
        group.id,
        group.title,
        (tuple(head),),
        tuple(rows),
        empty=said.phrase("no_data"),
        kind="indicators",
    )


def over_years(group: IndicatorTable, speech: Speech) -> TextTable:
    """Indicators over several years: per year the value, against the baseline and the year before."""
    said = speech.words
    head = (
        Head(said.phrase("indicator")),
        Head(said.phrase("year")),
        Head(said.phrase("value")),
        Head(said.phrase("against_baseline")),
        Head(said.phrase("against_previous")),
    )
    rows = []
    for item in group.indicators:
        name = indicator_name(item, speech)
        hidden = [group.hidden(item, i) for i in range(len(group.years))]
        for i, (year, figure) in enumerate(zip(group.years, item.figures, strict=True)):
            value = indicator_text(figure, hidden[i], group.min_count, speech)
            versus_base = versus_last = NO_VALUE
            if i > 0:
                versus_base = _joined(
                    compared(
                        figure, item.figures[0], (hidden[i], hidden[0]), group.min_count, speech
                    )
                )
                versus_last = _joined(
                    compared(
                        figure,
                        item.figures[i - 1],
                        (hidden[i], hidden[i - 1]),
                        group.min_count,
                        speech,
                    )
                )
            label = Cell(name if i == 0 else "", label=True, number=False)
            rows.append(
                (
                    label,
                    Cell(str(year)),
                    Cell(value),
                    Cell(versus_base),
                    Cell(versus_last),
                )
            )
    return TextTable(
        group.id, group.title, (head,), tuple(rows), empty=said.phrase("no_data"), kind="trend"
    )


def _joined(change: tuple[str, str]) -> str:
    absolute, percent = change
    if percent in (NO_VALUE, SECONDARY_MARK, "") or absolute == SECONDARY_MARK:
        return absolute
    return f"{absolute} ({percent})"
