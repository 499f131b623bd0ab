"""The pages of the evaluation report: one HTML page and one Markdown page with the same content."""

from __future__ import annotations

import html

from ketenhub.evaluation import PARTS, Table, published
from replay.pipeline import EvaluationRun

NO_DATA = "\u2013"  # an en dash: no value (nothing to measure in that year)
CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5rem 0 0.25rem; font-size: 0.85rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.2rem 0.45rem; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef2f6; text-align: left; }
dl.provenance dt { font-weight: bold; margin-top: 0.4rem; }
dl.provenance dd { margin-left: 1rem; word-break: break-all; }
p.note { font-size: 0.8rem; color: #555; margin-top: 0; }
.unverified { background: #b00020; color: white; padding: 0.6rem 1rem; font-weight: bold; }
figure { margin: 0.5rem 0; }
"""


def _heading(run: EvaluationRun) -> str:
    evaluation = run.evaluation
    against = f" against the baseline {evaluation.baseline}" if evaluation.baseline else ""
    return f"Annual evaluation of the approach to human trafficking {evaluation.year}{against}"


def _parts(run: EvaluationRun) -> list[tuple[str, list[Table]]]:
    return [
        (part.title, [t for t in run.evaluation.tables if t.part == part.key]) for part in PARTS
    ]


def markdown_page(
    run: EvaluationRun, provenance: list[tuple[str, str]], warning: str | None
) -> str:
    """The report as Markdown; tables as pipe tables, charts linked from ``charts/``."""
    lines = [f"**{warning}**", ""] if warning else []
    lines += [f"# {_heading(run)}", "", "## What this report is built on", ""]
    lines += [f"- **{label}:** {text}" for label, text in provenance]
    threshold = run.evaluation.settings.min_count
    for title, tables in _parts(run):
        lines += ["", f"## {title}"]
        for table in tables:
            lines += ["", f"### {table.title}", ""]
            if table.chart:
                lines += [f"![{table.title}](charts/{table.key}.svg)", ""]
            lines.append("| " + " | ".join(_md(c) for c in (*table.dims, *table.measures)) + " |")
            lines.append("|" + "---|" * len(table.dims) + "---:|" * len(table.measures))
            for row in table.rows:
                cells = [*row.labels, *(published(f, threshold) or NO_DATA for f in row.figures)]
                lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
            lines += ["", f"*{_md(table.note)} Table `tables/{table.key}.csv`.*"]
    if warning:
        lines += ["", f"**{warning}**"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


def html_page(
    run: EvaluationRun,
    provenance: list[tuple[str, str]],
    warning: str | None,
    charts: dict[str, str],
) -> str:
    """The report as one self-contained HTML page with the charts inline."""
    banner = f'<p class="unverified">{html.escape(warning)}</p>\n' if warning else ""
    heading = html.escape(_heading(run))
    body = [banner, f"<h1>{heading}</h1>", "<h2>What this report is built on</h2>"]
    body.append('<dl class="provenance">')
    for label, text in provenance:
        body.append(f"<dt>{html.escape(label)}</dt><dd>{html.escape(text)}</dd>")
    body.append("</dl>")
    for title, tables in _parts(run):
        body.append(f"<h2>{html.escape(title)}</h2>")
        for table in tables:
            body += _html_table(table, run.evaluation.settings.min_count, charts.get(table.key))
    body.append(banner)
    title = ("UNVERIFIED - " if warning else "") + heading
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _html_table(table: Table, threshold: int, svg: str | None) -> list[str]:
    out = [f'<h3 id="{table.key}">{html.escape(table.title)}</h3>']
    if svg is not None:
        out.append(f"<figure>{_inline(svg)}</figure>")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in (*table.dims, *table.measures))
    out.append(f"<table>\n<tr>{head}</tr>")
    for row in table.rows:
        labels = "".join(f"<th>{html.escape(label)}</th>" for label in row.labels)
        cells = "".join(
            f'<td class="n">{html.escape(published(f, threshold) or NO_DATA)}</td>'
            for f in row.figures
        )
        out.append(f"<tr>{labels}{cells}</tr>")
    out.append("</table>")
    note = f"{table.note} " if table.note else ""
    out.append(f'<p class="note">{html.escape(note)}CSV: tables/{html.escape(table.key)}.csv</p>')
    return out


def _inline(svg: str) -> str:
    """An SVG document without its XML prolog, for use inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
