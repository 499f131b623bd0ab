"""The history an evaluation reads: compact facts of the sealed events, folded in log order.

Only what the five parts compute with is kept (ids, moments, categories), so ten years of
events fit in memory. Every fact keeps the event id it came from, so each figure can name
the events behind it. Events that occurred at or after ``until`` are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.ledger import Stage
from ketenhub.evaluation.period import Stamp


@dataclass(slots=True)
class CaseFacts:
    """A case: its signal, the first event of each phase, its close and its actions."""

    case_id: str
    channel: str = ""
    forms: tuple[str, ...] = ()
    phases: dict[Stage, Stamp] = field(default_factory=dict)
    closed: Stamp | None = None
    close_reason: str = ""
    closed_phase: Stage = Stage.RECEIVED
    stored: Stamp | None = None
    actions: list[Stamp] = field(default_factory=list)
    shared_or_forwarded: list[Stamp] = field(default_factory=list)

    @property
    def signal(self) -> Stamp | None:
        """The SignalReceived that opened the case."""
        return self.phases.get(Stage.RECEIVED)

    def enter(self, stage: Stage, stamp: Stamp) -> None:
        """Record the first event that brought the case into ``stage``."""
        self.phases.setdefault(stage, stamp)


@dataclass(slots=True)
class Forward:
    """A signal forwarded (or a plan forwarded/escalated), and who acknowledged it when."""

    stamp: Stamp
    route: str
    case_id: str
    acks: list[tuple[Stamp, str]] = field(default_factory=list)


@dataclass(slots=True)
class PlannedAction:
    """An action of a plan: owner, due date, and how and when it ended."""

    plan: Stamp
    owner: str
    due: dt.date
    ended: Stamp | None = None
    result: str = ""


@dataclass(slots=True)
class Referral:
    """A referral of a victim to care, and its steps."""

    made: Stamp
    victim: str
    provider: str
    care_type: str
    accepted: Stamp | None = None
    declined: Stamp | None = None
    reason: str = ""
    started: Stamp | None = None
    ended: Stamp | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """A standalone event reduced to its stamp and the categories and numbers the parts use."""

    stamp: Stamp
    kind: str
    labels: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()


class History:
    """Facts of the events that occurred before ``until``, grown by ``add`` in log order."""

    def __init__(self, until: dt.datetime) -> None:
        self.until = until
        self.cases: dict[str, CaseFacts] = {}
        self.forwards: dict[str, Forward] = {}
        self.actions: dict[tuple[str, str], PlannedAction] = {}
        self.referrals: dict[str, Referral] = {}
        self.facts: dict[str, list[Fact]] = {}
        self.control_days: dict[str, Fact] = {}

    def add(self, event: Event) -> None:
        """Fold one sealed event (in log order) into the history."""
        if event.occurred_at >= self.until:
            return
        fold = _FOLD.get(type(event))
        if fold is not None:
            fold(self, event, Stamp(str(event.event_id), event.occurred_at))

    def of(self, kind: str) -> list[Fact]:
        """The standalone facts of one kind (e.g. ``training``), in log order."""
        return self.facts.get(kind, [])

    def case(self, case_id: str) -> CaseFacts:
        """The facts of a case (created empty for a case opened after ``until``)."""
        return self.cases.setdefault(case_id, CaseFacts(case_id))

    def keep(self, fact: Fact) -> None:
        """Keep a standalone fact under its kind."""
        self.facts.setdefault(fact.kind, []).append(fact)


def _signal(h: History, e: m.SignalReceived, s: Stamp) -> None:
    case = h.case(e.case_id)
    case.channel, case.forms = e.channel.value, tuple(f.value for f in e.exploitation_forms)
    case.enter(Stage.RECEIVED, s)


def _intake(h: History, e: m.IntakeAssessed, s: Stamp) -> None:
    h.case(e.case_id).enter(Stage.INTAKE, s)
    if e.outcome is m.IntakeOutcome.FORWARD:
        _forwarded(h, e.case_id, s, "INTAKE_FORWARD")


def _severity(h: History, e: m.SeverityAssessed, s: Stamp) -> None:
    case = h.case(e.case_id)
    case.enter(Stage.SEVERITY, s)
    if e.outcome is m.SeverityOutcome.STORE_FOR_FUTURE_USE:
        case.stored = case.stored or s


def _research(h: History, e: m.SourceResearchCompleted, s: Stamp) -> None:
    h.case(e.case_id).enter(Stage.SOURCE_RESEARCH, s)


def _plan(h: History, e: m.ActionPlanAdopted, s: Stamp) -> None:
    h.case(e.case_id).enter(Stage.ACTION_PLAN, s)
    for action in e.actions:
        h.actions[(e.case_id, action.action_id)] = PlannedAction(s, action.owner, action.due_date)
    if e.forward_to_police or e.escalate_to_riec:
        _forwarded(h, e.case_id, s, "ACTION_PLAN")


def _action(h: History, e: m.ActionCompleted, s: Stamp) -> None:
    planned = h.actions.get((e.case_id, e.action_id))
    if planned is not None:
        planned.ended, planned.result = s, e.result.value
    if e.result is m.ActionResult.COMPLETED:
        case = h.case(e.case_id)
        case.enter(Stage.ACTION, s)
        case.actions.append(s)


def _measure(h: History, e: m.MeasureImposed, s: Stamp) -> None:
    h.keep(Fact(s, "measure", (e.measure.value, e.control_visit_id or "", e.case_id or "")))
    if e.case_id is not None:
        case = h.case(e.case_id)
        case.enter(Stage.ACTION, s)
        case.actions.append(s)


def _forwarded(h: History, case_id: str, s: Stamp, route: str) -> None:
    h.forwards[s.event_id] = Forward(s, route, case_id)
    h.case(case_id).shared_or_forwarded.append(s)


def _signal_forwarded(h: History, e: m.SignalForwarded, s: Stamp) -> None:
    _forwarded(h, e.case_id, s, "SIGNAL_FORWARDED")


def _acknowledged(h: History, e: m.SignalAcknowledged, s: Stamp) -> None:
    forward = h.forwards.get(str(e.forward_event_id))
    if forward is not None:
        forward.acks.append((s, e.recorded_by))


def _closed(h: History, e: m.CaseClosed, s: Stamp) -> None:
    case = h.case(e.case_id)
    case.closed, case.close_reason = s, e.reason.value
    case.closed_phase = max(case.phases, default=Stage.RECEIVED)


def _shared(h: History, e: m.SharingDecided, s: Stamp) -> None:
    h.keep(Fact(s, "sharing", (e.partner, e.case_id)))
    h.case(e.case_id).shared_or_forwarded.append(s)


def _revoked(h: History, e: m.SharingRevoked, s: Stamp) -> None:
    h.keep(Fact(s, "revocation", (e.partner, e.case_id)))


def _victim(h: History, e: m.VictimIdentified, s: Stamp) -> None:
    labels = (e.victim, e.age_group.value, e.gender.value, e.exploitation_form.value)
    h.keep(Fact(s, "victim", labels))


def _referral(h: History, e: m.ReferralMade, s: Stamp) -> None:
    h.referrals[e.referral_id] = Referral(s, e.victim, e.provider, e.care_type.value)


def _referral_step(h: History, e: Any, s: Stamp) -> None:
    referral = h.referrals.get(e.referral_id)
    if referral is None:
        return
    if isinstance(e, m.ReferralAccepted):
        referral.accepted = s
    elif isinstance(e, m.ReferralDeclined):
        referral.declined, referral.reason = s, e.reason.value
    elif isinstance(e, m.CareStarted):
        referral.started = s
    else:
        referral.ended = s


def _day(h: History, e: m.ControlDayPlanned, s: Stamp) -> None:
    day = dt.datetime.combine(e.day, dt.time(), tzinfo=dt.UTC)
    fact = Fact(Stamp(s.event_id, day), "control_day", (e.kind.value, *e.participants))
    h.control_days[e.control_day_id] = fact
    h.keep(fact)


def _visit(h: History, e: m.ControlVisitLogged, s: Stamp) -> None:
    day = h.control_days.get(e.control_day_id)
    kind = day.labels[0] if day is not None else "UNKNOWN"
    numbers = (e.people_encountered, len(e.signals_raised))
    h.keep(Fact(s, "visit", (kind, *sorted(set(e.finding_codes))), numbers))


def _simple(
    kind: str, labels: Callable[[Any], tuple[str, ...]], numbers: Callable[[Any], tuple[int, ...]]
) -> _Fold:
    def fold(h: History, e: Any, s: Stamp) -> None:
        h.keep(Fact(s, kind, labels(e), numbers(e)))

    return fold


_Fold = Callable[[History, Any, Stamp], None]  # each takes the event type it is registered for

_FOLD: dict[type[Event], _Fold] = {
    m.SignalReceived: _signal,
    m.IntakeAssessed: _intake,
    m.SeverityAssessed: _severity,
    m.SourceResearchCompleted: _research,
    m.ActionPlanAdopted: _plan,
    m.ActionCompleted: _action,
    m.MeasureImposed: _measure,
    m.SignalForwarded: _signal_forwarded,
    m.SignalAcknowledged: _acknowledged,
    m.CaseClosed: _closed,
    m.SharingDecided: _shared,
    m.SharingRevoked: _revoked,
    m.VictimIdentified: _victim,
    m.ReferralMade: _referral,
    m.ReferralAccepted: _referral_step,
    m.ReferralDeclined: _referral_step,
    m.CareStarted: _referral_step,
    m.CareEnded: _referral_step,
    m.ControlDayPlanned: _day,
    m.ControlVisitLogged: _visit,
    m.TrainingCompleted: _simple(
        "training", lambda e: (e.audience_kind.value, e.audience.value), lambda e: (e.participants,)
    ),
    m.CampaignHeld: _simple("campaign", lambda e: (e.target_group.value,), lambda e: (e.reach,)),
    m.BibobScreeningCompleted: _simple(
        "screening", lambda e: (e.permit_type.value, e.outcome.value), lambda e: ()
    ),
    m.MeetingHeld: _simple(
        "meeting", lambda e: (e.meeting_type.value, *sorted(set(e.cases_discussed))), lambda e: ()
    ),
}
