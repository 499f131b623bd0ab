"""The events of audit.log in log order, kept by the web tier for pages that read more than views.

Fed every sealed record (``HubMirror``), it keeps each record's sequence, type and event
bytes (Avro single-object), so that the control-day field app can list a partner's
control days and the analyst dashboard can compute the evaluation's aggregates from the
same events ``ketenhub evaluate`` replays. Nothing here is served as it is: each page
applies its own need-to-know before showing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketenhub.core.sealing import SealedRecord


@dataclass(frozen=True)
class SealedEvent:
    """One record of audit.log: where it stands, who recorded it, and its event's bytes."""

    sequence: int
    partner: str
    event_type: str
    payload: bytes


class SealedEventLog:
    """Every sealed event read so far, in log order."""

    def __init__(self) -> None:
        self._events: list[SealedEvent] = []

    def take_sealed(self, sealed: SealedRecord) -> None:
        """Note a record of audit.log."""
        self._events.append(
            SealedEvent(sealed.sequence, sealed.partner, sealed.event_type, sealed.payload)
        )

    def after(self, count: int) -> list[SealedEvent]:
        """The events after the first ``count`` (all of them for 0)."""
        return self._events[count:]

    def __len__(self) -> int:
        return len(self._events)
