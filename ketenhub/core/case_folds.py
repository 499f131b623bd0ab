"""How each sealed event folds into the state of its case, and which sections each fold writes.

One fold per event class, typed for that class (``EventHandlers``); the classes no case view
concerns are left alone, each with the reason. ``written_sections`` lets a state forget the
encoding of what a fold rewrote, and a projection keep the views that read none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.contract.view_records import (
    Action,
    Closure,
    Forward,
    Intake,
    Measure,
    Meeting,
    Plan,
    Referral,
    ReferralStatus,
    Research,
    Severity,
    SharingDecision,
    Signal,
    Victim,
)
from ketenhub.core.event_handlers import EventHandlers
from ketenhub.core.phases import entered_phase

if TYPE_CHECKING:
    from ketenhub.core.case_state import CaseState

E = TypeVar("E", bound=Event)
_Fold = Callable[[E, "CaseState", frozenset[str]], None]

# The fold of each event type into a case state (besides ``last_sequence`` and ``history``,
# which ``CaseState.apply`` sets for every event), and the sections each fold writes.
FOLD: EventHandlers[[CaseState, frozenset[str]], None] = EventHandlers("case state")
_WRITES: dict[type[Event], frozenset[str]] = {}


def _folds(event_type: type[E], *writes: str) -> Callable[[_Fold[E]], _Fold[E]]:
    """Register the decorated function as the fold of ``event_type``, writing ``writes``."""

    def register(fold: _Fold[E]) -> _Fold[E]:
        FOLD.add(event_type, fold)
        _WRITES[event_type] = frozenset(writes)
        return fold

    return register


FOLD.leave_alone("awareness: no case", m.CampaignHeld, m.TrainingCompleted)
FOLD.leave_alone(
    "permits and their screenings are outside a case's view",
    m.PermitDecided,
    m.BibobScreeningCompleted,
)
FOLD.leave_alone(
    "control days have their own view, not a case's",
    *(m.ControlDayPlanned, m.ControlVisitLogged, m.ControlDayClosed),
)
FOLD.leave_alone("stop talks with employers are not folded into the case state", m.StopTalkHeld)
FOLD.leave_alone("a finding for the evaluation report: no case", m.EvaluationFindingRecorded)


@_folds(m.SignalReceived, "signal")
def _signal(e: m.SignalReceived, s: CaseState, _: frozenset[str]) -> None:
    s.signal = Signal(
        received_at=e.occurred_at,
        reported_by=e.recorded_by,
        channel=e.channel,
        reporter_role=e.reporter_role,
        exploitation_forms=tuple(e.exploitation_forms),
        indicators=tuple(e.indicators),
        location=e.location,
        persons=tuple(e.persons),
        free_text=e.free_text,
        source_organisation=e.source_organisation,
    )


def _forward(s: CaseState, e: Event, to: frozenset[str], reason: str) -> None:
    s.forwards[str(e.event_id)] = Forward(
        to=tuple(sorted(to)), reason=reason, at=e.occurred_at, acknowledged={}
    )


@_folds(m.IntakeAssessed, "phase", "intake", "forwards")
def _intake(e: m.IntakeAssessed, s: CaseState, _: frozenset[str]) -> None:
    s.phase = entered_phase(e).name
    s.intake = Intake(
        at=e.occurred_at,
        is_undermining_crime=e.is_undermining_crime,
        is_municipal_task=e.is_municipal_task,
        is_within_municipality=e.is_within_municipality,
        outcome=e.outcome,
        forward_to=e.forward_to,
        rationale=e.rationale,
    )
    if e.forward_to is not None:
        _forward(s, e, frozenset({e.forward_to}), "INTAKE_FORWARD")


@_folds(m.SeverityAssessed, "phase", "severity")
def _severity(e: m.SeverityAssessed, s: CaseState, _: frozenset[str]) -> None:
    s.phase = entered_phase(e).name
    s.severity = Severity(at=e.occurred_at, outcome=e.outcome, rationale=e.rationale)


@_folds(m.SourceResearchCompleted, "phase", "research")
def _research(e: m.SourceResearchCompleted, s: CaseState, _: frozenset[str]) -> None:
    s.phase = entered_phase(e).name
    s.research = Research(
        at=e.occurred_at,
        registers_consulted=tuple(e.registers_consulted),
        finding_codes=tuple(e.finding_codes),
        summary=e.summary,
    )


@_folds(m.ActionPlanAdopted, "phase", "plan", "actions", "forwards")
def _plan(e: m.ActionPlanAdopted, s: CaseState, to: frozenset[str]) -> None:
    s.phase = entered_phase(e).name
    s.plan = Plan(
        at=e.occurred_at,
        forward_to_police=e.forward_to_police,
        escalate_to_riec=e.escalate_to_riec,
    )
    for action in e.actions:
        s.actions[action.action_id] = Action(
            kind=action.kind,
            owner=action.owner,
            due_date=action.due_date,
            result=None,
            ended_at=None,
            finding_codes=(),
        )
    if to:
        _forward(s, e, to, "ACTION_PLAN")


@_folds(m.ActionCompleted, "phase", "actions")
def _action(e: m.ActionCompleted, s: CaseState, _: frozenset[str]) -> None:
    s.phase = entered_phase(e).name
    s.actions[e.action_id] = replace(
        s.actions[e.action_id],
        result=e.result,
        ended_at=e.occurred_at,
        finding_codes=tuple(e.finding_codes),
    )


@_folds(m.MeasureImposed, "phase", "measures")
def _measure(e: m.MeasureImposed, s: CaseState, _: frozenset[str]) -> None:
    s.phase = entered_phase(e).name
    s.measures.append(
        Measure(
            measure_id=e.measure_id,
            measure=e.measure,
            legal_basis=e.legal_basis,
            at=e.occurred_at,
            recorded_by=e.recorded_by,
        )
    )


@_folds(m.SignalForwarded, "forwards")
def _forwarded(e: m.SignalForwarded, s: CaseState, _: frozenset[str]) -> None:
    _forward(s, e, frozenset({e.to_partner}), e.reason.value)


@_folds(m.SignalAcknowledged, "forwards")
def _acknowledged(e: m.SignalAcknowledged, s: CaseState, _: frozenset[str]) -> None:
    forward = s.forwards[str(e.forward_event_id)]
    acknowledged = {**forward.acknowledged, e.recorded_by: e.occurred_at}
    s.forwards[str(e.forward_event_id)] = replace(forward, acknowledged=acknowledged)


@_folds(m.CaseClosed, "closed")
def _closed(e: m.CaseClosed, s: CaseState, _: frozenset[str]) -> None:
    s.closed = Closure(at=e.occurred_at, reason=e.reason, phase=s.phase)


@_folds(m.SharingDecided, "sharing")
def _shared(e: m.SharingDecided, s: CaseState, _: frozenset[str]) -> None:
    s.sharing[e.decision_id] = SharingDecision(
        partner=e.partner,
        purpose=e.purpose,
        legal_basis=e.legal_basis,
        meeting_id=e.meeting_id,
        decided_at=e.occurred_at,
        revoked_at=None,
    )


@_folds(m.SharingRevoked, "sharing")
def _revoked(e: m.SharingRevoked, s: CaseState, _: frozenset[str]) -> None:
    s.sharing[e.decision_id] = replace(s.sharing[e.decision_id], revoked_at=e.occurred_at)


@_folds(m.VictimIdentified, "victims")
def _victim(e: m.VictimIdentified, s: CaseState, _: frozenset[str]) -> None:
    s.victims[e.victim] = Victim(
        age_group=e.age_group,
        gender=e.gender,
        exploitation_form=e.exploitation_form,
        residence_status=e.residence_status,
        identified_at=e.occurred_at,
        identified_by=e.recorded_by,
        other_exploitation_forms=tuple(e.other_exploitation_forms),
    )


@_folds(m.ReferralMade, "referrals")
def _referral(e: m.ReferralMade, s: CaseState, _: frozenset[str]) -> None:
    s.referrals[e.referral_id] = Referral(
        victim=e.victim,
        provider=e.provider,
        care_type=e.care_type,
        urgency=e.urgency,
        interpreter_needed=e.interpreter_needed,
        status=ReferralStatus.MADE,
        made_at=e.occurred_at,
    )


@_folds(m.ReferralAccepted, "referrals")
def _accepted(e: m.ReferralAccepted, s: CaseState, _: frozenset[str]) -> None:
    referral = s.referrals[e.referral_id]
    s.referrals[e.referral_id] = replace(
        referral, status=ReferralStatus.ACCEPTED, decided_at=e.occurred_at
    )


@_folds(m.ReferralDeclined, "referrals")
def _declined(e: m.ReferralDeclined, s: CaseState, _: frozenset[str]) -> None:
    referral = s.referrals[e.referral_id]
    s.referrals[e.referral_id] = replace(
        referral, status=ReferralStatus.DECLINED, decided_at=e.occurred_at, reason=e.reason
    )


@_folds(m.CareStarted, "referrals")
def _care_started(e: m.CareStarted, s: CaseState, _: frozenset[str]) -> None:
    referral = s.referrals[e.referral_id]
    s.referrals[e.referral_id] = replace(
        referral, status=ReferralStatus.CARE_STARTED, care_started_at=e.occurred_at
    )


@_folds(m.CareEnded, "referrals")
def _care_ended(e: m.CareEnded, s: CaseState, _: frozenset[str]) -> None:
    referral = s.referrals[e.referral_id]
    s.referrals[e.referral_id] = replace(
        referral, status=ReferralStatus.CARE_ENDED, care_ended_at=e.occurred_at, outcome=e.outcome
    )


@_folds(m.MeetingHeld, "meetings")
def _meeting(e: m.MeetingHeld, s: CaseState, _: frozenset[str]) -> None:
    s.meetings.append(Meeting(meeting_id=e.meeting_id, type=e.meeting_type, at=e.occurred_at))


def written_sections(event_type: type[Event]) -> frozenset[str]:
    """The sections a fold of ``event_type`` writes, besides ``last_sequence`` and ``history``."""
    return _WRITES.get(event_type, frozenset())
