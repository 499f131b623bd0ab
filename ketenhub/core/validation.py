"""Validation of meaning: clean fields, phases in order, references that exist, times in range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.event_handlers import EventHandlers
from ketenhub.core.field_check import check_fields
from ketenhub.core.ledger import CaseFacts, Ledger, ReferralStatus
from ketenhub.core.partners import PartnerRegistry, Role
from ketenhub.core.phases import PhaseEvent, closed_case, next_phase, unknown_case
from ketenhub.core.rejection import Rejection, RejectionCode

CLOCK_SKEW = dt.timedelta(minutes=5)
EARLIEST_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""No event happened before this: the evaluation, archives and replay cover 1970 on."""


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
    if event.occurred_at < EARLIEST_TIME:
        return _reject(
            RejectionCode.INVALID_VALUE,
            f"occurred_at {event.occurred_at.isoformat()} lies before {EARLIEST_TIME.year}, "
            "before anything the hub keeps, evaluates or archives; send the time it happened",
        )
    rule = RULES.of(event)
    if rule is not None and (problem := rule(event, ledger, registry)):
        return problem
    return _after_close(ledger, event)


AFTER_CLOSE: frozenset[type[Event]] = frozenset(
    {
        # Withdrawing a partner's access must stay possible for as long as it was granted.
        m.SharingRevoked,
        # An addressee picks up a forward made before the close (a signal forwarded to the
        # police at intake and closed there is picked up by the police afterwards).
        m.SignalAcknowledged,
        # Care for a victim outlives the case: the provider answers and ends a referral made
        # before the case closed (a new referral of that victim is refused).
        m.ReferralAccepted,
        m.ReferralDeclined,
        m.CareStarted,
        m.CareEnded,
    }
)
"""The events of a case that may still be sealed after its ``CaseClosed``; every other event
naming a closed case is refused as ``CASE_CLOSED``."""


def _after_close(ledger: Ledger, event: Event) -> Rejection | None:
    """``CASE_CLOSED`` for an event of a closed case that may not follow a close, else None."""
    case = ledger.cases.get(event.case_ref or "")
    if case is None or not case.closed or type(event) in AFTER_CLOSE:
        return None
    return closed_case(event)


RULES: EventHandlers[[Ledger, PartnerRegistry], Rejection | None] = EventHandlers("validation")
"""The rule of each event class: why an event of it cannot be sealed after the ledger, or None."""


def _case(ledger: Ledger, event: Event, *, open_only: bool = True) -> CaseFacts | Rejection:
    case = ledger.cases.get(event.case_ref or "")
    if case is None:
        return unknown_case(event)
    if open_only and case.closed:
        return closed_case(event)
    return case


def _phase_refusal(ledger: Ledger, event: PhaseEvent) -> Rejection | None:
    """Why the phase machine refuses ``event`` for its case, or None."""
    case = ledger.cases.get(event.case_ref or "")
    moved = next_phase(None if case is None else case.progress, event)
    return moved if isinstance(moved, Rejection) else None


def _known_partner(registry: PartnerRegistry, partner_id: str, what: str) -> Rejection | None:
    if not registry.knows(partner_id):
        return _reject(
            RejectionCode.MISSING_REFERENCE, f"{what} {partner_id!r} is not in the partner registry"
        )
    return None


def _no_care_partner(
    registry: PartnerRegistry, partner_id: str, what: str, given: str
) -> Rejection | None:
    """A care partner is given referrals of identified victims, never a case's signal: it
    sees only those (need-to-know), so it can take up nothing else."""
    if registry.knows(partner_id) and registry.get(partner_id).role is Role.CARE:
        return _reject(
            RejectionCode.INVALID_VALUE,
            f"{what} {partner_id!r} is a care partner, and care partners get no {given}, only "
            "referrals of identified victims (VictimIdentified, then ReferralMade)",
        )
    return None


def _new_id(table: Container[str], key: str, what: str) -> Rejection | None:
    if key in table:
        return _reject(RejectionCode.ALREADY_EXISTS, f"{what} {key!r} already exists; use a new id")
    return None


