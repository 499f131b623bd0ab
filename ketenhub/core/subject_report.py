"""What the hub holds about one data subject, for a request for access: built from the log, in log order.

``SubjectReportBuilder`` folds the verified sealed events of audit.log, in order, for one
pseudonym: the events that name the person (their fields, the person's own encrypted texts
revealed by a callable the caller gives, other people shown only as "another data
subject"), which partners' views held the person's data and from when until when (the
projection itself, so forwards, sharing decisions, referrals and revocations all count),
the sharing decisions of the person's cases, and the retention dates of the person and its
cases. ``add_refused`` takes in the messages the hub refused (``rejected.<partner>``) that name
the person: the hub holds those too, and they count for the person's retention. ``report``
adds the reads of the person's data from access.log and the erasure.
Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.access_query import AccessEntry
from ketenhub.core.identifiers import PSEUDONYM_PATTERN
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.processing import subjects_in
from ketenhub.core.projection import Projector, ViewChange
from ketenhub.core.refused_inputs import refused_input, withheld
from ketenhub.core.rejection import CODE_HEADER
from ketenhub.core.retention import Expiry, RetentionLedger
from ketenhub.core.sealing import SealedRecord
from ketenhub.topic_log import LogRecord

ANOTHER_SUBJECT = "(andere betrokkene)"  # another person's pseudonym is not theirs to see
Reveal = Callable[[EncryptedField, str, str], str]  # (field, event type, field name) -> text


@dataclass(frozen=True)
class SubjectEvent:
    """An event that names the person, with the fields it holds about them."""

    offset: int
    sealed_at: dt.datetime
    event_type: str
    event_id: str
    case_id: str | None
    recorded_by: str
    fields: dict[str, Any]


@dataclass
class Visibility:
    """A partner's view of a case held the person's data from ``since`` until ``until`` (None: now)."""

    partner: str
    case_id: str
    since: dt.datetime
    until: dt.datetime | None = None


@dataclass
class Sharing:
    """A sharing decision about one of the person's cases, and its revocation if any."""

    case_id: str
    decision_id: str
    partner: str
    purpose: str
    legal_basis: str
    decided_at: dt.datetime
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True)
class RefusedMessage:
    """A message naming the person that the hub refused, kept in its partner's rejected topic.

    ``withheld``: the hub kept none of its bytes (a field may have held personal data in
    clear), only the code, the reason and the pseudonyms it named.
    """

    partner: str
    input: str
    refused_on: dt.date
    code: str
    withheld: bool
    expiry: Expiry


@dataclass(frozen=True)
class SubjectReport:
    """Everything the report shows about one data subject."""

    subject: str
    events: tuple[SubjectEvent, ...]
    visibility: tuple[Visibility, ...]
    sharing: tuple[Sharing, ...]
    reads: tuple[AccessEntry, ...]
    retention: Expiry | None
    case_retention: dict[str, Expiry]
    erased_at: dt.datetime | None
    erasure_reason: str | None = None  # None with a time: erased on request
    refused: tuple[RefusedMessage, ...] = ()

    @property
    def partners(self) -> tuple[str, ...]:
        """Every partner that could see the person's data, or read it, sorted (a partner sees
        the messages it sent that the hub refused)."""
        seen = {v.partner for v in self.visibility}
        read = {e.record.actor.partner for e in self.reads if e.record.actor.partner}
        sent = {r.partner for r in self.refused}
        return tuple(sorted(seen | read | sent))


