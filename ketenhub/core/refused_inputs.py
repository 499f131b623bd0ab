"""Refused inputs as retention sees them: the data subjects a refused message names, and since when.

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
hub set that header. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ketenhub.core.identifiers import PSEUDONYM_PATTERN
from ketenhub.core.input_ref import input_of
from ketenhub.core.rejection import REFUSED_AT_HEADER
from ketenhub.topic_log import LogRecord

_PSEUDONYM_BYTES = re.compile(PSEUDONYM_PATTERN.pattern.encode("ascii"))


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
    found = {match.decode("ascii") for match in _PSEUDONYM_BYTES.findall(record.value or b"")}
    return RefusedInput(name, _refused_on(record), frozenset(found))


def _refused_on(record: LogRecord) -> dt.date:
    """The UTC day of the refusal: the hub's header, else the time the record was written."""
    stamps = [value for name, value in record.headers if name == REFUSED_AT_HEADER]
    if stamps:
        try:
            return dt.datetime.fromisoformat(stamps[-1].decode("ascii")).astimezone(dt.UTC).date()
        except (UnicodeDecodeError, ValueError):
            pass  # damaged: the record's own time still says when it was written
    return dt.datetime.fromtimestamp(record.timestamp_us / 1_000_000, dt.UTC).date()
