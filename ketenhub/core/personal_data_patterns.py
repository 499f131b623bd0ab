"""The written forms of direct identifiers that ``personal_data`` searches for, as patterns.

The patterns read folded text (``text_folding``: ASCII digits and dashes, no invisible
characters). Every repetition is bounded or anchored at the start of a token, so a search
stays linear in the length of the text, also for long adversarial input. Pure: no I/O.

Phone numbers count in their conventional groupings only, so that ids and references made
of digit groups (``visit-01-2025-0003``, ``case-0042-2025-0001``) are not mistaken for one:

- national: 10 digits starting with ``0`` and a non-zero digit, glued (``0612345678``), or an
  area code of 2-4 digits (``06``, ``070``, ``0123``, also in brackets) and a subscriber
  number that does not start with ``0``, written as one group (``06-12345678``), in groups
  separated by spaces (``06 12 34 56 78``, ``(070) 123 4567``), or in pairs after a first
  group (``06-12-34-56-78``, ``010-123-45-67``);
- international: ``+`` and a country code in any grouping; ``0031`` or ``31`` and a Dutch
  number (``0031612345678``, ``31612345678``); ``00`` and another country code glued or
  grouped with spaces (``0048 601 234 567``).
"""

from __future__ import annotations

import re

from ketenhub.core.privacy import PSEUDONYM_HEX_LENGTH, PSEUDONYM_PREFIX

MASK = "#"  # neither a digit, a letter, a separator nor part of an e-mail address

UUID = re.compile(
    r"(?<![0-9a-z])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-(?P<last>[0-9a-f]{12})(?![0-9a-z])",
    re.IGNORECASE,
)
_PSEUDONYM = rf"(?<![0-9a-z]){PSEUDONYM_PREFIX}[0-9a-f]{{{PSEUDONYM_HEX_LENGTH}}}(?![0-9a-z])"
SET_ASIDE = re.compile(
    _PSEUDONYM  # a keyed pseudonym: the hub's own format, checked as such
    + r"""
    | (?<![0-9a-z])(?=[0-9a-f]*[a-f])(?![0-9a-f]*?[0-9]{8})[0-9a-f]{16,}(?![0-9a-z])  # hex digest
    | (?<![0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}                                # ISO date ...
      (?:[T\x20][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?        # ... time ...
         (?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?                             # ... zone after a time
      (?![0-9])
    | (?<![0-9])[0-9]{1,2}(?P<sep>[-/.])[0-9]{1,2}(?P=sep)(?:19|20)[0-9]{2}(?![0-9])  # 3-11-2025
    | (?<![0-9])[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?![0-9])                 # clock time
    | (?<![0-9a-z])(?-i:GM[0-9]{4}|WK[0-9]{6}|BU[0-9]{8})(?![0-9])          # CBS area codes
    """,
    re.IGNORECASE | re.VERBOSE,
)

_LOCAL = r"(?<![\w.+%-])[\w.+%-]*\w"  # starts where a token starts: one attempt per token
_LABEL = r"[\w-]+"
_OPEN, _CLOSE = r"\s{0,3}[\[({<]\s{0,3}", r"\s{0,3}[\])}>]\s{0,3}"
_AT = rf"(?:\s{{0,3}}@\s{{0,3}}|{_OPEN}(?:at|a|@|apenstaartje){_CLOSE})"
_SPELLED_DOT = rf"(?:{_OPEN}(?:dot|punt|\.){_CLOSE}|\s{{1,3}}(?:dot|punt)\s{{1,3}})"
_DOT = rf"(?:\.|{_SPELLED_DOT})"
_BARE_AT = r"\s{1,3}(?:at|apenstaartje)\s{1,3}"
# after a bare "at", only a spelled dot and a known top-level domain make an address:
# "kees at werk dot nl" is one, "works at bol.com" or "he at bread" is not
_KNOWN_TLD = r"(?:[a-z]{2}|com|net|org|info|biz|edu|gov|mobi|online|email|mail)"
EMAIL = re.compile(
    rf"""
    {_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[a-z]{{2,24}}(?![\w-])
    | {_LOCAL}{_BARE_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_SPELLED_DOT}{_KNOWN_TLD}(?![\w-])
    """,
    re.IGNORECASE | re.VERBOSE,
)

_GAP = r"[\s./()-]{0,3}"  # between digits of an international number: anything people put
_AREA_GAP = r"(?:\s{0,3}[-/.]\s{0,3}|\s{1,3})"
_BRACKET_GAP = r"\s{0,3}(?:[-/.]\s{0,3})?"


def _subscriber(digits: int) -> str:
    """A subscriber number of ``digits`` digits: spaced in any groups, or in pairs after a first group."""
    first = 2 if digits % 2 == 0 else 3
    pairs = (digits - first) // 2
    return (
        rf"(?:[1-9](?:\s{{0,3}}[0-9]){{{digits - 1}}}"
        rf"|[1-9][0-9]{{{first - 1}}}(?:[-./][0-9]{{2}}){{{pairs}}})"
    )


def _national() -> str:
    by_area = []
    for area in (2, 3, 4):
        code = rf"0[1-9][0-9]{{{area - 2}}}"
        subscriber = _subscriber(10 - area)
        by_area.append(rf"\(\s?{code}\s?\){_BRACKET_GAP}{subscriber}")
        by_area.append(rf"{code}{_AREA_GAP}{subscriber}")
    return "|".join(["0[1-9][0-9]{8}", *by_area])


PHONE = re.compile(
    rf"""
    (?<![0-9+])
    (?:(?:\+\s?|00\s?)31{_GAP}(?:\(0\){_GAP})?[1-9](?:{_GAP}[0-9]){{8}}          # +31 6 1234 5678
      | \+\s?[1-9][0-9]{{0,2}}{_GAP}(?:\(0\){_GAP})?[0-9](?:{_GAP}[0-9]){{6,11}}  # +48 601 234 567
      | 00\s?[1-9](?:\s{{0,3}}[0-9]){{9,13}}                                      # 0048 601 234 567
      | 31(?:[1-9][0-9]{{8}}|[-\x20]6[-\x20]?[0-9]{{8}})                           # 31612345678
      | {_national()})                                                            # 06-12345678
    (?![0-9])
    """,
    re.VERBOSE,
)

BSN = re.compile(
    r"""
    (?<![0-9])(?<![0-9][.,])
    (?:[0-9]{8,9}
      | [0-9]{3}[\x20./_-][0-9]{3}[\x20./_-][0-9]{3}
      | [0-9]{4}(?P<b>[\x20.])[0-9]{2}(?P=b)[0-9]{3}
      | [0-9]{2}(?P<c>[\x20.])[0-9]{3}(?P=c)[0-9]{2}(?P=c)[0-9]{2})
    (?![0-9])(?![.,][0-9])
    """,
    re.VERBOSE,
)