@dataclass
class SubjectReportBuilder:
    """Fold the sealed events of audit.log, in log order, into the report about ``subject``."""

    subject: str
    registry: PartnerRegistry
    reveal: Reveal
    ledger: RetentionLedger | None = None
    _projector: Projector = field(init=False)
    _events: list[SubjectEvent] = field(default_factory=list)
    _open: dict[tuple[str, str], Visibility] = field(default_factory=dict)
    _visibility: list[Visibility] = field(default_factory=list)
    _sharing: dict[str, Sharing] = field(default_factory=dict)
    _refused: list[RefusedMessage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._projector = Projector(self.registry)

    def add(self, record: SealedRecord, event: Event) -> None:
        """Take in the next sealed record of audit.log and its event."""
        if self.ledger is not None:
            self.ledger.fold(event)
        for change in self._projector.apply(record, event):
            self._follow(change, record.sealed_at)
        self._note_sharing(record, event)
        if self.subject in subjects_in(event.model_dump()):
            self._events.append(self._subject_event(record, event))

    def add_refused(self, partner: str, record: LogRecord) -> None:
        """Take in a record of ``partner``'s rejected topic; kept if it names the person."""
        refused = refused_input(record)
        if self.subject not in refused.subjects:
            return
        ledger = self.ledger or RetentionLedger(self.registry.retention)
        if self.ledger is not None:
            self.ledger.fold_refused(refused)
        codes = [
            value.decode(errors="replace") for name, value in record.headers if name == CODE_HEADER
        ]
        self._refused.append(
            RefusedMessage(
                partner,
                refused.input,
                refused.refused_on,
                codes[-1] if codes else "",
                withheld(record),
                ledger.refused_expiry(refused),
            )
        )

    def report(
        self,
        reads: Iterable[AccessEntry],
        erased_at: dt.datetime | None,
        erasure_reason: str | None = None,
    ) -> SubjectReport:
        """The report, with the reads of the person's data and its erasure (if any, and why)."""
        cases = sorted({e.case_id for e in self._events if e.case_id is not None})
        ledger = self.ledger
        return SubjectReport(
            subject=self.subject,
            events=tuple(self._events),
            visibility=tuple(sorted(self._visibility, key=lambda v: (v.since, v.partner))),
            sharing=tuple(s for s in self._sharing.values() if s.case_id in cases),
            reads=tuple(e for e in reads if self.subject in e.record.subjects),
            retention=None if ledger is None else ledger.subject_expiry(self.subject).expiry,
            case_retention={} if ledger is None else {c: ledger.case_expiry(c) for c in cases},
            erased_at=erased_at,
            erasure_reason=erasure_reason,
            refused=tuple(self._refused),
        )

    def _follow(self, change: ViewChange, at: dt.datetime) -> None:
        """Open or close the partner's visibility of the person in this case."""
        key = (change.partner, change.case_id)
        holds = change.view is not None and self.subject.encode() in change.view
        if holds and key not in self._open:
            self._open[key] = Visibility(change.partner, change.case_id, at)
            self._visibility.append(self._open[key])
        elif not holds and key in self._open:
            self._open.pop(key).until = at

    def _note_sharing(self, record: SealedRecord, event: Event) -> None:
        if isinstance(event, m.SharingDecided):
            self._sharing[event.decision_id] = Sharing(
                event.case_id,
                event.decision_id,
                event.partner,
                event.purpose,
                event.legal_basis,
                record.sealed_at,
            )
        elif isinstance(event, m.SharingRevoked) and event.decision_id in self._sharing:
            self._sharing[event.decision_id].revoked_at = record.sealed_at

    def _subject_event(self, record: SealedRecord, event: Event) -> SubjectEvent:
        shown: dict[str, Any] = {}
        skipped = {"event_id", "recorded_by", "case_id"}
        for name in type(event).model_fields:
            value = getattr(event, name)
            if name in skipped or value is None:
                continue
            if isinstance(value, EncryptedField):
                if value.subject == self.subject:  # another person's text is not shown
                    shown[name] = self.reveal(value, record.event_type, name)
                continue
            shown[name] = self._masked(_plain(value))
        return SubjectEvent(
            record.sequence,
            record.sealed_at,
            record.event_type,
            record.event_id,
            record.case_id,
            event.recorded_by,
            shown,
        )

    def _masked(self, value: Any) -> Any:
        """The value with every other person's pseudonym replaced by ``ANOTHER_SUBJECT``."""
        if isinstance(value, str):
            return PSEUDONYM_PATTERN.sub(
                lambda found: found[0] if found[0] == self.subject else ANOTHER_SUBJECT, value
            )
        if isinstance(value, Mapping):
            return {self._masked(k): self._masked(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._masked(item) for item in value]
        return value


def _plain(value: Any) -> Any:
    """A field's value as JSON-able data (enums by name, times as ISO 8601)."""
    if hasattr(value, "model_dump"):
        return {k: _plain(v) for k, v in value.model_dump().items() if v is not None}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    if isinstance(value, bool | int | float | str):
        return value.value if hasattr(value, "value") else value
    return str(value)
