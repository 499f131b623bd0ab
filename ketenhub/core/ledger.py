"""The ledger: the facts about sealed events that validation needs (what exists, in which phase)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ketenhub.contract import models as m
from ketenhub.contract.base import Event


class Stage(enum.IntEnum):
    """How far a case got through the five phases; ordered."""

    RECEIVED = 0
    INTAKE = 1
    SEVERITY = 2
    SOURCE_RESEARCH = 3
    ACTION_PLAN = 4
    ACTION = 5


class ReferralStatus(enum.StrEnum):
    """Where a referral stands."""

    MADE = "MADE"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    CARE_STARTED = "CARE_STARTED"
    CARE_ENDED = "CARE_ENDED"


@dataclass
class CaseFacts:
    """What validation knows of one case."""

    reported_by: str
    stage: Stage = Stage.RECEIVED
    closed: bool = False
    intake: m.IntakeOutcome | None = None
    severity: m.SeverityOutcome | None = None
    action_owners: dict[str, str] = field(default_factory=dict)
    actions_ended: set[str] = field(default_factory=set)


@dataclass
class Forward:
    """A forward of a case to partners, awaiting their acknowledgement."""

    case_id: str
    addressees: frozenset[str]
    acknowledged_by: set[str] = field(default_factory=set)


@dataclass
class Decision:
    """A sharing decision and whether it was revoked."""

    case_id: str
    partner: str
    revoked: bool = False


@dataclass
class Referral:
    """A referral of a victim to a care provider."""

    victim: str
    provider: str
    case_id: str | None
    status: ReferralStatus = ReferralStatus.MADE


@dataclass
class ControlDay:
    """A control day and its participants."""

    participants: frozenset[str]
    closed: bool = False


@dataclass
class Ledger:
    """Every fact validation looks up; grown by ``apply`` in the order of audit.log."""

    police: frozenset[str]
    riec: frozenset[str]
    event_digests: dict[UUID, bytes] = field(default_factory=dict)
    cases: dict[str, CaseFacts] = field(default_factory=dict)
    forwards: dict[UUID, Forward] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    victims: dict[str, str | None] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    control_days: dict[str, ControlDay] = field(default_factory=dict)
    visits: set[str] = field(default_factory=set)
    measures: set[str] = field(default_factory=set)
    screenings: dict[str, m.PermitType] = field(default_factory=dict)
    meetings: set[str] = field(default_factory=set)

    def case_of(self, event: Event) -> str | None:
        """The case an event belongs to: its own case_id, else the case of its victim or referral."""
        if event.case_ref is not None:
            return event.case_ref
        if isinstance(event, m.ReferralMade):
            return self.victims.get(event.victim)
        referral_id = getattr(event, "referral_id", None)
        referral = self.referrals.get(referral_id) if isinstance(referral_id, str) else None
        return None if referral is None else referral.case_id

    def apply(self, event: Event, digest: bytes) -> None:
        """Record the facts of one sealed event."""
        self.event_digests[event.event_id] = digest
        handler = _APPLY.get(type(event))
        if handler is not None:
            handler(self, event)


_Handler = Callable[[Ledger, Any], None]  # each handler takes the event type it is registered for


def _signal(ledger: Ledger, e: m.SignalReceived) -> None:
    ledger.cases[e.case_id] = CaseFacts(reported_by=e.recorded_by)


def _intake(ledger: Ledger, e: m.IntakeAssessed) -> None:
    case = ledger.cases[e.case_id]
    case.stage, case.intake = Stage.INTAKE, e.outcome
    if e.outcome is m.IntakeOutcome.FORWARD and e.forward_to is not None:
        ledger.forwards[e.event_id] = Forward(e.case_id, frozenset({e.forward_to}))


def _severity(ledger: Ledger, e: m.SeverityAssessed) -> None:
    case = ledger.cases[e.case_id]
    case.stage, case.severity = Stage.SEVERITY, e.outcome


def _research(ledger: Ledger, e: m.SourceResearchCompleted) -> None:
    ledger.cases[e.case_id].stage = Stage.SOURCE_RESEARCH


def _plan(ledger: Ledger, e: m.ActionPlanAdopted) -> None:
    case = ledger.cases[e.case_id]
    case.stage = Stage.ACTION_PLAN
    case.action_owners.update({a.action_id: a.owner for a in e.actions})
    addressees = (ledger.police if e.forward_to_police else frozenset()) | (
        ledger.riec if e.escalate_to_riec else frozenset()
    )
    if addressees:
        ledger.forwards[e.event_id] = Forward(e.case_id, addressees)


def _action(ledger: Ledger, e: m.ActionCompleted) -> None:
    case = ledger.cases[e.case_id]
    case.stage = Stage.ACTION
    case.actions_ended.add(e.action_id)


def _measure(ledger: Ledger, e: m.MeasureImposed) -> None:
    ledger.measures.add(e.measure_id)
    if e.case_id is not None:
        ledger.cases[e.case_id].stage = Stage.ACTION


def _forwarded(ledger: Ledger, e: m.SignalForwarded) -> None:
    ledger.forwards[e.event_id] = Forward(e.case_id, frozenset({e.to_partner}))


def _acknowledged(ledger: Ledger, e: m.SignalAcknowledged) -> None:
    ledger.forwards[e.forward_event_id].acknowledged_by.add(e.recorded_by)


def _closed(ledger: Ledger, e: m.CaseClosed) -> None:
    ledger.cases[e.case_id].closed = True


def _shared(ledger: Ledger, e: m.SharingDecided) -> None:
    ledger.decisions[e.decision_id] = Decision(e.case_id, e.partner)


def _revoked(ledger: Ledger, e: m.SharingRevoked) -> None:
    ledger.decisions[e.decision_id].revoked = True


def _screened(ledger: Ledger, e: m.BibobScreeningCompleted) -> None:
    ledger.screenings[e.screening_id] = e.permit_type


def _day_planned(ledger: Ledger, e: m.ControlDayPlanned) -> None:
    ledger.control_days[e.control_day_id] = ControlDay(frozenset(e.participants))


def _visit(ledger: Ledger, e: m.ControlVisitLogged) -> None:
    ledger.visits.add(e.visit_id)


def _day_closed(ledger: Ledger, e: m.ControlDayClosed) -> None:
    ledger.control_days[e.control_day_id].closed = True


def _victim(ledger: Ledger, e: m.VictimIdentified) -> None:
    ledger.victims[e.victim] = e.case_id or ledger.victims.get(e.victim)


def _referral(ledger: Ledger, e: m.ReferralMade) -> None:
    case_id = e.case_id or ledger.victims.get(e.victim)
    ledger.referrals[e.referral_id] = Referral(e.victim, e.provider, case_id)


def _referral_status(status: ReferralStatus) -> _Handler:
    def apply(ledger: Ledger, e: m.ReferralAccepted) -> None:
        ledger.referrals[e.referral_id].status = status

    return apply


def _meeting(ledger: Ledger, e: m.MeetingHeld) -> None:
    ledger.meetings.add(e.meeting_id)


_APPLY: dict[type[Event], _Handler] = {
    m.SignalReceived: _signal,
    m.IntakeAssessed: _intake,
    m.SeverityAssessed: _severity,
    m.SourceResearchCompleted: _research,
    m.ActionPlanAdopted: _plan,
    m.ActionCompleted: _action,
    m.MeasureImposed: _measure,
    m.SignalForwarded: _forwarded,
    m.SignalAcknowledged: _acknowledged,
    m.CaseClosed: _closed,
    m.SharingDecided: _shared,
    m.SharingRevoked: _revoked,
    m.BibobScreeningCompleted: _screened,
    m.ControlDayPlanned: _day_planned,
    m.ControlVisitLogged: _visit,
    m.ControlDayClosed: _day_closed,
    m.VictimIdentified: _victim,
    m.ReferralMade: _referral,
    m.ReferralAccepted: _referral_status(ReferralStatus.ACCEPTED),
    m.ReferralDeclined: _referral_status(ReferralStatus.DECLINED),
    m.CareStarted: _referral_status(ReferralStatus.CARE_STARTED),
    m.CareEnded: _referral_status(ReferralStatus.CARE_ENDED),
    m.MeetingHeld: _meeting,
}
