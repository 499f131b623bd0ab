"""The sections the annual and the trend report share: key figures, the two questions, provenance.

Both reports open with each part's key figures, then answer the plan's two questions, and
close with what they were built on; they differ in how an indicator table looks (a year
against its baseline, or the years side by side), which the caller passes in.
"""

from __future__ import annotations

from collections.abc import Callable

from ketenhub.evaluation import PARTS
from ketenhub.evaluation.indicators import EFFECTIVENESS, EFFICIENCY
from replay.report_document import Section, Terms, TextTable
from replay.report_tables import Speech

IndicatorTableOf = Callable[[str, str], TextTable]
"""The table of one section's indicators (by section key), under a title."""


def key_figures_section(speech: Speech, table_of: IndicatorTableOf) -> Section:
    """The first page: an introduction, then each part's key figures under its own name."""
    said = speech.words
    tables = tuple(table_of(p.key, said.part(p.key)) for p in PARTS)
    return Section(
        "key-figures", said.phrase("key_figures"), (said.phrase("key_figures_intro"), *tables)
    )


def questions_section(speech: Speech, table_of: IndicatorTableOf) -> Section:
    """The plan's two questions: efficiency, then effectiveness."""
    said = speech.words
    tables = tuple(table_of(s, said.section(s)) for s in (EFFICIENCY, EFFECTIVENESS))
    return Section("questions", said.phrase("questions"), tables, new_page=True)


def provenance_section(speech: Speech, terms: Terms) -> Section:
    """What the report was built on, on a page of its own at the end."""
    said = speech.words
    blocks = (said.phrase("provenance_intro"), terms)
    return Section("provenance", said.phrase("provenance"), blocks, new_page=True)
