"""The evaluation report on disk: HTML with charts, the same in Markdown, CSVs, a drill-down.

``write_report`` writes into one folder::

    report.html             the report: key figures, the plan's two questions, the five
                            parts (tables, charts, findings), provenance; for screen and A4
    report.md               the same in Markdown (charts linked from charts/)
    tables/<part.table>.csv one CSV per table, as published (codes and measure keys, small
                            counts suppressed)
    charts/<part.table>.svg the charts
    drilldown-internal.csv  every figure unsuppressed, with the event ids behind it
    SHA256SUMS              the SHA-256 of every file above

The pages are in Dutch or English (``language``); the CSV files are the same in both.
Nothing in it depends on the moment or the machine it was built on, so building it twice
from the same history gives the same bytes. An unverified build says so on the first line
of every file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

from ketenhub.config.labels import labels_in
from ketenhub.evaluation import PublishedTable, exact
from ketenhub.evaluation.wording import Language, words
from replay.pipeline import EvaluationRun
from replay.report_annual import SummaryReader, annual_document, published_tables
from replay.report_document import Document
from replay.report_pages import html_page, markdown_page
from replay.report_provenance import csv_warning
from replay.report_tables import Speech

DRILLDOWN = "drilldown-internal.csv"
SUMS = "SHA256SUMS"


def speech_in(language: Language) -> Speech:
    """The report's words and the catalogue's labels in ``language``."""
    return Speech(words(language), labels_in(language))


def table_csv(shown: PublishedTable, warning: str | None) -> str:
    """One table as published: its codes, then each measure's text (hidden where needed)."""
    out = io.StringIO()
    if warning:
        out.write(f"# {warning}\n")
    writer = csv.writer(out, lineterminator="\n")
    table = shown.table
    writer.writerow([*table.dims, *table.measures])
    for r, row in enumerate(table.rows):
        writer.writerow([*row.labels, *shown.texts[r]])
    return out.getvalue()


def drilldown_csv(shown: Iterable[PublishedTable], warning: str | None) -> str:
    """Every figure (changes aside) unsuppressed, with the counts and event ids behind it."""
    out = io.StringIO()
    if warning:
        out.write(f"# {warning}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "measure", "value", "counts", "published", "event_ids"])
    for published in shown:
        table = published.table
        for r, row in enumerate(table.rows):
            for m, (measure, figure) in enumerate(zip(table.measures, row.figures, strict=True)):
                if measure.endswith(" change"):
                    continue
                writer.writerow(
                    [
                        table.key,
                        " / ".join(row.labels),
                        measure,
                        exact(figure),
                        " ".join(map(str, figure.basis)),
                        published.text(r, m),
                        " ".join(figure.event_ids),
                    ]
                )
    return out.getvalue()


def _finding_rows(run: EvaluationRun) -> str:
    """The drill-down rows of the year's findings: part, source role, date and event id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for finding in run.evaluation.findings:
        held = finding.held_on.isoformat()
        writer.writerow(
            ["findings", finding.part, finding.source_role, held, "", "", finding.stamp.event_id]
        )
    return out.getvalue()


def write_report(
    run: EvaluationRun,
    out: Path,
    *,
    language: Language = "nl",
    read: SummaryReader | None = None,
) -> list[Path]:
    """Write the report into ``out`` (created if missing); return the files written.

    ``read`` decrypts the summaries of the year's findings (with the hub's keys); without
    it the report says they cannot be read here.
    """
    warning = csv_warning(run.provenance)
    shown = published_tables(run)
    files = {f"tables/{key}.csv": table_csv(table, warning) for key, table in shown.items()}
    files[DRILLDOWN] = drilldown_csv(shown.values(), warning) + _finding_rows(run)
    files |= document_files(annual_document(run, speech_in(language), read))
    return write_files(files, out)


def document_files(document: Document) -> dict[str, str]:
    """The pages of a document and its charts, by file name."""
    files = {t.chart_file: t.chart_svg for t in document.tables() if t.chart_svg and t.chart_file}
    files["report.md"] = markdown_page(document)
    files["report.html"] = html_page(document)
    return files


def write_files(files: dict[str, str], out: Path) -> list[Path]:
    """Write ``files`` (by relative name) and SHA256SUMS over them; return the paths written."""
    files = dict(files)
    files[SUMS] = "".join(
        f"{hashlib.sha256(text.encode()).hexdigest()}  {name}\n"
        for name, text in sorted(files.items())
    )
    written = []
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
