"""The report as a document: sections of text, tables and charts, rendered as HTML and Markdown.

Building the content once (in the report's language, codes already labelled, small counts
already hidden) and rendering it twice keeps the HTML page and the Markdown page the same
report. Nothing here knows about events or figures: only text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Head:
    """A header cell: its text, and how many columns and header rows it spans."""

    text: str
    span: int = 1
    rows: int = 1


@dataclass(frozen=True)
class Cell:
    """A body cell: its text, whether it is a row label, and whether it holds a number."""

    text: str
    label: bool = False
    number: bool = True


@dataclass(frozen=True)
class TextTable:
    """A table ready to show: header rows, body rows, a note, and its chart if any."""

    id: str
    title: str
    head: tuple[tuple[Head, ...], ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    csv: str = ""
    chart_svg: str | None = None
    chart_file: str = ""
    empty: str = ""
    """What to say instead of the table when it has no rows."""
    kind: str = ""
    """What kind of table it is (``indicators``), for its style."""

    @property
    def flat_head(self) -> tuple[str, ...]:
        """One header row (for Markdown): spanned headers joined with the header below them."""
        if len(self.head) == 1:
            return tuple(h.text for h in self.head[0])
        bottom = iter(self.head[1])
        flat: list[str] = []
        for head in self.head[0]:
            if head.rows > 1:
                flat.append(head.text)
                continue
            flat += [f"{head.text} {next(bottom).text}" for _ in range(head.span)]
        return tuple(flat)


@dataclass(frozen=True)
class Finding:
    """A finding from an interview: who said it, when, and what."""

    source: str
    date: str
    text: str


@dataclass(frozen=True)
class Terms:
    """A list of terms and their descriptions (the provenance)."""

    items: tuple[tuple[str, str], ...]


Block = TextTable | Finding | Terms | str  # a str is a paragraph


@dataclass(frozen=True)
class Section:
    """A section of the report: a heading, its blocks, and subsections."""

    id: str
    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()
    new_page: bool = False


@dataclass(frozen=True)
class Document:
    """A whole report: its language, title, subtitle, warning (if unverified) and sections."""

    language: str
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    warning: str | None = None

    def tables(self) -> list[TextTable]:
        """Every table of the document, in order."""
        found: list[TextTable] = []
        pending = list(self.sections)
        while pending:
            section = pending.pop(0)
            found += [b for b in section.blocks if isinstance(b, TextTable)]
            pending = list(section.subsections) + pending
        return found
