"""Projection: fold audit.log into case states and emit each partner's changed view of a case."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.case_state import CaseState, Json
from ketenhub.core.need_to_know import access_reasons, render_view
from ketenhub.core.partners import PartnerRegistry, Role


@dataclass(frozen=True)
class ViewChange:
    """A partner's view of a case changed: the new canonical view, or None when it left the view."""

    partner: str
    case_id: str
    view: bytes | None


def canonical_json(value: Json) -> bytes:
    """Serialise a view deterministically (sorted keys, no whitespace, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Projector:
    """Case states and the last view emitted per (partner, case): a pure function of the log prefix."""

    def __init__(self, registry: PartnerRegistry) -> None:
        self._registry = registry
        self._police = frozenset(p.id for p in registry.with_role(Role.POLICE))
        self._riec = frozenset(p.id for p in registry.with_role(Role.RIEC))
        self.cases: dict[str, CaseState] = {}
        self._victim_case: dict[str, str] = {}
        self._referral_case: dict[str, str] = {}
        self._emitted: dict[tuple[str, str], bytes] = {}

    def apply(self, sequence: int, event: Event) -> list[ViewChange]:
        """Fold the sealed event at ``sequence`` and return the views it changed."""
        changes: list[ViewChange] = []
        for case_id in self._cases_of(event):
            state = self.cases.setdefault(case_id, CaseState(case_id))
            state.apply(sequence, event, self._addressees(event))
            changes.extend(self._refresh(state))
        return changes

    def view(self, partner: str, case_id: str) -> bytes | None:
        """Return the partner's current view of a case, or None."""
        return self._emitted.get((partner, case_id))

    def views(self, partner: str) -> dict[str, bytes]:
        """Return every current view of a partner, by case id."""
        return {case: view for (p, case), view in self._emitted.items() if p == partner}

    def _cases_of(self, event: Event) -> list[str]:
        if isinstance(event, m.MeetingHeld):
            return sorted(set(event.cases_discussed))
        case_id = event.case_ref
        if isinstance(event, m.VictimIdentified) and case_id is not None:
            self._victim_case[event.victim] = case_id
        if isinstance(event, m.ReferralMade):
            case_id = case_id or self._victim_case.get(event.victim)
            if case_id is not None:
                self._referral_case[event.referral_id] = case_id
        referral_id = getattr(event, "referral_id", None)
        if case_id is None and isinstance(referral_id, str):
            case_id = self._referral_case.get(referral_id)
        return [] if case_id is None or case_id not in self._known(event, case_id) else [case_id]

    def _known(self, event: Event, case_id: str) -> set[str] | dict[str, CaseState]:
        return {case_id} if isinstance(event, m.SignalReceived) else self.cases

    def _addressees(self, event: Event) -> frozenset[str]:
        if not isinstance(event, m.ActionPlanAdopted):
            return frozenset()
        police = self._police if event.forward_to_police else frozenset()
        return police | (self._riec if event.escalate_to_riec else frozenset())

    def _refresh(self, state: CaseState) -> list[ViewChange]:
        reasons = access_reasons(state, self._registry)
        changes = []
        for partner in self._registry.partners:
            rendered = render_view(state, partner, reasons.get(partner.id))
            new = None if rendered is None else canonical_json(rendered)
            key = (partner.id, state.case_id)
            old = self._emitted.get(key)
            if new == old:
                continue
            if new is None:
                del self._emitted[key]
            else:
                self._emitted[key] = new
            changes.append(ViewChange(partner.id, state.case_id, new))
        return changes
