"""Projecting sealed records into partner views: effects, with the view headers decided once.

``ViewStep`` keeps every case in memory (the embedded runtime); ``project_stored_case`` is
the same step for one case whose state is kept elsewhere (a Faust table), and says so
explicitly (``RebuildNeeded``) when that state misses an event the new one refers to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ketenhub import topics
from ketenhub.codec.single_object import decode_event
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.case_state import CaseState
from ketenhub.core.input_ref import InputRef
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import Projector, ViewChange, cases_of, project_case, render_views
from ketenhub.core.sealing import SealedRecord, decode_sealed
from ketenhub.pipeline.effects import AppendView, CommitPosition, Effect, Headers
from ketenhub.topic_log import LogRecord

SEQUENCE_HEADER = "ketenhub_sequence"


def view_headers(sequence: int) -> Headers:
    """The headers of a view record: the sequence of the last sealed record it reflects."""
    return ((SEQUENCE_HEADER, str(sequence).encode()),)


def view_effect(change: ViewChange, record: SealedRecord) -> AppendView:
    """The write that publishes one changed view."""
    return AppendView(change.partner, change.case_id, change.view, view_headers(record.sequence))


def decoded(stored: LogRecord) -> tuple[SealedRecord, Event]:
    """A record of audit.log and its event, decoded once."""
    return decoded_value(stored.value, stored.offset)


def decoded_value(value: bytes | None, offset: int) -> tuple[SealedRecord, Event]:
    """The sealed record stored at ``offset`` of audit.log with ``value``, and its event."""
    record = decode_sealed(value or b"", offset)
    return record, decode_event(record.payload)


class ViewStep:
    """All case states in memory: sealed records in, view writes and positions out."""

    def __init__(self, registry: PartnerRegistry) -> None:
        self.projector = Projector(registry)

    def restore(self, audit: Iterable[LogRecord]) -> None:
        """Fold the records already projected, writing nothing."""
        for stored in audit:
            self.projector.apply(*decoded(stored))

    def project(self, records: Sequence[LogRecord]) -> list[Effect]:
        """Project records of audit.log in order: the views they change, then the position."""
        decoded_records = [decoded(stored) for stored in records]
        if not records:
            return []
        return self._project_batch(decoded_records, records[0].topic, records[-1].offset)

    def project_decoded(
        self, records: Sequence[tuple[SealedRecord, Event]], topic: str = topics.AUDIT_LOG
    ) -> list[Effect]:
        """Project records of ``topic``, already decoded with their events (by the sealer)."""
        if not records:
            return []
        return self._project_batch(records, topic, records[-1][0].sequence)

    def _project_batch(
        self, records: Sequence[tuple[SealedRecord, Event]], topic: str, last: int
    ) -> list[Effect]:
        """The views a batch changes, each case rendered once, then the commit of its last position.

        A view carries the sequence of the last record of the batch folded into its case; a
        view that a later record of the same batch replaced is not written.
        """
        effects: list[Effect] = [
            AppendView(c.partner, c.case_id, c.view, view_headers(sequence))
            for c, sequence in ((b.change, b.sequence) for b in self.projector.apply_batch(records))
        ]
        effects.append(CommitPosition(InputRef(topic, 0, last)))
        return effects


@dataclass(frozen=True)
class CaseProjected:
    """The case after the record: its state (None: none yet), whether it changed, the views to write."""

    state: CaseState | None
    effects: list[Effect]
    changed: bool


@dataclass(frozen=True)
class RebuildNeeded:
    """The kept state misses an event the record refers to: fold the case afresh up to ``upto``."""

    case_id: str
    upto: int
    missing: str


def missing_reference(state: CaseState, event: Event) -> str | None:
    """What an event refers to that the case's state does not hold, if anything."""
    wanted: tuple[str, dict[str, object], str] | None = None
    if isinstance(event, m.ActionCompleted):
        wanted = ("action", dict(state.actions), event.action_id)
    elif isinstance(event, m.SignalAcknowledged):
        wanted = ("forward", dict(state.forwards), str(event.forward_event_id))
    elif isinstance(event, m.SharingRevoked):
        wanted = ("sharing decision", dict(state.sharing), event.decision_id)
    elif isinstance(event, m.ReferralAccepted | m.ReferralDeclined | m.CareStarted | m.CareEnded):
        wanted = ("referral", dict(state.referrals), event.referral_id)
    if wanted is None or wanted[2] in wanted[1]:
        return None
    return f"{wanted[0]} {wanted[2]}"


def project_stored_case(
    state: CaseState | None,
    record: SealedRecord,
    event: Event,
    registry: PartnerRegistry,
    case_id: str,
) -> CaseProjected | RebuildNeeded:
    """Fold one sealed record into a case whose state is kept outside the pipeline.

    A redelivered record changes nothing and re-publishes the case's views, in case they were
    lost; a record the kept state cannot take is ``RebuildNeeded``.
    """
    fresh = state is not None and record.sequence > state.last_sequence
    if fresh and state is not None and (missing := missing_reference(state, event)) is not None:
        return RebuildNeeded(case_id, record.sequence, missing)
    projected = project_case(state, record, event, registry, case_id)
    if projected is None:
        effects = [] if state is None else all_views(state, registry)
        return CaseProjected(state, effects, changed=False)
    changes: list[Effect] = [view_effect(c, record) for c in projected.changes]
    return CaseProjected(projected.state, changes, changed=True)


def all_views(state: CaseState, registry: PartnerRegistry) -> list[Effect]:
    """Every partner's view of a case (None for a partner that may not see it)."""
    current, headers = render_views(state, registry), view_headers(state.last_sequence)
    return [AppendView(p.id, state.case_id, current.get(p.id), headers) for p in registry.partners]


def rebuild_case(
    audit: Iterable[LogRecord], registry: PartnerRegistry, case_id: str
) -> CaseState | None:
    """A case's state folded afresh from records of audit.log."""
    state: CaseState | None = None
    for stored in audit:
        record, event = decoded(stored)
        if case_id in cases_of(record, event):
            projected = project_case(state, record, event, registry, case_id)
            state = state if projected is None else projected.state
    return state
