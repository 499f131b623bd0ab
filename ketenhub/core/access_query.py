"""Questions to access.log: which partner saw this case, or this person's data, and when.

``AccessEntry`` is one processing record read back with its offset in access.log;
``AccessQuery`` selects by case, data subject (pseudonym) or partner, within a span of days
(UTC, both ends included). Pure: decoding and filtering only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ketenhub.core.processing import ProcessingRecord, decode_processing_record
from ketenhub.core.sealing import decode_sealed
from ketenhub.topic_log import LogRecord


@dataclass(frozen=True)
class AccessEntry:
    """A processing record and where access.log holds it."""

    offset: int
    record: ProcessingRecord


@dataclass(frozen=True)
class AccessQuery:
    """Which records to show: those of a case, a data subject or a partner, within days."""

    case_id: str | None = None
    subject: str | None = None
    partner: str | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    def matches(self, record: ProcessingRecord) -> bool:
        """Whether ``record`` answers the question."""
        day = record.read_at.astimezone(dt.UTC).date()
        return (
            (self.case_id is None or record.case_id == self.case_id)
            and (self.subject is None or self.subject in record.subjects)
            and (self.partner is None or record.actor.partner == self.partner)
            and (self.first_day is None or day >= self.first_day)
            and (self.last_day is None or day <= self.last_day)
        )


def access_entries(stored: Iterable[LogRecord]) -> Iterator[AccessEntry]:
    """The processing records of access.log's stored records, in offset order."""
    for item in stored:
        sealed = decode_sealed(item.value or b"", item.offset)
        yield AccessEntry(item.offset, decode_processing_record(sealed.payload))


def select(entries: Iterable[AccessEntry], query: AccessQuery) -> list[AccessEntry]:
    """The entries ``query`` asks for, in offset order."""
    return [entry for entry in entries if query.matches(entry.record)]
