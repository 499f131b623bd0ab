"""The evaluation report on disk: HTML with charts, the same in Markdown, CSVs, a drill-down.

``write_report`` writes into one folder::

    report.html             the five parts, tables and charts (SVG inline)
    report.md               the same in Markdown (charts linked from charts/)
    tables/<part.table>.csv one CSV per table, as published (small counts suppressed)
    charts/<part.table>.svg the charts
    drilldown-internal.csv  every figure unsuppressed, with the event ids behind it
    SHA256SUMS              the SHA-256 of every file above

Nothing in it depends on the moment or the machine it was built on, so building it twice
from the same history gives the same bytes. An unverified build says so on the first line
of every file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

from ketenhub.evaluation import Table, exact, published
from replay.charts import chart_svg
from replay.pipeline import EvaluationRun
from replay.report_pages import html_page, markdown_page

DRILLDOWN = "drilldown-internal.csv"
SUMS = "SHA256SUMS"


def unverified_line(run: EvaluationRun) -> str | None:
    """The warning every file of an unverified report starts with, or None when verified."""
    prov = run.provenance
    if prov.verified:
        return None
    skipped = (
        f"; {prov.skipped} record(s) could not be decoded and were left out" if prov.skipped else ""
    )
    return f"UNVERIFIED - built with --allow-unverified although {prov.failure}{skipped}"


def provenance_lines(run: EvaluationRun) -> list[tuple[str, str]]:
    """What the report was built on, as (label, text) pairs."""
    prov, evaluation = run.provenance, run.evaluation
    lines = [("Year", f"{evaluation.year} (events selected by when they occurred, UTC)")]
    if evaluation.baseline is not None:
        lines.append(("Baseline (nulmeting)", str(evaluation.baseline)))
    lines.append(("Verification", _verification_text(run)))
    schemas = ", ".join(f"{s.name} v{s.version} ({s.fingerprint.hex()})" for s in prov.schemas)
    lines.append(("Schemas read (CRC-64-AVRO fingerprints)", schemas or "none"))
    lines.append(("Computed by", prov.code_version))
    threshold = evaluation.settings.min_count
    lines.append(
        (
            "Suppression",
            f"counts about people or cases below {threshold} (but not 0) are shown as <{threshold}; "
            f"medians, percentiles and shares resting on such counts as n<{threshold}",
        )
    )
    lines.append(("Percentiles", "linear interpolation between closest ranks (Hyndman-Fan 7)"))
    return lines


def _verification_text(run: EvaluationRun) -> str:
    prov = run.provenance
    if not prov.verified or prov.verification is None:
        return f"FAILED: {prov.failure}"
    check = prov.verification
    text = f"{check.records} sealed records, hash chain intact, {check.checkpoints} signed checkpoint(s) verified"
    if check.checkpoint is not None:
        signed = dt.datetime.fromtimestamp(check.checkpoint.signed_at_us / 1e6, dt.UTC)
        text += (
            f"; verified against the checkpoint of tree size {check.checkpoint.tree_size}, signed "
            f"root {check.checkpoint.root.hex()}, key {check.checkpoint.key_id}, signed "
            f"{signed.isoformat(timespec='seconds')}"
        )
    if check.unsigned_tail:
        text += f"; {check.unsigned_tail} record(s) after it are verified by the hash chain only"
    return text


def table_csv(table: Table, min_count: int, warning: str | None) -> str:
    """One table as published: labels, then each measure's text (suppressed where needed)."""
    out = io.StringIO()
    if warning:
        out.write(f"# {warning}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*table.dims, *table.measures])
    for row in table.rows:
        writer.writerow([*row.labels, *(published(f, min_count) for f in row.figures)])
    return out.getvalue()


def drilldown_csv(run: EvaluationRun, warning: str | None) -> str:
    """Every figure (changes aside) unsuppressed, with the counts and event ids behind it."""
    out = io.StringIO()
    if warning:
        out.write(f"# {warning}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "measure", "value", "counts", "published", "event_ids"])
    threshold = run.evaluation.settings.min_count
    for table in run.evaluation.tables:
        for row in table.rows:
            for measure, figure in zip(table.measures, row.figures, strict=True):
                if measure.endswith(" change"):
                    continue
                writer.writerow(
                    [
                        table.key,
                        " / ".join(row.labels),
                        measure,
                        exact(figure),
                        " ".join(map(str, figure.basis)),
                        published(figure, threshold),
                        " ".join(figure.event_ids),
                    ]
                )
    return out.getvalue()


def write_report(run: EvaluationRun, out: Path) -> list[Path]:
    """Write the report into ``out`` (created if missing); return the files written."""
    threshold = run.evaluation.settings.min_count
    warning = unverified_line(run)
    files: dict[str, str] = {}
    charts: dict[str, str] = {}
    for table in run.evaluation.tables:
        files[f"tables/{table.key}.csv"] = table_csv(table, threshold, warning)
        svg = chart_svg(table, threshold, unverified=warning is not None)
        if svg is not None:
            charts[table.key] = svg
            files[f"charts/{table.key}.svg"] = svg
    files[DRILLDOWN] = drilldown_csv(run, warning)
    files["report.md"] = markdown_page(run, provenance_lines(run), warning)
    files["report.html"] = html_page(run, provenance_lines(run), warning, charts)
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
