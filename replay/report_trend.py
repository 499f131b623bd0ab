"""The trend report: several years of the indicators, each against the baseline and the year before.

As the policy plan evaluates every year from its nulmeting: for each part its key figures
year by year (the value, the change against the baseline and against the year before, in
absolute numbers and percent) with small charts of their course, then the plan's two
questions the same way, and provenance at the end. Every year's tables are published on
their own first, so an indicator read from a cell is hidden in the years its cell is.

``write_trend_report`` writes ``report.html``, ``report.md``, ``charts/trend.<part>.svg``,
``tables/trend.indicators.csv`` (as published), ``drilldown-internal.csv`` (every value, with
the event ids behind it) and ``SHA256SUMS``; the same history gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ketenhub.evaluation import (
    PARTS,
    EvaluationSettings,
    Figure,
    Indicator,
    Trend,
    Unit,
    evaluate_years,
    exact,
    history_for_years,
    publish,
)
from ketenhub.evaluation.wording import Language
from replay.charts import Panel, trend_svg
from replay.pipeline import Provenance, fold_source
from replay.report import document_files, speech_in, write_files
from replay.report_document import Document, TextTable
from replay.report_provenance import csv_warning, provenance_terms, unverified_line
from replay.report_sections import key_figures_section, provenance_section, questions_section
from replay.report_tables import (
    HiddenOf,
    IndicatorTable,
    Speech,
    hidden_in,
    indicator_name,
    indicator_published,
    indicator_text,
    over_years,
)
from replay.sources import SealedLogSource

DRILLDOWN = "drilldown-internal.csv"


@dataclass(frozen=True)
class TrendRun:
    """A trend and what it was built on."""

    trend: Trend
    provenance: Provenance


def evaluate_trend_source(
    source: SealedLogSource,
    years: Sequence[int],
    baseline: int,
    *,
    settings: EvaluationSettings | None = None,
    allow_unverified: bool = False,
) -> TrendRun:
    """Verify ``source`` and compute the trend over ``years`` from ``baseline`` from it."""
    history = history_for_years([*years, baseline])
    provenance = fold_source(source, history, allow_unverified=allow_unverified)
    return TrendRun(evaluate_years(history, years, baseline, settings), provenance)


def _hidden(trend: Trend) -> HiddenOf:
    threshold = trend.settings.min_count
    by_year = [{t.key: publish(t, threshold) for t in tables} for tables in trend.tables]
    return hidden_in(by_year, False, trend.years)


def trend_document(run: TrendRun, speech: Speech) -> Document:
    """The trend report of ``run`` in the language of ``speech``."""
    trend, said = run.trend, speech.words
    warning = unverified_line(run.provenance, said)
    hidden = _hidden(trend)

    def table_of(section: str, title: str) -> TextTable:
        mine = [i for i in trend.indicators if i.section == section]
        group = IndicatorTable(
            f"trend.{section}", title, mine, trend.years, hidden, trend.settings.min_count
        )
        table = over_years(group, speech)
        if section not in {p.key for p in PARTS}:
            return table
        chart = _chart(group, speech, warning)
        return (
            table
            if chart is None
            else replace(table, chart_svg=chart, chart_file=f"charts/{table.id}.svg")
        )

    first, last = trend.years[0], trend.years[-1]
    years_text = said.phrase("years_selected", first=first, last=last)
    terms = provenance_terms(run.provenance, trend.settings, said, years_text, trend.baseline)
    sections = (
        key_figures_section(speech, table_of),
        questions_section(speech, table_of),
        provenance_section(speech, terms),
    )
    title = said.phrase("trend_title", first=first, last=last)
    subtitle = said.phrase("trend_against", baseline=trend.baseline)
    return Document(said.language, title, subtitle, sections, warning)


def _chart(group: IndicatorTable, speech: Speech, warning: str | None) -> str | None:
    """Small multiples of a part's indicators over the years, from published values only."""
    panels = []
    for item in group.indicators:
        texts = [
            indicator_text(f, group.hidden(item, i), group.min_count, speech)
            for i, f in enumerate(item.figures)
        ]
        values = [_drawn(f.value, t) for f, t in zip(item.figures, texts, strict=True)]
        counts = all(f.unit is Unit.COUNT for f in item.figures)
        panels.append(Panel(indicator_name(item, speech), values, texts, counts))
    return trend_svg(group.title, group.years, panels, speech.words.language, warning)


def _drawn(value: object, text: str) -> float:
    """The value to draw: NaN when hidden or empty."""
    if not isinstance(value, int | float) or "<" in text or text in ("x", "\u2013", ""):
        return math.nan
    return float(value)


def indicators_csv(trend: Trend, hidden: HiddenOf, warning: str | None) -> str:
    """Every indicator per year as published (codes and keys, for machines)."""
    out = io.StringIO()
    if warning:
        out.write(f"# {warning}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "indicator", "code", *map(str, trend.years)])
    threshold = trend.settings.min_count
    for item in trend.indicators:
        texts = [
            indicator_published(f, hidden(item, i), threshold) for i, f in enumerate(item.figures)
        ]
        writer.writerow([item.section, item.key, item.code, *texts])
    return out.getvalue()


def drilldown_csv(trend: Trend, warning: str | None) -> str:
    """Every indicator per year unsuppressed, with the counts and event ids behind it."""
    out = io.StringIO()
    if warning:
        out.write(f"# {warning}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "indicator", "code", "year", "value", "counts", "event_ids"])
    for item in trend.indicators:
        for year, figure in zip(trend.years, item.figures, strict=True):
            writer.writerow(_drill_row(item, year, figure))
    return out.getvalue()


def _drill_row(item: Indicator, year: int, figure: Figure) -> list[str]:
    return [
        item.section,
        item.key,
        item.code,
        str(year),
        exact(figure),
        " ".join(map(str, figure.basis)),
        " ".join(figure.event_ids),
    ]


def write_trend_report(run: TrendRun, out: Path, *, language: Language = "nl") -> list[Path]:
    """Write the trend report into ``out`` (created if missing); return the files written."""
    warning = csv_warning(run.provenance)
    files = {
        "tables/trend.indicators.csv": indicators_csv(run.trend, _hidden(run.trend), warning),
        DRILLDOWN: drilldown_csv(run.trend, warning),
    }
    files |= document_files(trend_document(run, speech_in(language)))
    return write_files(files, out)
