"""The annual report as a document: key figures first, the plan's two questions, the parts, provenance.

The first page shows each part's key figures against the baseline (absolute and percentage
change, with arrows). Then the two questions of the plan: efficiency (lead times per phase,
pickup times per partner, actions done by their due date) and effectiveness (signals that
led to an action or a measure, victims helped by type of help). Then the five parts in the
plan's words, each with its tables, charts and the findings from interviews recorded for it,
and at the end what the report was built on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from ketenhub.contract.models import EncryptedField
from ketenhub.evaluation import PARTS, Evaluation, PublishedTable, publish
from ketenhub.evaluation.wording import Words
from replay.charts import chart_svg
from replay.pipeline import EvaluationRun
from replay.report_document import Block, Document, Finding, Section, TextTable
from replay.report_provenance import provenance_terms, unverified_line
from replay.report_sections import (
    IndicatorTableOf,
    key_figures_section,
    provenance_section,
    questions_section,
)
from replay.report_tables import IndicatorTable, Speech, against_baseline, hidden_in, part_table

SummaryReader = Callable[[EncryptedField], str]
"""Reads the encrypted summary of a finding (with the hub's keys), or says why it cannot."""
ERASED = "[erased]"  # what the hub's protector reads for a crypto-shredded subject


def published_tables(run: EvaluationRun) -> dict[str, PublishedTable]:
    """Every table of the evaluation as published, by key."""
    threshold = run.evaluation.settings.min_count
    return {t.key: publish(t, threshold) for t in run.evaluation.tables}


def annual_document(
    run: EvaluationRun, speech: Speech, read: SummaryReader | None = None
) -> Document:
    """The annual report of ``run`` in the language of ``speech``."""
    evaluation, said = run.evaluation, speech.words
    warning = unverified_line(run.provenance, said)
    shown = published_tables(run)
    table_of = _indicator_tables(evaluation, shown, speech)
    parts = [
        Section(
            f"part-{p.key}",
            f"{number}. {said.part(p.key)}",
            _part_tables(p.key, shown, speech, warning),
            (_findings(p.key, evaluation, speech, read),),
            new_page=True,
        )
        for number, p in enumerate(PARTS, start=1)
    ]
    years_text = said.phrase("year_selected", year=evaluation.year)
    settings, baseline = evaluation.settings, evaluation.baseline
    terms = provenance_terms(run.provenance, settings, said, years_text, baseline)
    sections = (
        key_figures_section(speech, table_of),
        questions_section(speech, table_of),
        *parts,
        provenance_section(speech, terms),
    )
    title = said.phrase("title", year=evaluation.year)
    subtitle = said.phrase("against", baseline=baseline) if baseline else ""
    return Document(said.language, title, subtitle, sections, warning)


def _indicator_tables(
    evaluation: Evaluation, shown: Mapping[str, PublishedTable], speech: Speech
) -> IndicatorTableOf:
    """Indicators of a section for the year beside the baseline, hidden where their cell is."""
    years = [evaluation.year] + ([evaluation.baseline] if evaluation.baseline else [])
    hidden = hidden_in([shown], evaluation.baseline is not None, years)
    threshold = evaluation.settings.min_count

    def table_of(section: str, title: str) -> TextTable:
        mine = [i for i in evaluation.indicators if i.section == section]
        group = IndicatorTable(f"indicators.{section}", title, mine, years, hidden, threshold)
        return against_baseline(group, speech)

    return table_of


def _part_tables(
    part: str, shown: Mapping[str, PublishedTable], speech: Speech, warning: str | None
) -> tuple[Block, ...]:
    return tuple(
        part_table(table, speech, chart_svg(table, speech, warning))
        for table in shown.values()
        if table.table.part == part
    )


def _findings(
    part: str, evaluation: Evaluation, speech: Speech, read: SummaryReader | None
) -> Section:
    """The findings recorded for a part: who (by role), when, and what (decrypted if it can)."""
    said = speech.words
    found = [
        Finding(
            speech.code("finding_source", f.source_role),
            _date(f.held_on, speech),
            _summary(f.summary, said, read),
        )
        for f in evaluation.findings_of(part)
    ]
    blocks: tuple[Block, ...] = tuple(found) or (said.phrase("no_findings"),)
    return Section(f"findings-{part}", said.phrase("findings"), blocks)


def _summary(summary: EncryptedField, said: Words, read: SummaryReader | None) -> str:
    if read is None:
        return said.phrase("finding_unreadable")
    text = read(summary)
    return said.phrase("finding_erased") if text == ERASED else text


def _date(day: dt.date, speech: Speech) -> str:
    """A date as people write it: 25 november 2025, or 25 November 2025."""
    return f"{day.day} {speech.code('month', f'{day.month:02d}')} {day.year}"
