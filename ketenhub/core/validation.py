"""Validation of meaning: clean fields, phases in order, references that exist, no future times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.field_check import check_fields
from ketenhub.core.ledger import CaseFacts, Ledger, ReferralStatus, Stage
from ketenhub.core.partners import PartnerRegistry, Role
from ketenhub.core.rejection import Rejection, RejectionCode

CLOCK_SKEW = dt.timedelta(minutes=5)
_Rule = Callable[[Ledger, PartnerRegistry, Any], Rejection | None]


def _reject(code: RejectionCode, reason: str) -> Rejection:
    return Rejection(code, reason)


def validate(
    ledger: Ledger, registry: PartnerRegistry, event: Event, now: dt.datetime
) -> Rejection | None:
    """Return why ``event`` cannot be sealed after the events in ``ledger``, or None."""
    if problem := check_fields(registry, event):
        return problem
    if event.occurred_at > now + CLOCK_SKEW:
        return _reject(
            RejectionCode.FUTURE_TIME,
            f"occurred_at {event.occurred_at.isoformat()} is in the future (hub time "
            f"{now.isoformat()}, tolerance {CLOCK_SKEW}); send UTC times of things that happened",
        )
    rule = _RULES.get(type(event))
    return None if rule is None else rule(ledger, registry, event)


def _case(ledger: Ledger, event: Event, *, open_only: bool = True) -> CaseFacts | Rejection:
    case_id = event.case_ref
    case = ledger.cases.get(case_id or "")
    if case is None:
        return _reject(
            RejectionCode.MISSING_REFERENCE,
            f"{event.EVENT_TYPE} refers to case {case_id!r}, which no SignalReceived opened",
        )
    if open_only and case.closed:
        return _reject(
            RejectionCode.CASE_CLOSED, f"case {case_id!r} is closed; no further {event.EVENT_TYPE}"
        )
    return case


def _in_stage(event: Event, case: CaseFacts, expected: Stage, before: str) -> Rejection | None:
    if case.stage != expected:
        return _reject(
            RejectionCode.OUT_OF_ORDER,
            f"{event.EVENT_TYPE} needs case {event.case_ref!r} in phase {expected.name} "
            f"(after {before}), but it is in phase {case.stage.name}",
        )
    return None


def _known_partner(registry: PartnerRegistry, partner_id: str, what: str) -> Rejection | None:
    if not registry.knows(partner_id):
        return _reject(
            RejectionCode.MISSING_REFERENCE, f"{what} {partner_id!r} is not in the partner registry"
        )
    return None


def _new_id(table: object, key: str, what: str) -> Rejection | None:
    if key in table:  # type: ignore[operator]  # dicts and sets of ids alike
        return _reject(RejectionCode.ALREADY_EXISTS, f"{what} {key!r} already exists; use a new id")
    return None


def _signal(ledger: Ledger, registry: PartnerRegistry, e: m.SignalReceived) -> Rejection | None:
    if e.case_id in ledger.cases:
        return _reject(
            RejectionCode.ALREADY_EXISTS, f"case {e.case_id!r} was already opened by another signal"
        )
    if not e.exploitation_forms:
        return _reject(
            RejectionCode.INVALID_VALUE, "a signal names at least one suspected exploitation form"
        )
    return None


def _intake(ledger: Ledger, registry: PartnerRegistry, e: m.IntakeAssessed) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    forwarding = e.outcome is m.IntakeOutcome.FORWARD
    if forwarding != (e.forward_to is not None):
        return _reject(
            RejectionCode.INVALID_VALUE, "forward_to is required with outcome FORWARD and only then"
        )
    if e.forward_to is not None and (
        problem := _known_partner(registry, e.forward_to, "forward_to")
    ):
        return problem
    return _in_stage(e, case, Stage.RECEIVED, "SignalReceived")


def _severity(ledger: Ledger, registry: PartnerRegistry, e: m.SeverityAssessed) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    if problem := _in_stage(e, case, Stage.INTAKE, "IntakeAssessed"):
        return problem
    if case.intake is not m.IntakeOutcome.ACCEPT:
        return _reject(
            RejectionCode.OUT_OF_ORDER, f"the intake of case {e.case_id!r} did not accept it"
        )
    return None


def _research(
    ledger: Ledger, registry: PartnerRegistry, e: m.SourceResearchCompleted
) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    if problem := _in_stage(e, case, Stage.SEVERITY, "IntakeAssessed and SeverityAssessed"):
        return problem
    if case.severity is not m.SeverityOutcome.INVESTIGATE:
        return _reject(
            RejectionCode.OUT_OF_ORDER,
            f"the severity assessment of case {e.case_id!r} was not INVESTIGATE",
        )
    return None


def _plan(ledger: Ledger, registry: PartnerRegistry, e: m.ActionPlanAdopted) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    if problem := _in_stage(e, case, Stage.SOURCE_RESEARCH, "intake, severity and source research"):
        return problem
    ids = [a.action_id for a in e.actions]
    if not ids or len(set(ids)) != len(ids):
        return _reject(
            RejectionCode.INVALID_VALUE,
            "an action plan has at least one action and unique action ids",
        )
    for action in e.actions:
        if problem := _known_partner(
            registry, action.owner, f"owner of action {action.action_id!r}"
        ):
            return problem
    return None


def _action(ledger: Ledger, registry: PartnerRegistry, e: m.ActionCompleted) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    owner = case.action_owners.get(e.action_id)
    if owner is None:
        return _reject(
            RejectionCode.MISSING_REFERENCE,
            f"case {e.case_id!r} has no planned action {e.action_id!r}",
        )
    if e.action_id in case.actions_ended:
        return _reject(
            RejectionCode.ALREADY_EXISTS, f"action {e.action_id!r} was already reported as ended"
        )
    if e.recorded_by != owner and registry.get(e.recorded_by).role is not Role.COORDINATOR:
        return _reject(
            RejectionCode.NOT_AUTHORIZED,
            f"action {e.action_id!r} is owned by {owner!r}; only the owner or the coordinator reports it",
        )
    return None


def _measure(ledger: Ledger, registry: PartnerRegistry, e: m.MeasureImposed) -> Rejection | None:
    if problem := _new_id(ledger.measures, e.measure_id, "measure"):
        return problem
    if e.case_id is None and e.control_visit_id is None:
        return _reject(
            RejectionCode.MISSING_REFERENCE,
            "a measure names the case or the control visit it follows from",
        )
    if e.control_visit_id is not None and e.control_visit_id not in ledger.visits:
        return _reject(
            RejectionCode.MISSING_REFERENCE,
            f"control visit {e.control_visit_id!r} was never logged",
        )
    if e.case_id is not None:
        case = _case(ledger, e)
        if isinstance(case, Rejection):
            return case
        if case.stage < Stage.ACTION_PLAN:
            return _reject(
                RejectionCode.OUT_OF_ORDER,
                f"a measure in case {e.case_id!r} needs an adopted action plan first",
            )
    return None


def _forwarded(ledger: Ledger, registry: PartnerRegistry, e: m.SignalForwarded) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    return _known_partner(registry, e.to_partner, "to_partner")


def _acknowledged(
    ledger: Ledger, registry: PartnerRegistry, e: m.SignalAcknowledged
) -> Rejection | None:
    forward = ledger.forwards.get(e.forward_event_id)
    if forward is None or forward.case_id != e.case_id:
        return _reject(
            RejectionCode.MISSING_REFERENCE,
            f"no forward {e.forward_event_id} of case {e.case_id!r} exists to acknowledge",
        )
    if e.recorded_by not in forward.addressees:
        return _reject(
            RejectionCode.NOT_AUTHORIZED,
            f"forward {e.forward_event_id} was not addressed to {e.recorded_by!r}",
        )
    if e.recorded_by in forward.acknowledged_by:
        return _reject(
            RejectionCode.ALREADY_EXISTS,
            f"{e.recorded_by!r} already acknowledged forward {e.forward_event_id}",
        )
    return None


def _closed(ledger: Ledger, registry: PartnerRegistry, e: m.CaseClosed) -> Rejection | None:
    case = _case(ledger, e)
    return case if isinstance(case, Rejection) else None


def _shared(ledger: Ledger, registry: PartnerRegistry, e: m.SharingDecided) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    if problem := _new_id(ledger.decisions, e.decision_id, "sharing decision"):
        return problem
    if e.meeting_id is not None and e.meeting_id not in ledger.meetings:
        return _reject(RejectionCode.MISSING_REFERENCE, f"meeting {e.meeting_id!r} was never held")
    return _known_partner(registry, e.partner, "partner")


def _revoked(ledger: Ledger, registry: PartnerRegistry, e: m.SharingRevoked) -> Rejection | None:
    decision = ledger.decisions.get(e.decision_id)
    if decision is None or decision.case_id != e.case_id or decision.partner != e.partner:
        return _reject(
            RejectionCode.MISSING_REFERENCE,
            f"no sharing decision {e.decision_id!r} with {e.partner!r} in case {e.case_id!r} exists",
        )
    if decision.revoked:
        return _reject(
            RejectionCode.ALREADY_EXISTS, f"sharing decision {e.decision_id!r} was already revoked"
        )
    return None


def _screened(
    ledger: Ledger, registry: PartnerRegistry, e: m.BibobScreeningCompleted
) -> Rejection | None:
    return _new_id(ledger.screenings, e.screening_id, "Bibob screening")


def _permit(ledger: Ledger, registry: PartnerRegistry, e: m.PermitDecided) -> Rejection | None:
    screened = ledger.screenings.get(e.screening_id)
    if screened is None:
        return _reject(
            RejectionCode.OUT_OF_ORDER,
            f"permit decided before Bibob screening {e.screening_id!r} was completed",
        )
    if screened is not e.permit_type:
        return _reject(
            RejectionCode.INVALID_VALUE,
            f"screening {e.screening_id!r} was for {screened}, not {e.permit_type}",
        )
    return None


def _day_planned(
    ledger: Ledger, registry: PartnerRegistry, e: m.ControlDayPlanned
) -> Rejection | None:
    if problem := _new_id(ledger.control_days, e.control_day_id, "control day"):
        return problem
    for participant in e.participants:
        if problem := _known_partner(registry, participant, "participant"):
            return problem
    return None


def _visit(ledger: Ledger, registry: PartnerRegistry, e: m.ControlVisitLogged) -> Rejection | None:
    day = ledger.control_days.get(e.control_day_id)
    if day is None or day.closed:
        state = "was never planned" if day is None else "is already closed"
        return _reject(RejectionCode.MISSING_REFERENCE, f"control day {e.control_day_id!r} {state}")
    if problem := _new_id(ledger.visits, e.visit_id, "control visit"):
        return problem
    if e.people_encountered < 0:
        return _reject(RejectionCode.INVALID_VALUE, "people_encountered cannot be negative")
    coordinator = registry.get(e.recorded_by).role is Role.COORDINATOR
    if e.recorded_by not in day.participants and not coordinator:
        return _reject(
            RejectionCode.NOT_AUTHORIZED,
            f"{e.recorded_by!r} does not take part in control day {e.control_day_id!r}",
        )
    return None


def _day_closed(
    ledger: Ledger, registry: PartnerRegistry, e: m.ControlDayClosed
) -> Rejection | None:
    day = ledger.control_days.get(e.control_day_id)
    if day is None or day.closed:
        state = "was never planned" if day is None else "is already closed"
        return _reject(RejectionCode.MISSING_REFERENCE, f"control day {e.control_day_id!r} {state}")
    return None


def _victim(ledger: Ledger, registry: PartnerRegistry, e: m.VictimIdentified) -> Rejection | None:
    if e.case_id is None:
        return None
    case = _case(ledger, e, open_only=False)
    return case if isinstance(case, Rejection) else None


def _referral(ledger: Ledger, registry: PartnerRegistry, e: m.ReferralMade) -> Rejection | None:
    if e.victim not in ledger.victims:
        return _reject(
            RejectionCode.MISSING_REFERENCE,
            f"referral of victim {e.victim!r}, who was never identified (VictimIdentified first)",
        )
    if problem := _new_id(ledger.referrals, e.referral_id, "referral"):
        return problem
    if problem := _known_partner(registry, e.provider, "provider"):
        return problem
    if registry.get(e.provider).role is not Role.CARE:
        return _reject(
            RejectionCode.INVALID_VALUE, f"provider {e.provider!r} is not a care partner"
        )
    known_case = ledger.victims[e.victim]
    if e.case_id is not None and known_case is not None and e.case_id != known_case:
        return _reject(
            RejectionCode.INVALID_VALUE,
            f"victim {e.victim!r} belongs to case {known_case!r}, not {e.case_id!r}",
        )
    return None


def _referral_step(expected: ReferralStatus, step: str) -> _Rule:
    def rule(ledger: Ledger, registry: PartnerRegistry, e: m.ReferralAccepted) -> Rejection | None:
        referral = ledger.referrals.get(e.referral_id)
        if referral is None:
            return _reject(
                RejectionCode.MISSING_REFERENCE, f"referral {e.referral_id!r} was never made"
            )
        if referral.provider != e.recorded_by:
            return _reject(
                RejectionCode.NOT_AUTHORIZED,
                f"referral {e.referral_id!r} is addressed to {referral.provider!r}; only that provider records {step}",
            )
        if referral.status is not expected:
            return _reject(
                RejectionCode.OUT_OF_ORDER,
                f"{step} needs referral {e.referral_id!r} in status {expected}, it is {referral.status}",
            )
        return None

    return rule


def _stop_talk(ledger: Ledger, registry: PartnerRegistry, e: m.StopTalkHeld) -> Rejection | None:
    """A stop talk may stand alone; one that names a case needs that case, still open."""
    if e.case_id is None:
        return None
    found = _case(ledger, e)
    return found if isinstance(found, Rejection) else None


def _meeting(ledger: Ledger, registry: PartnerRegistry, e: m.MeetingHeld) -> Rejection | None:
    if problem := _new_id(ledger.meetings, e.meeting_id, "meeting"):
        return problem
    unknown = sorted(set(e.cases_discussed) - ledger.cases.keys())
    if unknown:
        return _reject(
            RejectionCode.MISSING_REFERENCE, f"meeting discussed unknown case(s) {unknown}"
        )
    return None


def _non_negative(name: str) -> _Rule:
    def rule(ledger: Ledger, registry: PartnerRegistry, e: Event) -> Rejection | None:
        if getattr(e, name) < 0:
            return _reject(RejectionCode.INVALID_VALUE, f"{name} cannot be negative")
        return None

    return rule


_RULES: dict[type[Event], _Rule] = {
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
    m.PermitDecided: _permit,
    m.ControlDayPlanned: _day_planned,
    m.ControlVisitLogged: _visit,
    m.ControlDayClosed: _day_closed,
    m.VictimIdentified: _victim,
    m.ReferralMade: _referral,
    m.ReferralAccepted: _referral_step(ReferralStatus.MADE, "ReferralAccepted"),
    m.ReferralDeclined: _referral_step(ReferralStatus.MADE, "ReferralDeclined"),
    m.CareStarted: _referral_step(ReferralStatus.ACCEPTED, "CareStarted"),
    m.CareEnded: _referral_step(ReferralStatus.CARE_STARTED, "CareEnded"),
    m.MeetingHeld: _meeting,
    m.StopTalkHeld: _stop_talk,
    m.TrainingCompleted: _non_negative("participants"),
    m.CampaignHeld: _non_negative("reach"),
}
