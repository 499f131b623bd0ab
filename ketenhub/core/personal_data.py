"""Detection of direct identifiers in text: Dutch citizen service numbers, e-mail addresses, phones.

A field that is neither encrypted free text nor a closed code must not hold a direct
identifier; the hub refuses it (``PERSONAL_DATA_IN_FIELD``) and the anonymous-tip
connector redacts it. Recognised, also when written the way people write them by hand:

- a BSN: 8 or 9 digits that pass the eleven-test (elfproef), also grouped with spaces or
  dots (``111 222 333``, ``1112.22.333``); an 8-digit run that is a calendar date is not one;
- an e-mail address, also obfuscated: ``name [at] domain.nl``, ``name @ domain.nl``,
  ``name(at)domain.nl``, ``domain [dot] nl``;
- a Dutch phone number (``0612345678``, ``06-12345678``, ``(06) 12345678``,
  ``06 - 12 34 56 78``, ``070-1234567``) or an international one (``+31 6-1234-5678``,
  ``0031 6 12345678``, ``+48 601 234 567``).

Dates, ISO times, UUIDs and long hexadecimal tokens are set aside before the search, so
they are never mistaken for one; a four-digit postcode area, a CBS code like ``GM1916``, a
year or a count is too short to be one. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

REDACTED = "[removed]"


class PersonalDataKind(enum.StrEnum):
    """The kind of direct identifier found in a text."""

    BSN = "BSN"
    EMAIL = "EMAIL"
    PHONE = "PHONE"

    @property
    def description(self) -> str:
        """What this kind is called in a message to a partner's engineer."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    PersonalDataKind.BSN: "citizen service number (BSN)",
    PersonalDataKind.EMAIL: "e-mail address",
    PersonalDataKind.PHONE: "phone number",
}


@dataclass(frozen=True)
class Finding:
    """Where in a text a direct identifier of some kind was found (the value is not kept)."""

    kind: PersonalDataKind
    start: int
    end: int


_MASK = "#"  # neither a digit, a letter, a separator nor part of an e-mail address
_SET_ASIDE = re.compile(
    r"""
    [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}        # UUID
    | (?<![0-9a-z])(?=[0-9a-f]*[a-f])[0-9a-f]{16,}(?![0-9a-z])          # hex token (digest)
    | (?<!\d)\d{4}-\d{2}-\d{2}                                          # ISO date ...
      (?:[T\x20]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?                    # ... and time
      (?:Z|[+-]\d{2}:?\d{2})?
    | (?<!\d)\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}(?!\d)               # Dutch date 3-11-2025
    | (?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)                             # clock time
    """,
    re.IGNORECASE | re.VERBOSE,
)
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|@|apenstaartje)\s*[\])}>]\s*)"
_DOT = r"(?:\.|\s*[\[({<]\s*(?:dot|punt)\s*[\])}>]\s*)"
_EMAIL = re.compile(
    rf"[\w.+%-]*\w{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,24}}(?![\w-])",
    re.IGNORECASE,
)
_GAP = r"[\s./()-]{0,3}"  # what people put between digits: spaces, dashes, dots, brackets
_PHONE = re.compile(
    rf"""
    (?<![\w+])(?:\+|00)\s?31{_GAP}(?:\(0\){_GAP})?[1-9](?:{_GAP}\d){{8}}(?!\d)      # +31 6 ...
    | (?<![\w+])(?:\+|00)\s?[1-9]\d{{0,2}}{_GAP}(?:\(0\){_GAP})?\d(?:{_GAP}\d){{6,11}}(?!\d)
    | (?<![\w+])\(?0[1-9](?:{_GAP}\d){{8}}(?!\d)                                  # 06 / 070 ...
    """,
    re.VERBOSE,
)
_BSN = re.compile(
    r"""
    (?<!\d)(?<!\d[.,])
    (?:\d{8,9}
      | \d{3}(?P<a>[\x20.])\d{3}(?P=a)\d{3}
      | \d{4}(?P<b>[\x20.])\d{2}(?P=b)\d{3}
      | \d{2}(?P<c>[\x20.])\d{3}(?P=c)\d{2}(?P=c)\d{2})
    (?!\d)(?![.,]\d)
    """,
    re.VERBOSE,
)


def find_personal_data(text: str) -> PersonalDataKind | None:
    """Return the kind of the first direct identifier in ``text``, or None if it holds none."""
    findings = personal_data_in(text)
    return findings[0].kind if findings else None


def redact(text: str) -> tuple[str, int]:
    """Replace every BSN, e-mail address and phone number by ``[removed]``; return text and count."""
    findings = personal_data_in(text)
    for finding in reversed(findings):
        text = text[: finding.start] + REDACTED + text[finding.end :]
    return text, len(findings)


def personal_data_in(text: str) -> list[Finding]:
    """Every direct identifier in ``text``, in order of position, none overlapping."""
    searched = _SET_ASIDE.sub(lambda match: _MASK * len(match.group()), text)
    findings: list[Finding] = []
    for kind, pattern in (
        (PersonalDataKind.EMAIL, _EMAIL),
        (PersonalDataKind.PHONE, _PHONE),
        (PersonalDataKind.BSN, _BSN),
    ):
        for match in pattern.finditer(searched):
            if kind is PersonalDataKind.BSN and not _is_bsn(match.group()):
                continue
            findings.append(Finding(kind, match.start(), match.end()))
        for found in findings:
            searched = (
                searched[: found.start] + _MASK * (found.end - found.start) + searched[found.end :]
            )
    return sorted(findings, key=lambda found: found.start)


def passes_eleven_test(digits: str) -> bool:
    """Whether 8 or 9 digits pass the BSN eleven-test (an 8-digit number has a leading 0)."""
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    padded = digits.zfill(9)
    total = sum(int(d) * w for d, w in zip(padded[:8], range(9, 1, -1), strict=True))
    total -= int(padded[8])
    return total % 11 == 0 and int(padded) != 0


def _is_bsn(written: str) -> bool:
    digits = re.sub(r"[ .]", "", written)
    return passes_eleven_test(digits) and not (len(digits) == 8 and _is_compact_date(digits))


def _is_compact_date(digits: str) -> bool:
    """Whether 8 digits read as a date YYYYMMDD in 1900-2099 (a compact date, not a BSN)."""
    if digits[:2] not in ("19", "20"):
        return False
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True
