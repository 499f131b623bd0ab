"""The pages of a report: one self-contained HTML page and one Markdown page of the same document.

The HTML page carries its styles (no assets from elsewhere) for the screen and for print on
A4: wide tables wrap their headings and shrink to the page, each part starts a new page, a
table or chart is not split over two pages. The Markdown page renders cleanly as it is: notes
are plain text, ``<5`` stays ``<5``, only ``|`` is escaped in cells.
"""

from __future__ import annotations

import html

from replay.report_document import (
    Block,
    Cell,
    Document,
    Finding,
    Head,
    Section,
    Terms,
    TextTable,
)

CSS = """
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; max-width: 62rem;
       margin: 1.5rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.4; font-size: 15px; }
header.cover { border-bottom: 3px solid #1f5f99; margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.2rem; }
p.subtitle { margin: 0 0 0.6rem; color: #444; font-size: 1.05rem; }
h2 { font-size: 1.3rem; color: #1f5f99; border-bottom: 1px solid #c8d4e3; padding-bottom: 0.1rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.3rem; }
h4 { font-size: 0.95rem; margin: 1rem 0 0.3rem; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 0.3rem 0 0.2rem; font-size: 0.8rem; max-width: 100%; }
th, td { border: 1px solid #c8c8c8; padding: 0.15rem 0.35rem; vertical-align: top; }
thead th { background: #eef2f6; text-align: left; font-weight: 600; overflow-wrap: break-word;
           hyphens: auto; }
tbody th { text-align: left; font-weight: normal; background: #fafbfc; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.indicators, table.trend { width: 100%; font-size: 0.85rem; }
table.indicators { table-layout: fixed; }
table.indicators thead th:first-child { width: 50%; }
table.trend tbody th { width: 45%; }
p.note { font-size: 0.78rem; color: #555; margin: 0.1rem 0 0.8rem; }
p.empty { font-style: italic; color: #555; }
figure.chart { margin: 0.4rem 0; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
blockquote.finding { margin: 0.5rem 0; padding: 0.3rem 0.8rem; border-left: 4px solid #8fb3d9;
                     background: #f6f8fb; }
blockquote.finding p { margin: 0.2rem 0; }
blockquote.finding footer { font-size: 0.8rem; color: #555; }
dl.terms dt { font-weight: bold; margin-top: 0.4rem; }
dl.terms dd { margin-left: 1rem; overflow-wrap: anywhere; }
.unverified { background: #b00020; color: white; padding: 0.6rem 1rem; font-weight: bold; }
@page { size: A4; margin: 15mm 13mm 15mm 13mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  table { font-size: 7.5pt; }
  .table-wrap { overflow: visible; }
  section.new-page { break-before: page; }
  table, figure.chart, blockquote.finding { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  .unverified { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def html_page(document: Document) -> str:
    """The document as one self-contained HTML page with its charts inline."""
    banner = (
        f'<p class="unverified">{html.escape(document.warning)}</p>\n' if document.warning else ""
    )
    body = [banner, '<header class="cover">', f"<h1>{html.escape(document.title)}</h1>"]
    if document.subtitle:
        body.append(f'<p class="subtitle">{html.escape(document.subtitle)}</p>')
    body.append("</header>")
    for section in document.sections:
        body += _html_section(section, 2)
    body.append(banner)
    title = html.escape(
        (f"{document.warning.split(' - ')[0]} - " if document.warning else "") + document.title
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{document.language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(line for line in body if line)
        + "\n</body>\n</html>\n"
    )


def _html_section(section: Section, level: int) -> list[str]:
    classes = ' class="new-page"' if section.new_page else ""
    out = [f'<section id="{section.id}"{classes}>']
    out.append(f"<h{level}>{html.escape(section.title)}</h{level}>")
    for block in section.blocks:
        out += _html_block(block, level + 1)
    for sub in section.subsections:
        out += _html_section(sub, level + 1)
    out.append("</section>")
    return out


def _html_block(block: Block, level: int) -> list[str]:
    if isinstance(block, str):
        return [f"<p>{html.escape(block)}</p>"]
    if isinstance(block, Finding):
        return [
            '<blockquote class="finding">',
            f"<p>{html.escape(block.text)}</p>",
            f"<footer>{html.escape(block.source)}, {html.escape(block.date)}</footer>",
            "</blockquote>",
        ]
    if isinstance(block, Terms):
        items = "".join(
            f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>"
            for term, text in block.items
        )
        return [f'<dl class="terms">{items}</dl>']
    return _html_table(block, min(level, 4))


def _html_table(table: TextTable, level: int) -> list[str]:
    out = [f'<h{level} id="{html.escape(table.id)}">{html.escape(table.title)}</h{level}>']
    if not table.rows:
        out.append(f'<p class="empty">{html.escape(table.empty)}</p>')
        return out
    if table.chart_svg is not None:
        out.append(f'<figure class="chart">{_inline(table.chart_svg)}</figure>')
    kind = f' class="{table.kind}"' if table.kind else ""
    out.append(f'<div class="table-wrap"><table{kind}>')
    out.append("<thead>")
    for heads in table.head:
        cells = "".join(_html_head(h) for h in heads)
        out.append(f"<tr>{cells}</tr>")
    out.append("</thead><tbody>")
    for row in table.rows:
        out.append("<tr>" + "".join(_html_cell(cell) for cell in row) + "</tr>")
    out.append("</tbody></table></div>")
    note = " ".join(part for part in (table.note, _csv(table)) if part)
    if note:
        out.append(f'<p class="note">{html.escape(note)}</p>')
    return out


def _html_head(head: Head) -> str:
    span = f' colspan="{head.span}"' if head.span > 1 else ""
    span += f' rowspan="{head.rows}"' if head.rows > 1 else ""
    return f'<th scope="col"{span}>{html.escape(head.text)}</th>'


def _html_cell(cell: Cell) -> str:
    if cell.label:
        return f'<th scope="row">{html.escape(cell.text)}</th>'
    return f'<td class="n">{html.escape(cell.text)}</td>'


def _csv(table: TextTable) -> str:
    return f"CSV: {table.csv}" if table.csv else ""


def _inline(svg: str) -> str:
    """An SVG document without its XML prolog, for use inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def markdown_page(document: Document) -> str:
    """The document as Markdown: pipe tables, charts linked from ``charts/``, notes as text."""
    lines = [f"**{document.warning}**", ""] if document.warning else []
    lines += [f"# {document.title}", ""]
    if document.subtitle:
        lines += [document.subtitle, ""]
    for section in document.sections:
        lines += _md_section(section, 2)
    if document.warning:
        lines += [f"**{document.warning}**", ""]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _md_section(section: Section, level: int) -> list[str]:
    lines = [f"{'#' * level} {section.title}", ""]
    for block in section.blocks:
        lines += _md_block(block, level + 1)
    for sub in section.subsections:
        lines += _md_section(sub, level + 1)
    return lines


def _md_block(block: Block, level: int) -> list[str]:
    if isinstance(block, str):
        return [block, ""]
    if isinstance(block, Finding):
        return [f"> {block.text}", ">", f"> — {block.source}, {block.date}", ""]
    if isinstance(block, Terms):
        return [*(f"- **{term}:** {text}" for term, text in block.items), ""]
    return _md_table(block, min(level, 4))


def _md_table(table: TextTable, level: int) -> list[str]:
    lines = [f"{'#' * level} {table.title}", ""]
    if not table.rows:
        return [*lines, table.empty, ""]
    if table.chart_file:
        lines += [f"![{_md(table.title)}]({table.chart_file})", ""]
    lines.append("| " + " | ".join(_md(c) for c in table.flat_head) + " |")
    lines.append(
        "|" + "".join("---:|" if c.number and not c.label else "---|" for c in table.rows[0])
    )
    for row in table.rows:
        lines.append("| " + " | ".join(_md(c.text) for c in row) + " |")
    note = " ".join(part for part in (table.note, _csv(table)) if part)
    return [*lines, "", note, ""] if note else [*lines, ""]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "
