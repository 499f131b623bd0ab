"""Projection: fold sealed events into case states and emit each partner's changed view of a case.

A case's views depend only on that case's events (and the registry), so projection can be
partitioned by case id: ``project_case`` is the pure step both runtimes call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ketenhub.codec.views import encode_view
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.case_state import CaseState, written_sections
from ketenhub.core.need_to_know import REASON_READS, VIEW_READS, access_reasons, render_view
from ketenhub.core.partners import PartnerRegistry, Role
from ketenhub.core.sealing import SealedRecord


@dataclass(frozen=True)
class ViewChange:
    """A partner's view of a case changed: the new encoded view, or None when it left the view."""

    partner: str
    case_id: str
    view: bytes | None


def cases_of(record: SealedRecord, event: Event) -> list[str]:
    """The cases a sealed event belongs to (a meeting belongs to every case it discussed)."""
    if isinstance(event, m.MeetingHeld):
        return sorted(set(event.cases_discussed))
    return [] if record.case_id is None else [record.case_id]


def forward_addressees(registry: PartnerRegistry, event: Event) -> frozenset[str]:
    """The partners an action plan forwards to (police) or escalates to (RIEC)."""
    if not isinstance(event, m.ActionPlanAdopted):
        return frozenset()
    police = registry.with_role(Role.POLICE) if event.forward_to_police else ()
    riec = registry.with_role(Role.RIEC) if event.escalate_to_riec else ()
    return frozenset(p.id for p in (*police, *riec))


def render_views(
    state: CaseState, registry: PartnerRegistry, unchanged: dict[str, bytes] | None = None
) -> dict[str, bytes]:
    """Every partner's encoded view of a case (``encode_view``), for the partners that may see it.

    ``unchanged`` are views known to be the same as before (``unchanged_views``): they are
    kept as they are instead of being rendered again. The sections a view shows as they are
    in the state are not encoded again either (``CaseState.section_encodings``).
    """
    reasons = access_reasons(state, registry)
    known = state.section_encodings()
    views = {}
    for partner in registry.partners:
        if unchanged is not None and partner.id in unchanged:
            views[partner.id] = unchanged[partner.id]
            continue
        rendered = render_view(state, partner, reasons.get(partner.id))
        if rendered is not None:
            views[partner.id] = encode_view(rendered, known)
    return views


def unchanged_views(
    before: dict[str, bytes], event: Event, registry: PartnerRegistry
) -> dict[str, bytes]:
    """The views in ``before`` that folding ``event`` cannot change: no section the view
    reads is written by the event's fold, and who may see the case stays the same."""
    return views_not_written(before, written_sections(type(event)), registry)


def views_not_written(
    before: dict[str, bytes], written: frozenset[str], registry: PartnerRegistry
) -> dict[str, bytes]:
    """The views in ``before`` that folds writing the sections ``written`` cannot change."""
    if written & REASON_READS:
        return {}
    kept = {}
    for partner in registry.partners:
        reads = VIEW_READS.get(partner.role)
        if reads is not None and partner.id in before and not written & reads:
            kept[partner.id] = before[partner.id]
    return kept


def view_changes(
    case_id: str, before: dict[str, bytes], after: dict[str, bytes]
) -> list[ViewChange]:
    """The views that differ between two renderings (None where a partner lost sight of the case)."""
    partners = sorted(before.keys() | after.keys())
    return [ViewChange(p, case_id, after.get(p)) for p in partners if before.get(p) != after.get(p)]


@dataclass(frozen=True)
class CaseProjection:
    """One case after one event: its state, its views, and the views that changed."""

    state: CaseState
    views: dict[str, bytes]
    changes: list[ViewChange]


def project_case(
    state: CaseState | None,
    record: SealedRecord,
    event: Event,
    registry: PartnerRegistry,
    case_id: str,
    before: dict[str, bytes] | None = None,
) -> CaseProjection | None:
    """Fold one sealed event into one case; None when it changes nothing.

    Idempotent: a record at or below the case's last applied sequence changes nothing, so
    at-least-once delivery cannot apply an event twice. Events of unknown cases are ignored.
    ``before`` are the case's current views when the caller keeps them (else re-rendered).
    """
    if state is None and not isinstance(event, m.SignalReceived):
        return None
    if state is not None and record.sequence <= state.last_sequence:
        return None
    if before is None:
        before = {} if state is None else render_views(state, registry)
    state = state or CaseState(case_id)
    state.apply(record.sequence, event, forward_addressees(registry, event))
    after = render_views(state, registry, unchanged_views(before, event, registry))
    return CaseProjection(state, after, view_changes(case_id, before, after))


@dataclass(frozen=True)
class BatchChange:
    """A view a batch of records changed, and the sequence of the last record of its case."""

    change: ViewChange
    sequence: int


class Projector:
    """All case states and their current views: a pure function of the log prefix."""

    def __init__(self, registry: PartnerRegistry) -> None:
        self._registry = registry
        self.cases: dict[str, CaseState] = {}
        self._views: dict[str, dict[str, bytes]] = {}

    def apply(self, record: SealedRecord, event: Event) -> list[ViewChange]:
        """Fold one sealed record (and its decoded event); return the views it changed."""
        changes: list[ViewChange] = []
        for case_id in cases_of(record, event):
            before = self._views.get(case_id, {})
            projected = project_case(
                self.cases.get(case_id), record, event, self._registry, case_id, before
            )
            if projected is not None:
                self.cases[case_id], self._views[case_id] = projected.state, projected.views
                changes += projected.changes
        return changes

    def apply_batch(self, records: Iterable[tuple[SealedRecord, Event]]) -> list[BatchChange]:
        """Fold sealed records in order, then render each case they touched once.

        The result is the same as folding them one by one with ``apply``, less the views that
        a later record of the batch replaced: each view that differs from before the batch,
        with the sequence of the last record folded into its case.
        """
        touched: dict[str, tuple[int, frozenset[str]]] = {}
        cases, registry = self.cases, self._registry
        for record, event in records:
            for case_id in cases_of(record, event):
                state = cases.get(case_id)
                if state is None:
                    if not isinstance(event, m.SignalReceived):
                        continue  # events of unknown cases are ignored
                    state = cases[case_id] = CaseState(case_id)
                elif record.sequence <= state.last_sequence:
                    continue  # applied before: at-least-once delivery changes nothing
                state.apply(record.sequence, event, forward_addressees(registry, event))
                written = written_sections(type(event))
                if (seen := touched.get(case_id)) is not None:
                    written = written | seen[1]
                touched[case_id] = (record.sequence, written)
        changes: list[BatchChange] = []
        for case_id, (sequence, written) in touched.items():
            before = self._views.get(case_id, {})
            kept = views_not_written(before, written, registry)
            after = self._views[case_id] = render_views(cases[case_id], registry, kept)
            changes += [BatchChange(c, sequence) for c in view_changes(case_id, before, after)]
        return changes

    def view(self, partner: str, case_id: str) -> bytes | None:
        """The partner's current view of a case, or None."""
        return self._views.get(case_id, {}).get(partner)

    def views(self, partner: str) -> dict[str, bytes]:
        """Every current view of a partner, by case id."""
        return {case: v[partner] for case, v in self._views.items() if partner in v}
