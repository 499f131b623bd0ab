"""The words of the evaluation in Dutch and English: parts, tables, dimensions, measures, phrases.

Read from ``wording.toml`` beside this module. Codes in rows are not worded here: a dimension
names the code list of ``ketenhub/config/labels.toml`` its rows come from, and the report
labels them from there. A missing entry reads as its key, so a new table never breaks a
report; a test keeps every table, dimension, measure and indicator worded in both languages.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Language = Literal["nl", "en"]
WORDING_FILE = "wording.toml"


class _Blank(dict[str, str]):
    """Format arguments that leave an unknown placeholder as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Words:
    """The evaluation's words in one language."""

    language: Language
    document: Mapping[str, Any]

    def _pick(self, section: str, key: str, **params: object) -> str:
        entry = self.document.get(section, {}).get(key)
        found = entry.get(self.language) if isinstance(entry, dict) else None
        if not isinstance(found, str):
            return key
        return found.format_map(_Blank({k: str(v) for k, v in params.items()}))

    def has(self, section: str, key: str) -> bool:
        """Whether ``section`` words ``key`` in this language."""
        entry = self.document.get(section, {}).get(key)
        return isinstance(entry, dict) and isinstance(entry.get(self.language), str)

    def part(self, key: str) -> str:
        """A part's title in the policy plan's words."""
        return self._pick("parts", key)

    def section(self, key: str) -> str:
        """The heading of a section of the report (efficiency, effectiveness)."""
        return self._pick("sections", key)

    def table_title(self, key: str, **params: object) -> str:
        """A table's title."""
        return self._table(key, "title", params)

    def table_note(self, key: str, **params: object) -> str:
        """A table's note (how it is counted)."""
        return self._table(key, "note", params)

    def _table(self, key: str, field: str, params: Mapping[str, object]) -> str:
        entry = self.document.get("tables", {}).get(key, {}).get(field, {})
        found = entry.get(self.language) if isinstance(entry, dict) else None
        if not isinstance(found, str):
            return key if field == "title" else ""
        return found.format_map(_Blank({k: str(v) for k, v in params.items()}))

    def dim(self, name: str) -> str:
        """A dimension's heading."""
        return self._pick("dims", name)

    def codes_of(self, dim: str) -> str | None:
        """The code list a dimension's row labels come from, if any."""
        entry = self.document.get("dims", {}).get(dim)
        codes = entry.get("codes") if isinstance(entry, dict) else None
        return codes if isinstance(codes, str) else None

    def measure(self, name: str, **params: object) -> str:
        """A measure's column name."""
        return self._pick("measures", name, **params)

    def word(self, key: str) -> str:
        """A word that is no code: the total row, yes and no."""
        return self._pick("words", key)

    def indicator(self, key: str, **params: object) -> str:
        """An indicator's name (``code`` fills ``{code}`` for one row per code)."""
        return self._pick("indicators", key, **params)

    def phrase(self, key: str, **params: object) -> str:
        """One of the report's own phrases."""
        return self._pick("report", key, **params)


@cache
def _document() -> Mapping[str, Any]:
    text = resources.files(__package__).joinpath(WORDING_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def words(language: Language) -> Words:
    """The evaluation's shipped words in ``language``."""
    return Words(language, _document())
