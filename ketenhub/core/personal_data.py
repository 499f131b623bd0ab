"""Detection of direct identifiers in text: Dutch citizen service numbers, e-mail addresses, phones.

A field that is neither encrypted free text nor a closed code must not hold a direct
identifier; the hub refuses it (``PERSONAL_DATA_IN_FIELD``), ``publish`` and the SDK refuse
free text holding one, and the anonymous-tip connector redacts it. Recognised, also when
written the way people write them by hand or glued into an id:

- a BSN: 8 or 9 digits that pass the eleven-test (elfproef), also in groups of three
  separated by a space, dot, dash, slash or underscore (``111 222 333``, ``case-111-222-333``)
  or grouped with spaces or dots as printed (``1112.22.333``); an 8-digit run that is a
  calendar date (``20250103``, ``03012025``) is not one;
- an e-mail address, also obfuscated: ``name [at] domain.nl``, ``name @ domain.nl``,
  ``name(at)domain.nl``, ``name(a)domain.nl``, ``domain [dot] nl``, ``domain[.]nl``, and
  spelled out (``name at domain dot nl``, ``naam apenstaartje domein punt nl``);
- a Dutch phone number in its conventional groupings (``0612345678``, ``tel0612345678``,
  ``06-12345678``, ``(06) 12345678``, ``06 - 12 34 56 78``, ``070-1234567``,
  ``0123-456789``) or an international one (``+31 6-1234-5678``, ``0031 6 12345678``,
  ``31612345678``, ``+48 601 234 567``); see ``personal_data_patterns``.

Text is folded first (``text_folding``): fullwidth digits and at signs, en dashes and other dashes
count as their ASCII forms, and zero-width characters inside a number do not hide it.
Dates, ISO times, random UUIDs, CBS area codes and long hexadecimal digests are set aside
before the search, so they are never mistaken for one (a hexadecimal token holding a run
of 8 or more decimal digits is not a digest: it is searched); ids made of short digit
groups (``visit-01-2025-0003``, ``case-0042-2025-0001``), a four-digit postcode area, a
year or a count are not one. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ketenhub.core.personal_data_patterns import BSN, EMAIL, MASK, PHONE, SET_ASIDE, UUID
from ketenhub.core.text_folding import fold

REDACTED = "[removed]"
_EMAIL_SIGN = re.compile(r"[@\[({<]|\s")  # what every form of an e-mail address holds
_ASCII_DIGITS = "0123456789"
_FEWEST_DIGITS = 8  # the fewest digits of a BSN or any phone number the patterns match
_REMEMBERED_LENGTH = 64  # texts up to the length of an opaque id: their verdicts are kept


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


def find_personal_data(text: str) -> PersonalDataKind | None:
    """Return the kind of the first direct identifier in ``text``, or None if it holds none."""
    if len(text) <= _REMEMBERED_LENGTH:
        return _first_kind_remembered(text)
    return _first_kind(text)


def _first_kind(text: str) -> PersonalDataKind | None:
    findings = personal_data_in(text)
    return findings[0].kind if findings else None


@functools.lru_cache(maxsize=8192)
def _first_kind_remembered(text: str) -> PersonalDataKind | None:
    """``_first_kind`` of a short text (an id, a code), which events repeat: searched once."""
    return _first_kind(text)


def redact(text: str) -> tuple[str, int]:
    """Replace every BSN, e-mail address and phone number by ``[removed]``; return text and count."""
    findings = personal_data_in(text)
    pieces: list[str] = []
    position = 0
    for finding in findings:
        pieces.extend((text[position : finding.start], REDACTED))
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces), len(findings)


def personal_data_in(text: str) -> list[Finding]:
    """Every direct identifier in ``text``, in order of position, none overlapping.

    The spans are those of ``text`` as given: a number written with fullwidth digits, an en
    dash or a zero-width space inside is found in its folded form and reported where it
    stands in the original.
    """
    folded = fold(text)
    searched = folded.text
    if not _may_hold_personal_data(searched):
        return []
    findings = _uuid_findings(searched)
    searched = _masked(searched, [(m.start(), m.end()) for m in UUID.finditer(searched)])
    searched = _masked(searched, [(m.start(), m.end()) for m in SET_ASIDE.finditer(searched)])
    for kind, pattern in (
        (PersonalDataKind.EMAIL, EMAIL),
        (PersonalDataKind.PHONE, PHONE),
        (PersonalDataKind.BSN, BSN),
    ):
        spans = list(_matches(pattern, searched, is_bsn if kind is PersonalDataKind.BSN else None))
        findings.extend(Finding(kind, start, end) for start, end in spans)
        searched = _masked(searched, spans)
    return sorted(
        (Finding(f.kind, *folded.original_span(f.start, f.end)) for f in findings),
        key=lambda found: found.start,
    )


def _may_hold_personal_data(folded: str) -> bool:
    """Whether folded text could hold any identifier: every phone number and BSN pattern
    needs at least 8 ASCII digits, and every e-mail pattern an ``@``, a bracket or a space.
    Most strings (ids, codes, areas) have neither and skip the searches."""
    if _EMAIL_SIGN.search(folded) is not None:
        return True
    return sum(map(folded.count, _ASCII_DIGITS)) >= _FEWEST_DIGITS


def _matches(
    pattern: re.Pattern[str], text: str, accept: Callable[[str], bool] | None
) -> Iterator[tuple[int, int]]:
    """Spans of non-overlapping matches that ``accept`` accepts; a rejected match does not hide
    a candidate that starts inside it (``123-111-222-333`` still holds ``111-222-333``)."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if accept is None or accept(match.group()):
            yield match.start(), match.end()
            position = max(match.end(), match.start() + 1)
        else:
            position = match.start() + 1


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every span overwritten by the mask, so no later pattern reads into it."""
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        pieces.append(text[position:start])
        pieces.append(MASK * (end - start))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _uuid_findings(text: str) -> list[Finding]:
    """A UUID is set aside as random, unless its last group is a number padded with zeros
    (``00000000-0000-0000-0000-000111222333``): that number is a BSN or phone number or not."""
    findings = []
    for match in UUID.finditer(text):
        number = match.group("last").lstrip("0")
        if not number.isdigit():
            continue
        if is_bsn(number):
            findings.append(Finding(PersonalDataKind.BSN, match.start(), match.end()))
        elif PHONE.fullmatch(f"0{number}") or PHONE.fullmatch(number):
            findings.append(Finding(PersonalDataKind.PHONE, match.start(), match.end()))
    return findings


def passes_eleven_test(digits: str) -> bool:
    """Whether 8 or 9 digits pass the BSN eleven-test (an 8-digit number has a leading 0)."""
    if re.fullmatch(r"[0-9]{8,9}", digits) is None:
        return False
    padded = digits.zfill(9)
    total = sum(int(d) * w for d, w in zip(padded[:8], range(9, 1, -1), strict=True))
    total -= int(padded[8])
    return total % 11 == 0 and int(padded) != 0


def is_bsn(written: str) -> bool:
    """Whether ``written`` (digits, perhaps grouped by separators) is a BSN, not a compact date."""
    digits = re.sub(r"[^0-9]", "", written)
    return passes_eleven_test(digits) and not (len(digits) == 8 and _is_compact_date(digits))


def _is_compact_date(digits: str) -> bool:
    """Whether 8 digits read as a date YYYYMMDD or DDMMYYYY in 1900-2099 (not a BSN)."""
    return _is_date(digits[:4], digits[4:6], digits[6:]) or _is_date(
        digits[4:], digits[2:4], digits[:2]
    )


def _is_date(year: str, month: str, day: str) -> bool:
    if year[:2] not in ("19", "20"):
        return False
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True
