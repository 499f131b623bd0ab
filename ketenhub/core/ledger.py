"""The ledger: the facts about sealed events that validation needs (what exists, in which phase)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.event_handlers import EventHandlers
from ketenhub.core.phases import CaseProgress, Phase, PhaseEvent, after_sealed

Stage = Phase  # the name the demo scenario and older callers use for a case's phase


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
    progress: CaseProgress = field(default_factory=CaseProgress)
    action_owners: dict[str, str] = field(default_factory=dict)
    actions_ended: set[str] = field(default_factory=set)
    victims: set[str] = field(default_factory=set)

    @property
    def stage(self) -> Phase:
        """The phase the case is in."""
        return self.progress.phase

    @property
    def closed(self) -> bool:
        """Whether the case was closed."""
        return self.progress.closed

    def advance(self, event: PhaseEvent) -> None:
        """Record where the sealed phase event ``event`` took the case."""
        self.progress = after_sealed(self.progress, event)


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
        handler = APPLY.of(event)
        if handler is not None:
            handler(event, self)


APPLY: EventHandlers[[Ledger], None] = EventHandlers("ledger")
"""How the ledger records each event class (a fact later events refer to), or why it does not."""

APPLY.leave_alone(
    "awareness figures: no later event refers to a training or a campaign",
    m.TrainingCompleted,
    m.CampaignHeld,
)
APPLY.leave_alone(
    "a finding for the evaluation report: no later event refers to one",
    m.EvaluationFindingRecorded,
)
APPLY.leave_alone(
    "a decision no later event refers to: validation needs only the screening it follows",
    m.PermitDecided,
    m.StopTalkHeld,
)


@APPLY.on(m.SignalReceived)
def _signal(e: m.SignalReceived, ledger: Ledger) -> None:
    ledger.cases[e.case_id] = CaseFacts(reported_by=e.recorded_by)


@APPLY.on(m.IntakeAssessed)
def _intake(e: m.IntakeAssessed, ledger: Ledger) -> None:
    ledger.cases[e.case_id].advance(e)
    if e.outcome is m.IntakeOutcome.FORWARD and e.forward_to is not None:
        ledger.forwards[e.event_id] = Forward(e.case_id, frozenset({e.forward_to}))


@APPLY.on(m.SeverityAssessed)
def _severity(e: m.SeverityAssessed, ledger: Ledger) -> None:
    ledger.cases[e.case_id].advance(e)


@APPLY.on(m.SourceResearchCompleted)
def _research(e: m.SourceResearchCompleted, ledger: Ledger) -> None:
    ledger.cases[e.case_id].advance(e)


@APPLY.on(m.ActionPlanAdopted)
def _plan(e: m.ActionPlanAdopted, ledger: Ledger) -> None:
    case = ledger.cases[e.case_id]
    case.advance(e)
    case.action_owners.update({a.action_id: a.owner for a in e.actions})
    addressees = (ledger.police if e.forward_to_police else frozenset()) | (
        ledger.riec if e.escalate_to_riec else frozenset()
    )
    if addressees:
        ledger.forwards[e.event_id] = Forward(e.case_id, addressees)


@APPLY.on(m.ActionCompleted)
def _action(e: m.ActionCompleted, ledger: Ledger) -> None:
    case = ledger.cases[e.case_id]
    case.advance(e)
    case.actions_ended.add(e.action_id)


@APPLY.on(m.MeasureImposed)
def _measure(e: m.MeasureImposed, ledger: Ledger) -> None:
    ledger.measures.add(e.measure_id)
    if e.case_id is not None:
        ledger.cases[e.case_id].advance(e)


@APPLY.on(m.SignalForwarded)
def _forwarded(e: m.SignalForwarded, ledger: Ledger) -> None:
    ledger.forwards[e.event_id] = Forward(e.case_id, frozenset({e.to_partner}))


@APPLY.on(m.SignalAcknowledged)
def _acknowledged(e: m.SignalAcknowledged, ledger: Ledger) -> None:
    ledger.forwards[e.forward_event_id].acknowledged_by.add(e.recorded_by)


@APPLY.on(m.CaseClosed)
def _closed(e: m.CaseClosed, ledger: Ledger) -> None:
    ledger.cases[e.case_id].advance(e)


@APPLY.on(m.SharingDecided)
def _shared(e: m.SharingDecided, ledger: Ledger) -> None:
    ledger.decisions[e.decision_id] = Decision(e.case_id, e.partner)


@APPLY.on(m.SharingRevoked)
def _revoked(e: m.SharingRevoked, ledger: Ledger) -> None:
    ledger.decisions[e.decision_id].revoked = True


@APPLY.on(m.BibobScreeningCompleted)
def _screened(e: m.BibobScreeningCompleted, ledger: Ledger) -> None:
    ledger.screenings[e.screening_id] = e.permit_type


@APPLY.on(m.ControlDayPlanned)
def _day_planned(e: m.ControlDayPlanned, ledger: Ledger) -> None:
    ledger.control_days[e.control_day_id] = ControlDay(frozenset(e.participants))


@APPLY.on(m.ControlVisitLogged)
def _visit(e: m.ControlVisitLogged, ledger: Ledger) -> None:
    ledger.visits.add(e.visit_id)


@APPLY.on(m.ControlDayClosed)
def _day_closed(e: m.ControlDayClosed, ledger: Ledger) -> None:
    ledger.control_days[e.control_day_id].closed = True


@APPLY.on(m.VictimIdentified)
def _victim(e: m.VictimIdentified, ledger: Ledger) -> None:
    ledger.victims[e.victim] = e.case_id or ledger.victims.get(e.victim)
    case = ledger.cases.get(e.case_id or "")
    if case is not None:
        case.victims.add(e.victim)


@APPLY.on(m.ReferralMade)
def _referral(e: m.ReferralMade, ledger: Ledger) -> None:
    case_id = e.case_id or ledger.victims.get(e.victim)
    ledger.referrals[e.referral_id] = Referral(e.victim, e.provider, case_id)


ReferralStep = m.ReferralAccepted | m.ReferralDeclined | m.CareStarted | m.CareEnded


def _referral_status(status: ReferralStatus) -> Callable[[ReferralStep, Ledger], None]:
    def apply(e: ReferralStep, ledger: Ledger) -> None:
        ledger.referrals[e.referral_id].status = status

    return apply


APPLY.add(m.ReferralAccepted, _referral_status(ReferralStatus.ACCEPTED))
APPLY.add(m.ReferralDeclined, _referral_status(ReferralStatus.DECLINED))
APPLY.add(m.CareStarted, _referral_status(ReferralStatus.CARE_STARTED))
APPLY.add(m.CareEnded, _referral_status(ReferralStatus.CARE_ENDED))


@APPLY.on(m.MeetingHeld)
def _meeting(e: m.MeetingHeld, ledger: Ledger) -> None:
    ledger.meetings.add(e.meeting_id)