@RULES.on(m.SignalReceived)
def _signal(e: m.SignalReceived, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    if problem := _phase_refusal(ledger, e):
        return problem
    if not e.exploitation_forms:
        return _reject(
            RejectionCode.INVALID_VALUE, "a signal names at least one suspected exploitation form"
        )
    if e.source_organisation is not None and e.channel is not m.Channel.EXTERNAL_ROUTE:
        return _reject(
            RejectionCode.INVALID_VALUE,
            f"source_organisation names an outside organisation, so only a signal on the "
            f"EXTERNAL_ROUTE channel has one, not one on {e.channel.value}",
        )
    return None


@RULES.on(m.IntakeAssessed)
def _intake(e: m.IntakeAssessed, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
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
        or _no_care_partner(registry, e.forward_to, "forward_to", "forwarded signals")
    ):
        return problem
    return _phase_refusal(ledger, e)


@RULES.on(m.SeverityAssessed)
def _severity(e: m.SeverityAssessed, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    return _phase_refusal(ledger, e)


@RULES.on(m.SourceResearchCompleted)
def _research(
    e: m.SourceResearchCompleted, ledger: Ledger, registry: PartnerRegistry
) -> Rejection | None:
    return _phase_refusal(ledger, e)


@RULES.on(m.ActionPlanAdopted)
def _plan(e: m.ActionPlanAdopted, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    if problem := _phase_refusal(ledger, e):
        return problem
    ids = [a.action_id for a in e.actions]
    if not ids or len(set(ids)) != len(ids):
        return _reject(
            RejectionCode.INVALID_VALUE,
            "an action plan has at least one action and unique action ids",
        )
    for action in e.actions:
        owner = f"owner of action {action.action_id!r}"
        if problem := _known_partner(registry, action.owner, owner) or _no_care_partner(
            registry, action.owner, owner, "actions"
        ):
            return problem
    return None


@RULES.on(m.ActionCompleted)
def _action(e: m.ActionCompleted, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
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
    return _phase_refusal(ledger, e)  # a planned action puts its case at ACTION_PLAN or later


@RULES.on(m.MeasureImposed)
def _measure(e: m.MeasureImposed, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
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
    return None if e.case_id is None else _phase_refusal(ledger, e)


@RULES.on(m.SignalForwarded)
def _forwarded(e: m.SignalForwarded, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    return (
        _known_partner(registry, e.to_partner, "to_partner")
        or _no_care_partner(registry, e.to_partner, "to_partner", "forwarded signals")
        or _no_care_reason(e)
    )


FORWARD_REASONS = tuple(r for r in m.ForwardReason if r is not m.ForwardReason.CARE)
"""The reasons a signal may be forwarded for (``CARE`` is refused: care goes by referral)."""


def _no_care_reason(e: m.SignalForwarded) -> Rejection | None:
    """Care is arranged by referral, so no signal is forwarded "for care": the symbol stays in
    the schema only so that records written before this rule remain readable."""
    if e.reason is m.ForwardReason.CARE:
        return _reject(
            RejectionCode.INVALID_VALUE,
            "reason 'CARE' is not used for a forward: care is arranged by a referral of an "
            "identified victim (VictimIdentified, then ReferralMade to a care partner)",
        )
    return None


@RULES.on(m.SignalAcknowledged)
def _acknowledged(
    e: m.SignalAcknowledged, ledger: Ledger, registry: PartnerRegistry
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


@RULES.on(m.CaseClosed)
def _closed(e: m.CaseClosed, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    return _phase_refusal(ledger, e)


@RULES.on(m.SharingDecided)
def _shared(e: m.SharingDecided, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    case = _case(ledger, e)
    if isinstance(case, Rejection):
        return case
    if problem := _new_id(ledger.decisions, e.decision_id, "sharing decision"):
        return problem
    if e.meeting_id is not None and e.meeting_id not in ledger.meetings:
        return _reject(RejectionCode.MISSING_REFERENCE, f"meeting {e.meeting_id!r} was never held")
    return _known_partner(registry, e.partner, "partner") or _no_care_partner(
        registry, e.partner, "partner", "shared cases"
    )


@RULES.on(m.SharingRevoked)
def _revoked(e: m.SharingRevoked, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
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


@RULES.on(m.BibobScreeningCompleted)
def _screened(
    e: m.BibobScreeningCompleted, ledger: Ledger, registry: PartnerRegistry
) -> Rejection | None:
    return _new_id(ledger.screenings, e.screening_id, "Bibob screening")


@RULES.on(m.PermitDecided)
def _permit(e: m.PermitDecided, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
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


@RULES.on(m.ControlDayPlanned)
def _day_planned(
    e: m.ControlDayPlanned, ledger: Ledger, registry: PartnerRegistry
) -> Rejection | None:
    if problem := _new_id(ledger.control_days, e.control_day_id, "control day"):
        return problem
    for participant in e.participants:
        if problem := _known_partner(registry, participant, "participant"):
            return problem
    return _planned_addresses_problem(e)


def _planned_addresses_problem(e: m.ControlDayPlanned) -> Rejection | None:
    """Each planned address once; every display form under the one key of the day."""
    addresses = [planned.address for planned in e.planned_addresses]
    if len(set(addresses)) != len(addresses):
        return _reject(
            RejectionCode.INVALID_VALUE,
            f"control day {e.control_day_id!r} plans the same address twice; plan it once",
        )
    if len({planned.display.subject for planned in e.planned_addresses}) > 1:
        return _reject(
            RejectionCode.INVALID_VALUE,
            f"the addresses of control day {e.control_day_id!r} are encrypted under more than "
            "one subject; encrypt every display form under the day's own subject",
        )
    return None


@RULES.on(m.ControlVisitLogged)
def _visit(e: m.ControlVisitLogged, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
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


@RULES.on(m.ControlDayClosed)
def _day_closed(
    e: m.ControlDayClosed, ledger: Ledger, registry: PartnerRegistry
) -> Rejection | None:
    day = ledger.control_days.get(e.control_day_id)
    if day is None or day.closed:
        state = "was never planned" if day is None else "is already closed"
        return _reject(RejectionCode.MISSING_REFERENCE, f"control day {e.control_day_id!r} {state}")
    return None


@RULES.on(m.VictimIdentified)
def _victim(e: m.VictimIdentified, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    forms = [e.exploitation_form, *e.other_exploitation_forms]
    if len(set(forms)) != len(forms):
        return _reject(
            RejectionCode.INVALID_VALUE,
            "other_exploitation_forms names the main exploitation_form or a form twice; "
            "name each form once",
        )
    if e.case_id is None:
        return None
    case = _case(ledger, e, open_only=False)
    if isinstance(case, Rejection):
        return case
    if e.victim in case.victims:
        return _reject(
            RejectionCode.ALREADY_EXISTS,
            f"victim {e.victim!r} is already identified in case {e.case_id!r}; a victim is "
            "identified once per case, with every form of exploitation in one VictimIdentified "
            "(exploitation_form and other_exploitation_forms)",
        )
    return None


@RULES.on(m.ReferralMade)
def _referral(e: m.ReferralMade, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
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
    victims_case = ledger.cases.get(known_case or "")
    if e.case_id is None and victims_case is not None and victims_case.closed:
        return _reject(
            RejectionCode.CASE_CLOSED,
            f"victim {e.victim!r} belongs to case {known_case!r}, which is closed; "
            "no new ReferralMade",
        )
    return None


ReferralStep = m.ReferralAccepted | m.ReferralDeclined | m.CareStarted | m.CareEnded


def _referral_step(
    expected: ReferralStatus,
) -> Callable[[ReferralStep, Ledger, PartnerRegistry], Rejection | None]:
    def rule(e: ReferralStep, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
        step = e.EVENT_TYPE
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


RULES.add(m.ReferralAccepted, _referral_step(ReferralStatus.MADE))
RULES.add(m.ReferralDeclined, _referral_step(ReferralStatus.MADE))
RULES.add(m.CareStarted, _referral_step(ReferralStatus.ACCEPTED))
RULES.add(m.CareEnded, _referral_step(ReferralStatus.CARE_STARTED))


@RULES.on(m.StopTalkHeld)
def _stop_talk(e: m.StopTalkHeld, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    """A stop talk may stand alone; one that names a case needs that case, still open."""
    if e.case_id is None:
        return None
    found = _case(ledger, e)
    return found if isinstance(found, Rejection) else None


@RULES.on(m.MeetingHeld)
def _meeting(e: m.MeetingHeld, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    if problem := _new_id(ledger.meetings, e.meeting_id, "meeting"):
        return problem
    cases = ledger.cases  # looked up per case discussed, never walked (it grows with the log)
    unknown = sorted({c for c in e.cases_discussed if c not in cases})
    if unknown:
        return _reject(
            RejectionCode.MISSING_REFERENCE, f"meeting discussed unknown case(s) {unknown}"
        )
    return None


@RULES.on(m.TrainingCompleted)
def _training(
    e: m.TrainingCompleted, ledger: Ledger, registry: PartnerRegistry
) -> Rejection | None:
    if e.participants < 0:
        return _reject(RejectionCode.INVALID_VALUE, "participants cannot be negative")
    return None


@RULES.on(m.EvaluationFindingRecorded)
def _finding(
    e: m.EvaluationFindingRecorded, ledger: Ledger, registry: PartnerRegistry
) -> Rejection | None:
    """A finding is recorded on or after the day of the interview (or other source) it is from."""
    if e.held_on > e.occurred_at.date():
        return _reject(
            RejectionCode.INVALID_VALUE,
            "held_on lies after occurred_at: a finding is recorded after the source it comes from",
        )
    return None


@RULES.on(m.CampaignHeld)
def _campaign(e: m.CampaignHeld, ledger: Ledger, registry: PartnerRegistry) -> Rejection | None:
    if e.reach < 0:
        return _reject(RejectionCode.INVALID_VALUE, "reach cannot be negative")
    return None
