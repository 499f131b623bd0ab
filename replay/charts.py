"""Charts of the evaluation report: SVG from matplotlib, drawn from published figures only.

A chart never shows more than its table: suppressed figures get no bar or point. The SVG
is deterministic (fixed hash salt, no date, text as paths), so the same evaluation gives
the same bytes. A table names its chart in ``Table.chart``: ``bar:<measure>``,
``line:<measure>``, ``funnel:<measure>`` or ``lead`` (median and 90th percentile).
"""

from __future__ import annotations

import io
import math
import textwrap
from contextlib import AbstractContextManager

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure as Canvas

from ketenhub.evaluation import Figure, Table, published

COLOURS = ("#1f5f99", "#a6bddb")
Series = list[tuple[str, list[Figure]]]


def chart_svg(table: Table, min_count: int, *, unverified: bool = False) -> str | None:
    """The SVG of a table's chart (titled UNVERIFIED when so), or None if the table has none."""
    if not table.chart:
        return None
    kind, _, measure = table.chart.partition(":")
    labels = [" / ".join(row.labels) for row in table.rows]
    height = 2.6 if kind == "line" else 0.32 * len(labels) * (1 + bool(table.baseline_of)) + 1.2
    with _style():
        canvas = Canvas(figsize=(6.4, height))
        axes = canvas.add_subplot()
        if kind == "lead":
            _bars(axes, labels, _lead_series(table), "days", min_count)
        elif kind == "line":
            _line(axes, labels, _series(table, measure), measure, min_count)
        else:
            _bars(axes, labels, _series(table, measure), measure, min_count)
        title = textwrap.fill(f"UNVERIFIED - {table.title}" if unverified else table.title, 60)
        axes.set_title(title, loc="left", fontsize=9, color="#b00020" if unverified else "black")
        canvas.tight_layout()
        out = io.StringIO()
        canvas.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


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


def _value(figure: Figure, min_count: int) -> float:
    """The value to draw: NaN (nothing drawn) when suppressed or missing."""
    value = figure.value
    if figure.suppressed(min_count) or value is None or isinstance(value, str):
        return math.nan
    return float(value)


def _series(table: Table, measure: str) -> Series:
    if not table.baseline_of:
        return [("", table.column(measure))]
    return [(str(year), table.column(f"{measure} {year}")) for year in table.baseline_of]


def _lead_series(table: Table) -> Series:
    year = f" {table.baseline_of[0]}" if table.baseline_of else ""
    return [(name, table.column(f"{name} days{year}")) for name in ("median", "p90")]


def _bars(axes: Axes, labels: list[str], series: Series, unit: str, min_count: int) -> None:
    """Horizontal bars, one group per row, each bar labelled with its published text."""
    height = 0.8 / len(series)
    for index, (name, figures) in enumerate(series):
        values = [_value(f, min_count) for f in figures]
        positions = [row + index * height for row in range(len(labels))]
        widths = [0.0 if math.isnan(v) else v for v in values]
        colour = COLOURS[index % len(COLOURS)]
        bars = axes.barh(positions, widths, height=height, color=colour, label=name or None)
        for bar, figure in zip(bars, figures, strict=True):
            text = published(figure, min_count) or "no data"
            middle = bar.get_y() + bar.get_height() / 2
            axes.annotate(
                text,
                (bar.get_width(), middle),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
    axes.set_yticks([row + 0.4 - height / 2 for row in range(len(labels))], labels)
    axes.invert_yaxis()
    axes.margins(x=0.12)
    axes.set_xlabel(unit)
    _legend(axes, series)


def _line(axes: Axes, labels: list[str], series: Series, unit: str, min_count: int) -> None:
    """One line per year over the rows (months); suppressed points are gaps."""
    for index, (name, figures) in enumerate(series):
        values = [_value(f, min_count) for f in figures]
        colour = COLOURS[index % len(COLOURS)]
        axes.plot(labels, values, marker="o", color=colour, label=name or None)
    axes.set_ylabel(unit)
    axes.set_ylim(bottom=0)
    _legend(axes, series)


def _legend(axes: Axes, series: Series) -> None:
    """A legend above the plot, at the right, when there is more than one series."""
    if len(series) > 1:
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(series), frameon=False)
