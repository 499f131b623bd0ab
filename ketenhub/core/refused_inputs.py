"""Refused inputs: what the hub keeps of a refused message, and what retention reads from it.

A message the hub refuses is kept in ``rejected.<partner>`` as it arrived: its original bytes
hold pseudonyms and texts encrypted under data subjects' keys, and those keys exist already,
for the partner's protector (the hub's own, or its protection service) made them when it
encrypted, before the hub decided. A subject named only there would keep its key for ever,
so retention gives a refused message a category of its own (``refused_inputs``), counted
from the day of the refusal.

The subjects are found in the bytes themselves — every string of the strict pseudonym format
— so that a message that does not decode (``UNDECODABLE``, ``UNKNOWN_SCHEMA``) gives its
subjects up as well. The day of the refusal is the hub's clock at the decision (the
``ketenhub_refused_at`` header), or the record's own time for a record written before the
hub set that header.

A message refused because a field may hold personal data in clear (a BSN in a text field, a
name where a pseudonym belongs: ``Rejection.clear_data``) is not kept at all: the hub must not
store what it refused to store. Its record keeps the headers (code, reason naming the field,
the partner's event id and type), no value, a ``ketenhub_value_withheld`` header saying why,
and the pseudonyms its bytes named (``ketenhub_subjects``), so that retention still reaches
their keys. So is one refused first for another rule (a wrong header, bytes that do not
decode) whose bytes hold such data all the same (``clear_refusals.clear_marked``). Of the partner's own
headers a record keeps only CloudEvents attributes of their strict form holding no direct
identifier: any other (a BSN in ``ce_subject``, a header of the partner's own, whose name may
be personal data too) is left out, its position listed in ``ketenhub_headers_withheld``.
Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from ketenhub.codec.cloudevents import CONTENT_TYPE, SOURCE_URN, SPEC_VERSION
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.core.identifiers import PSEUDONYM_PATTERN, is_opaque_id
from ketenhub.core.input_ref import input_of
from ketenhub.core.personal_data import find_personal_data
from ketenhub.core.rejection import REFUSED_AT_HEADER, Rejection
from ketenhub.topic_log import LogRecord

WITHHELD_HEADER = "ketenhub_value_withheld"  # the code of a refusal whose bytes are not kept
SUBJECTS_HEADER = "ketenhub_subjects"  # the pseudonyms a withheld message named, space-separated
HEADERS_WITHHELD_HEADER = (
    "ketenhub_headers_withheld"  # positions (from 1) of partner headers left out
)
HUB_PREFIX = "ketenhub_"  # the hub's own headers (the sealer dropped any a partner sent)
_PSEUDONYM_BYTES = re.compile(PSEUDONYM_PATTERN.pattern.encode("ascii"))
Headers = tuple[tuple[str, bytes], ...]


def _is_time(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


_EVENT_TYPES = frozenset(model.CLOUDEVENT_TYPE for model in EVENT_MODELS.values())
_HEADER_FORMS: dict[str, Callable[[str], bool]] = {
    "ce_specversion": lambda text: text == SPEC_VERSION,
    "ce_id": is_opaque_id,
    "ce_source": lambda text: SOURCE_URN.match(text) is not None,
    "ce_type": lambda text: text in _EVENT_TYPES,
    "ce_time": _is_time,
    "ce_subject": is_opaque_id,
    "content-type": lambda text: text == CONTENT_TYPE,
}


def kept_of(
    value: bytes | None, headers: Headers, rejection: Rejection
) -> tuple[bytes | None, Headers]:
    """What ``rejected.<partner>`` keeps of a refused message: its bytes and headers, or, when a
    field may hold personal data in clear, no bytes and the pseudonyms they named. Either way
    only the partner's headers of a strict CloudEvents form holding no direct identifier."""
    headers = _safe_headers(headers)
    if not rejection.clear_data:
        return value, headers
    named = " ".join(sorted(_pseudonyms(value)))
    added = ((WITHHELD_HEADER, rejection.code.value.encode()), (SUBJECTS_HEADER, named.encode()))
    return None, (*headers, *added)


def _safe_headers(headers: Headers) -> Headers:
    """The hub's headers and the partner's safe ones, and the positions of those left out."""
    kept: list[tuple[str, bytes]] = []
    left_out: list[str] = []
    partner_headers = [h for h in headers if not h[0].startswith(HUB_PREFIX)]
    for position, (name, value) in enumerate(partner_headers, start=1):
        if _safe_header(name, value):
            kept.append((name, value))
        else:
            left_out.append(str(position))
    hub = [h for h in headers if h[0].startswith(HUB_PREFIX)]
    if left_out:
        hub.append((HEADERS_WITHHELD_HEADER, " ".join(left_out).encode()))
    return (*kept, *hub)


def _safe_header(name: str, value: bytes) -> bool:
    """Whether a partner's header is a CloudEvents attribute of its strict form, no identifier."""
    form = _HEADER_FORMS.get(name)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return form is not None and form(text) and find_personal_data(text) is None


def withheld(record: LogRecord) -> bool:
    """Whether a rejected record kept no bytes because a field may have held clear personal data."""
    return record.value is None and any(name == WITHHELD_HEADER for name, _ in record.headers)


@dataclass(frozen=True)
class RefusedInput:
    """One refused message: which input it was, the day it was refused, the subjects it names."""

    input: str  # the input it was read as (topic/partition/offset): no personal data
    refused_on: dt.date
    subjects: frozenset[str]


def refused_input(record: LogRecord) -> RefusedInput:
    """What a record of a rejected topic tells retention."""
    origin = input_of(record.headers)
    name = str(origin) if origin is not None else f"{record.topic}@{record.offset}"
    found = _pseudonyms(record.value)
    for header, value in record.headers:
        if header == SUBJECTS_HEADER:
            found |= _pseudonyms(value)
    return RefusedInput(name, _refused_on(record), frozenset(found))


def _pseudonyms(value: bytes | None) -> set[str]:
    """Every string of the strict pseudonym format in ``value``."""
    return {match.decode("ascii") for match in _PSEUDONYM_BYTES.findall(value or b"")}


def _refused_on(record: LogRecord) -> dt.date:
    """The UTC day of the refusal: the hub's header, else the time the record was written."""
    stamps = [value for name, value in record.headers if name == REFUSED_AT_HEADER]
    if stamps:
        try:
            return dt.datetime.fromisoformat(stamps[-1].decode("ascii")).astimezone(dt.UTC).date()
        except (UnicodeDecodeError, ValueError):
            pass  # damaged: the record's own time still says when it was written
    return dt.datetime.fromtimestamp(record.timestamp_us / 1_000_000, dt.UTC).date()
