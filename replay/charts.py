"""Charts of the evaluation report: SVG from matplotlib, drawn from published figures only.

A chart never shows more than its table: a hidden figure gets no bar or point, only its
published text (``<5``, ``x``). A table whose drawn figures are all zero, empty or hidden gets
no chart. Axes start at zero, the legend sits below the plot (never over the title), and
codes read by their labels. The SVG is deterministic (fixed hash salt, no date, text as
paths), so the same evaluation gives the same bytes. A table names its chart in
``Table.chart``: ``bar:<measure>``, ``line:<measure>`` or ``lead`` (median and 90th percentile).
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure as Canvas
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ketenhub.evaluation import ALL, PublishedTable
from ketenhub.evaluation.wording import Language
from replay.report_tables import Speech
from replay.report_text import localised

COLOURS = ("#1f5f99", "#8fb3d9")
WIDTH = 6.4  # inches


@dataclass(frozen=True)
class Series:
    """One series of a chart: its name, and per row the value to draw (NaN: none) and its text."""

    name: str
    values: list[float]
    texts: list[str]


def chart_svg(shown: PublishedTable, speech: Speech, warning: str | None = None) -> str | None:
    """The SVG of a table's chart, or None when it has none or nothing worth drawing."""
    table = shown.table
    if not table.chart:
        return None
    kind, _, measure = table.chart.partition(":")
    rows = [r for r, row in enumerate(table.rows) if kind == "lead" or ALL not in row.labels]
    series = (
        _lead_series(shown, rows, speech)
        if kind == "lead"
        else _series(shown, rows, measure, speech)
    )
    if not rows or all(v == 0 or math.isnan(v) for s in series for v in s.values):
        return None
    dims = [speech.words.codes_of(d) for d in table.dims]
    labels = [
        " / ".join(speech.code(c, code) for c, code in zip(dims, table.rows[r].labels, strict=True))
        for r in rows
    ]
    title = speech.words.table_title(table.key, **dict(table.params))
    language = speech.words.language
    with _style():
        canvas = Canvas(figsize=(WIDTH, _height(kind, len(rows), len(series))))
        axes = canvas.add_subplot()
        if kind == "line":
            _line(axes, labels, series, speech.words.measure(measure))
            _ticks(axes.yaxis, language, integer=True)
        else:
            unit = speech.words.phrase("days") if kind == "lead" else speech.words.measure(measure)
            _bars(axes, labels, series, unit)
            _ticks(axes.xaxis, language, integer=kind != "lead")
        _title(axes, title, warning)
        canvas.tight_layout()
        return _svg(canvas)


def _height(kind: str, rows: int, series: int) -> float:
    """Inches: a line chart is flat; bars take room per bar, plus axis, title and legend."""
    if kind == "line":
        return 2.8
    return 0.2 * rows * series + 0.12 * rows + 1.3 + 0.2 * (series > 1)


def _style() -> AbstractContextManager[None]:
    """Deterministic SVG (fixed hash salt, glyphs as paths) in a plain, small style."""
    return matplotlib.rc_context(
        {
            "svg.hashsalt": "ketenhub-evaluation",
            "svg.fonttype": "path",
            "font.family": "DejaVu Sans",
            "font.size": 8.0,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def _svg(canvas: Canvas) -> str:
    out = io.StringIO()
    canvas.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _title(axes: Axes, title: str, warning: str | None) -> None:
    """Only an unverified chart carries a title (its page heads it otherwise): the warning."""
    if warning:
        text = textwrap.fill(f"{warning.split(' - ')[0]} - {title}", 70)
        axes.set_title(text, loc="left", fontsize=9, color="#b00020")


def _ticks(axis: Axis, language: Language, *, integer: bool) -> None:
    """Tick labels in the language's notation; whole numbers only on an axis of counts."""
    axis.set_major_locator(MaxNLocator(nbins=6, integer=integer))
    axis.set_major_formatter(FuncFormatter(lambda value, _: localised(f"{value:g}", language)))


def _number(text: str) -> float:
    """The value a published text stands for, NaN when it is hidden or empty."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _years(shown: PublishedTable) -> list[tuple[str, str]]:
    """(measure suffix, legend name) of each year drawn: the year and its baseline, or one."""
    if not shown.table.baseline_of:
        return [("", "")]
    return [(f" {year}", str(year)) for year in shown.table.baseline_of]


def _series(shown: PublishedTable, rows: list[int], measure: str, speech: Speech) -> list[Series]:
    found = []
    for suffix, name in _years(shown):
        index = shown.table.measures.index(measure + suffix)
        texts = [shown.text(r, index) for r in rows]
        found.append(Series(name, [_number(t) for t in texts], [speech.value(t) for t in texts]))
    return found


def _lead_series(shown: PublishedTable, rows: list[int], speech: Speech) -> list[Series]:
    suffix = _years(shown)[0][0]
    found = []
    for measure, name in (("median days", "median"), ("p90 days", "p90")):
        index = shown.table.measures.index(measure + suffix)
        texts = [shown.text(r, index) for r in rows]
        found.append(
            Series(
                speech.words.phrase(name),
                [_number(t) for t in texts],
                [speech.value(t) for t in texts],
            )
        )
    return found


def _bars(axes: Axes, labels: list[str], series: list[Series], unit: str) -> None:
    """Horizontal bars, one group per row, each bar labelled with its published text."""
    height = 0.8 / len(series)
    for index, one in enumerate(series):
        positions = [row + index * height for row in range(len(labels))]
        widths = [0.0 if math.isnan(v) else v for v in one.values]
        colour = COLOURS[index % len(COLOURS)]
        bars = axes.barh(positions, widths, height=height, color=colour, label=one.name or None)
        for bar, text in zip(bars, one.texts, strict=True):
            middle = bar.get_y() + bar.get_height() / 2
            axes.annotate(
                text,
                (bar.get_width(), middle),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
    axes.set_yticks(
        [row + 0.4 - height / 2 for row in range(len(labels))],
        [textwrap.fill(x, 34) for x in labels],
    )
    axes.invert_yaxis()
    highest = max((v for s in series for v in s.values if not math.isnan(v)), default=0.0)
    axes.set_xlim(0, max(highest, 1.0) * 1.15)
    axes.set_xlabel(unit)
    _legend(axes, series)


def _line(axes: Axes, labels: list[str], series: list[Series], unit: str) -> None:
    """One line per year over the rows (months); hidden points are gaps."""
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        axes.plot(labels, one.values, marker="o", color=colour, label=one.name or None)
    axes.set_ylabel(unit)
    highest = max((v for s in series for v in s.values if not math.isnan(v)), default=0.0)
    axes.set_ylim(0, max(highest, 1.0) * 1.15)
    axes.tick_params(axis="x", labelrotation=45)
    if len(series) > 1:  # beside the plot: below it stand the slanted row labels
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _legend(axes: Axes, series: Sequence[Series]) -> None:
    """A legend below the plot and its axis label, when there is more than one series."""
    if len(series) > 1:
        axes.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(series), frameon=False
        )


@dataclass(frozen=True)
class Panel:
    """One small chart of a trend: an indicator's value per year (NaN: hidden or none)."""

    title: str
    values: list[float]
    texts: list[str]
    counts: bool = True
    """Whether the values are counts (whole numbers on the axis)."""


def trend_svg(
    title: str,
    years: Sequence[int],
    panels: Sequence[Panel],
    language: Language,
    warning: str | None = None,
) -> str | None:
    """Small multiples: one line per indicator over the years, each on its own axis from zero."""
    drawn = [p for p in panels if any(not math.isnan(v) and v != 0 for v in p.values)]
    if not drawn:
        return None
    columns = 2
    rows = math.ceil(len(drawn) / columns)
    with _style():
        canvas = Canvas(figsize=(WIDTH, 2.1 * rows + 0.5))
        grid = canvas.subplots(rows, columns, squeeze=False)
        labels = [str(y) for y in years]
        for axes, panel in zip(grid.flat, drawn, strict=False):
            axes.plot(labels, panel.values, marker="o", color=COLOURS[0])
            for x, (value, text) in enumerate(zip(panel.values, panel.texts, strict=True)):
                if not math.isnan(value):
                    axes.annotate(
                        text,
                        (x, value),
                        xytext=(0, 4),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7,
                    )
            highest = max((v for v in panel.values if not math.isnan(v)), default=0.0)
            axes.set_ylim(0, max(highest, 1.0) * 1.25)
            _ticks(axes.yaxis, language, integer=panel.counts)
            axes.set_title(textwrap.fill(panel.title, 38), loc="left", fontsize=8)
        for axes in list(grid.flat)[len(drawn) :]:
            axes.set_visible(False)
        if warning:
            text = textwrap.fill(f"{warning.split(' - ')[0]} - {title}", 70)
            canvas.suptitle(text, x=0.02, ha="left", fontsize=9, color="#b00020")
        canvas.tight_layout()
        return _svg(canvas)
