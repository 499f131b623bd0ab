"""The report's pages and charts from an evaluation in memory: empty tables, charts, numbers."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle  # the hand-built history of the evaluation tests

from ketenhub.evaluation import evaluate_events, publish
from ketenhub.evaluation.tables import table, total
from replay.charts import chart_svg
from replay.pipeline import EvaluationRun, Provenance
from replay.report import speech_in
from replay.report_annual import annual_document
from replay.report_pages import html_page, markdown_page
from replay.report_text import localised

NO_PROVENANCE = Provenance(None, None, (), "test")


def pages_of(events: list[object], year: int = 2025) -> tuple[str, str]:
    """The HTML and Markdown pages of the Dutch report of ``year``."""
    run = EvaluationRun(evaluate_events(events, year), NO_PROVENANCE)  # type: ignore[arg-type]
    document = annual_document(run, speech_in("nl"))
    return html_page(document), markdown_page(document)


def test_a_table_without_rows_says_geen_gegevens_instead_of_a_bare_header() -> None:
    """No control visit in the year: the findings table is a sentence, not an empty grid."""
    page, markdown = pages_of([])
    findings = page.split('id="enforcement.findings"')[1].split("<h")[0]
    assert "geen gegevens" in findings and "<table" not in findings
    assert "### Controlebezoeken, naar bevinding\n\ngeen gegevens" in markdown.replace(
        "####", "###"
    )


def counts_table(values: dict[str, int], chart: str = "bar:n") -> object:
    """A one-column table of sensitive counts with a bar chart."""
    rows = [((k,), (total(n, [f"{k}{i}" for i in range(n)]),)) for k, n in values.items()]
    return table("signalling.by_channel", "T", ("channel",), ("n",), rows, chart=chart)


@pytest.mark.parametrize(
    "values",
    [{"WEBSITE": 0, "POLICE": 0}, {"WEBSITE": 2, "POLICE": 3}, {"WEBSITE": 0, "POLICE": 4}],
)
def test_a_table_all_zero_or_all_hidden_gets_no_chart(values: dict[str, int]) -> None:
    """Nothing to draw (zeros, or only hidden counts): no chart at all."""
    shown = publish(counts_table(values), 5)  # type: ignore[arg-type]
    assert chart_svg(shown, speech_in("nl")) is None


def test_a_chart_labels_codes_and_draws_no_hidden_value() -> None:
    """Bars carry their published text: 3 shows as <5, the 7 hidden with it as x; neither drawn."""
    shown = publish(counts_table({"WEBSITE": 12, "POLICE": 3, "PARTNER": 7}), 5)  # type: ignore[arg-type]
    svg = chart_svg(shown, speech_in("nl"))
    assert svg is not None
    assert "<!-- Ketenpartner -->" in svg and "<!-- Politie -->" in svg and "<!-- &lt;5 -->" in svg
    assert "<!-- x -->" in svg and "<!-- 7 -->" not in svg  # the axis counts in even steps
    assert "WEBSITE" not in svg
    assert svg == chart_svg(shown, speech_in("nl"))  # the same bytes every time


def test_numbers_read_as_their_readers_write_them() -> None:
    """Dutch groups thousands with a dot and writes a decimal comma; English the other way round."""
    assert [localised(t, "nl") for t in ("15627", "2.5", "-1.5", "<5", "x", "0")] == [
        "15.627",
        "2,5",
        "-1,5",
        "<5",
        "x",
        "0",
    ]
    assert [localised(t, "en") for t in ("15627", "2.5")] == ["15,627", "2.5"]


def test_the_page_loads_nothing_from_elsewhere() -> None:
    """No script, stylesheet, font or image is fetched: the page and its charts are inline."""
    s = Chronicle()
    s.signal("c1", dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    page, _ = pages_of(s.events)
    assert "<script" not in page and "<link" not in page and "http" not in page.split("<body>")[0]
    assert "@page { size: A4" in page and "@media print" in page
