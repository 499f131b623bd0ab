"""Which events a partner sent, and what the hub decided on each: kept locally from the topics.

Fed the records of ``ingest.<partner>`` (event ids and content digests), ``audit.log``
(sealed event ids) and ``rejected.<partner>`` (refusals with code and reason), it answers
``decision(partner, event_id)``: sealed, rejected, pending, or unknown (None). An event
refused first and sealed later (its missing reference arrived) is sealed. Lookups are per
partner: one partner never learns about another partner's event ids.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketenhub.contract.models import EVENT_MODELS
from ketenhub.core.rejection import CODE_HEADER
from ketenhub.core.sealing import SealedRecord
from ketenhub.topic_log import LogRecord
from ketenhub.web.backend import (
    Decision,
    PendingDecision,
    RejectedDecision,
    RejectionEntry,
    SealedDecision,
    content_digest,
)

REASON_HEADER = "ketenhub_rejection_reason"
SOURCE_TOPIC_HEADER = "ketenhub_source_topic"
SOURCE_OFFSET_HEADER = "ketenhub_source_offset"


def last_header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    """The value of the last header named ``name`` (the hub's own tag comes last), as text."""
    found = [value for key, value in headers if key == name]
    return found[-1].decode(errors="replace") if found else None


_EVENT_TYPES = {model.CLOUDEVENT_TYPE: name for name, model in EVENT_MODELS.items()}


class DecisionIndex:
    """Event ids ingested per partner, the sealed ones, and every partner's rejections."""

    def __init__(self) -> None:
        self._ingested: dict[str, dict[str, str]] = {}  # partner -> event id -> digest
        self._sealed: dict[tuple[str, str], SealedDecision] = {}  # (partner, event id)
        self._refused: dict[tuple[str, str], RejectedDecision] = {}
        self._rejections: dict[str, list[RejectionEntry]] = {}

    def take_ingested(self, partner: str, record: LogRecord) -> None:
        """Note a message of ``ingest.<partner>`` by its event id (``ce_id``), if it has one."""
        event_id = last_header(record.headers, "ce_id")
        if event_id is not None:
            self.note_published(partner, event_id, content_digest(record.value or b""))

    def note_published(self, partner: str, event_id: str, digest: str) -> None:
        """Note a message the web tier itself just published (before it is read back)."""
        self._ingested.setdefault(partner, {}).setdefault(event_id, digest)

    def take_sealed(self, sealed: SealedRecord) -> None:
        """Note a record of audit.log."""
        self._sealed[(sealed.partner, sealed.event_id)] = SealedDecision(
            sealed.sequence, int(sealed.sealed_at.timestamp() * 1_000_000), sealed.case_id
        )

    def take_rejected(self, partner: str, record: LogRecord) -> None:
        """Note a record of ``rejected.<partner>``."""
        headers = record.headers
        event_id = last_header(headers, "ce_id")
        source_offset = last_header(headers, SOURCE_OFFSET_HEADER)
        entry = RejectionEntry(
            offset=record.offset,
            event_id=event_id,
            event_type=_EVENT_TYPES.get(last_header(headers, "ce_type") or ""),
            code=last_header(headers, CODE_HEADER) or "UNKNOWN",
            reason=last_header(headers, REASON_HEADER) or "",
            source_topic=last_header(headers, SOURCE_TOPIC_HEADER) or "",
            source_offset=int(source_offset) if source_offset and source_offset.isdigit() else None,
            rejected_at_us=record.timestamp_us,
        )
        self._rejections.setdefault(partner, []).append(entry)
        if event_id is not None:
            self._refused[(partner, event_id)] = RejectedDecision(
                entry.code, entry.reason, entry.offset
            )

    def ingested_digest(self, partner: str, event_id: str) -> str | None:
        """The digest of the partner's first message with this event id, if any."""
        return self._ingested.get(partner, {}).get(event_id)

    def decision(self, partner: str, event_id: str) -> Decision | None:
        """Sealed, else rejected, else pending if ingested; None when the partner never sent it."""
        key = (partner, event_id)
        if key in self._sealed:
            return self._sealed[key]
        if key in self._refused:
            return self._refused[key]
        if event_id in self._ingested.get(partner, {}):
            return PendingDecision()
        return None

    def rejections(self, partner: str, after: int, limit: int) -> list[RejectionEntry]:
        """The partner's rejections with offsets above ``after``, at most ``limit``."""
        found = self._rejections.get(partner, [])
        start = next((n for n, e in enumerate(found) if e.offset > after), len(found))
        return found[start : start + limit]
