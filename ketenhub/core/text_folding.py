"""Folding text to plain ASCII notation before it is searched, keeping where each character came from.

People (and those who want to slip a number past a check) write digits and signs in many
Unicode forms: fullwidth digits (U+FF10-U+FF19), digits of other scripts, an en dash or
a non-breaking hyphen between groups, a fullwidth at sign (U+FF20) for ``@``, a zero-width
space inside a number.
``fold`` rewrites a text into the notation the detection patterns read:

- every character is NFKC-normalised (fullwidth and compatibility forms become ASCII);
- every dash (Unicode category Pd) and the minus sign become ``-``;
- every decimal digit of any script becomes its ASCII digit;
- format characters (category Cf: zero-width spaces and joiners, soft hyphens), combining
  marks and control characters other than whitespace are dropped.

The folded text keeps, per character, the index of the original character it came from,
so that a span found in the folded text is replaced in the original (``original_span``).
Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_PLAIN = re.compile(r"[\x20-\x7e\t\n\r]+")  # already in the notation searched: kept as is
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc", "Cs", "Co", "Cn"})
_MINUS_SIGN = "\u2212"


@dataclass(frozen=True)
class FoldedText:
    """A text in searchable notation and, unless nothing changed, the origin of each character."""

    text: str
    origin: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that folded characters ``start:end`` came from."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> FoldedText:
    """``text`` in the notation the patterns read (see the module docstring), with its origins."""
    if _PLAIN.fullmatch(text) is not None or not text:
        return FoldedText(text)
    folded: list[str] = []
    origin: list[int] = []
    position = 0
    while position < len(text):
        plain = _PLAIN.match(text, position)
        if plain is not None:
            folded.append(plain.group())
            origin.extend(range(plain.start(), plain.end()))
            position = plain.end()
            continue
        for char in _fold_char(text[position]):
            folded.append(char)
            origin.append(position)
        position += 1
    return FoldedText("".join(folded), tuple(origin))


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char.isspace():
        return " "
    return "".join(_plain_char(c) for c in unicodedata.normalize("NFKC", char))


def _plain_char(char: str) -> str:
    if char.isascii() and (char.isprintable() or char.isspace()):
        return char
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    if category == "Pd" or char == _MINUS_SIGN:
        return "-"
    if category == "Nd":
        return str(unicodedata.digit(char))
    if category in _DROPPED_CATEGORIES:
        return ""
    return char
