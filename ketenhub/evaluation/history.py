"""The history an evaluation reads: compact facts of the sealed events, folded in log order.

Only what the five parts compute with is kept (ids, moments, categories), so ten years of
events fit in memory. Every fact keeps the event id it came from, so each figure can name
the events behind it. Events that occurred at or after ``until`` are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.event_handlers import EventHandlers
from ketenhub.core.phases import Phase, PhaseEntry, entered_phase
from ketenhub.evaluation.period import Stamp

E = TypeVar("E", bound=Event)


@dataclass(slots=True)
class CaseFacts:
    """A case: its signal, the first event of each phase, its close and its actions."""

    case_id: str
    channel: str = ""
    source_organisation: str = ""
    forms: tuple[str, ...] = ()
    phases: dict[Phase, Stamp] = field(default_factory=dict)
    closed: Stamp | None = None
    close_reason: str = ""
    closed_phase: Phase = Phase.RECEIVED
    stored: Stamp | None = None
    forwarded_at_intake: Stamp | None = None
    actions: list[Stamp] = field(default_factory=list)
    shared_or_forwarded: list[Stamp] = field(default_factory=list)

    @property
    def signal(self) -> Stamp | None:
        """The SignalReceived that opened the case."""
        return self.phases.get(Phase.RECEIVED)

    def enter(self, event: PhaseEntry, stamp: Stamp) -> None:
        """Record ``event`` (at ``stamp``) if it is the first to bring the case into its phase."""
        self.phases.setdefault(entered_phase(event), stamp)


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


@dataclass(frozen=True, slots=True)
class Finding:
    """A qualitative finding for the report: its part, its source's role, its date and summary."""

    stamp: Stamp
    part: str
    source_role: str
    held_on: dt.date
    summary: m.EncryptedField


class History:
    """Facts of the events that occurred before ``until``, grown by ``add`` in log order."""

    def __init__(self, until: dt.datetime) -> None:
        self.until = until
        self.findings: list[Finding] = []
        self.cases: dict[str, CaseFacts] = {}
        self.forwards: dict[str, Forward] = {}
        self.actions: dict[tuple[str, str], PlannedAction] = {}
        self.referrals: dict[str, Referral] = {}
        self.facts: dict[str, list[Fact]] = {}
        self.control_days: dict[str, Fact] = {}

    def add(self, event: Event) -> None:
        """Fold one sealed event (in log order) into the history."""
        at = event.occurred_at
        if at >= self.until:
            return
        fold = FOLD.of(event)
        if fold is not None:
            fold(event, self, _stamp(str(event.event_id), at))

    def of(self, kind: str) -> list[Fact]:
        """The standalone facts of one kind (e.g. ``training``), in log order."""
        return self.facts.get(kind, [])

    def case(self, case_id: str) -> CaseFacts:
        """The facts of a case (created empty for a case opened after ``until``)."""
        found = self.cases.get(case_id)
        if found is None:  # made only when missing: a case's facts are looked up far more often
            found = self.cases[case_id] = CaseFacts(case_id)
        return found

    def keep(self, fact: Fact) -> None:
        """Keep a standalone fact under its kind."""
        self.facts.setdefault(fact.kind, []).append(fact)


def _stamp(event_id: str, at: dt.datetime) -> Stamp:
    """``Stamp(event_id, at)``, made as its frozen dataclass's ``__init__`` makes it (two
    ``object.__setattr__``) without the call through ``__init__``: one per event folded."""
    stamp = _new(Stamp)
    _put(stamp, "event_id", event_id)
    _put(stamp, "at", at)
    return stamp


_new, _put = object.__new__, object.__setattr__

FOLD: EventHandlers[[History, Stamp], None] = EventHandlers("evaluation history")
"""How the history keeps each event class (the facts the five parts compute with), or why not."""

FOLD.leave_alone(
    "no part counts it: a control day counts from its planning, and its visits",
    m.ControlDayClosed,
)
FOLD.leave_alone(
    "no part counts it yet: enforcement counts Bibob screenings and measures",
    m.PermitDecided,
    m.StopTalkHeld,
)


@FOLD.on(m.SignalReceived)
def _signal(e: m.SignalReceived, h: History, s: Stamp) -> None:
    case = h.case(e.case_id)
    case.channel, case.forms = e.channel.value, tuple(f.value for f in e.exploitation_forms)
    case.source_organisation = e.source_organisation.value if e.source_organisation else ""
    case.enter(e, s)


@FOLD.on(m.IntakeAssessed)
def _intake(e: m.IntakeAssessed, h: History, s: Stamp) -> None:
    case = h.case(e.case_id)
    case.enter(e, s)
    if e.outcome is m.IntakeOutcome.FORWARD:
        case.forwarded_at_intake = s
        _forwarded(h, e.case_id, s, "INTAKE_FORWARD")


@FOLD.on(m.SeverityAssessed)
def _severity(e: m.SeverityAssessed, h: History, s: Stamp) -> None:
    case = h.case(e.case_id)
    case.enter(e, s)
    if e.outcome is m.SeverityOutcome.STORE_FOR_FUTURE_USE:
        case.stored = case.stored or s


@FOLD.on(m.SourceResearchCompleted)
def _research(e: m.SourceResearchCompleted, h: History, s: Stamp) -> None:
    h.case(e.case_id).enter(e, s)


@FOLD.on(m.ActionPlanAdopted)
def _plan(e: m.ActionPlanAdopted, h: History, s: Stamp) -> None:
    h.case(e.case_id).enter(e, s)
    for action in e.actions:
        h.actions[(e.case_id, action.action_id)] = PlannedAction(s, action.owner, action.due_date)
    if e.forward_to_police or e.escalate_to_riec:
        _forwarded(h, e.case_id, s, "ACTION_PLAN")


@FOLD.on(m.ActionCompleted)
def _action(e: m.ActionCompleted, h: History, s: Stamp) -> None:
    planned = h.actions.get((e.case_id, e.action_id))
    if planned is not None:
        planned.ended, planned.result = s, e.result.value
    if e.result is m.ActionResult.COMPLETED:  # the evaluation's ACTION: a completed action
        case = h.case(e.case_id)
        case.enter(e, s)
        case.actions.append(s)


@FOLD.on(m.MeasureImposed)
def _measure(e: m.MeasureImposed, h: History, s: Stamp) -> None:
    h.keep(Fact(s, "measure", (e.measure.value, e.control_visit_id or "", e.case_id or "")))
    if e.case_id is not None:
        case = h.case(e.case_id)
        case.enter(e, s)
        case.actions.append(s)


def _forwarded(h: History, case_id: str, s: Stamp, route: str) -> None:
    h.forwards[s.event_id] = Forward(s, route, case_id)
    h.case(case_id).shared_or_forwarded.append(s)


@FOLD.on(m.SignalForwarded)
def _signal_forwarded(e: m.SignalForwarded, h: History, s: Stamp) -> None:
    _forwarded(h, e.case_id, s, "SIGNAL_FORWARDED")


@FOLD.on(m.SignalAcknowledged)
def _acknowledged(e: m.SignalAcknowledged, h: History, s: Stamp) -> None:
    forward = h.forwards.get(str(e.forward_event_id))
    if forward is not None:
        forward.acks.append((s, e.recorded_by))


@FOLD.on(m.CaseClosed)
def _closed(e: m.CaseClosed, h: History, s: Stamp) -> None:
    case = h.case(e.case_id)
    case.closed, case.close_reason = s, e.reason.value
    case.closed_phase = max(case.phases, default=Phase.RECEIVED)


@FOLD.on(m.SharingDecided)
def _shared(e: m.SharingDecided, h: History, s: Stamp) -> None:
    h.keep(Fact(s, "sharing", (e.partner, e.case_id)))
    h.case(e.case_id).shared_or_forwarded.append(s)


@FOLD.on(m.SharingRevoked)
def _revoked(e: m.SharingRevoked, h: History, s: Stamp) -> None:
    h.keep(Fact(s, "revocation", (e.partner, e.case_id)))


@FOLD.on(m.VictimIdentified)
def _victim(e: m.VictimIdentified, h: History, s: Stamp) -> None:
    forms = (e.exploitation_form, *e.other_exploitation_forms)
    labels = (e.victim, e.age_group.value, e.gender.value, *(f.value for f in forms))
    h.keep(Fact(s, "victim", labels))  # labels[3:]: every form, the main one first


@FOLD.on(m.ReferralMade)
def _referral(e: m.ReferralMade, h: History, s: Stamp) -> None:
    h.referrals[e.referral_id] = Referral(s, e.victim, e.provider, e.care_type.value)


@FOLD.on(m.ReferralAccepted)
def _accepted(e: m.ReferralAccepted, h: History, s: Stamp) -> None:
    if (referral := h.referrals.get(e.referral_id)) is not None:
        referral.accepted = s


@FOLD.on(m.ReferralDeclined)
def _declined(e: m.ReferralDeclined, h: History, s: Stamp) -> None:
    if (referral := h.referrals.get(e.referral_id)) is not None:
        referral.declined, referral.reason = s, e.reason.value


@FOLD.on(m.CareStarted)
def _care_started(e: m.CareStarted, h: History, s: Stamp) -> None:
    if (referral := h.referrals.get(e.referral_id)) is not None:
        referral.started = s


@FOLD.on(m.CareEnded)
def _care_ended(e: m.CareEnded, h: History, s: Stamp) -> None:
    if (referral := h.referrals.get(e.referral_id)) is not None:
        referral.ended = s


@FOLD.on(m.EvaluationFindingRecorded)
def _finding(e: m.EvaluationFindingRecorded, h: History, s: Stamp) -> None:
    h.findings.append(Finding(s, e.part.value, e.source_role.value, e.held_on, e.summary))


@FOLD.on(m.ControlDayPlanned)
def _day(e: m.ControlDayPlanned, h: History, s: Stamp) -> None:
    day = dt.datetime.combine(e.day, dt.time(), tzinfo=dt.UTC)
    fact = Fact(Stamp(s.event_id, day), "control_day", (e.kind.value, *e.participants))
    h.control_days[e.control_day_id] = fact
    h.keep(fact)


@FOLD.on(m.ControlVisitLogged)
def _visit(e: m.ControlVisitLogged, h: History, s: Stamp) -> None:
    day = h.control_days.get(e.control_day_id)
    kind = day.labels[0] if day is not None else "UNKNOWN"
    numbers = (e.people_encountered, len(e.signals_raised))
    h.keep(Fact(s, "visit", (kind, *sorted(set(e.finding_codes))), numbers))


def _simple(
    kind: str, labels: Callable[[E], tuple[str, ...]], numbers: Callable[[E], tuple[int, ...]]
) -> Callable[[E, History, Stamp], None]:
    """A fold that keeps each event as one fact of ``kind``, with its labels and numbers."""

    def fold(e: E, h: History, s: Stamp) -> None:
        h.keep(Fact(s, kind, labels(e), numbers(e)))

    return fold


FOLD.add(
    m.TrainingCompleted,
    _simple(
        "training",
        lambda e: (e.audience_kind.value, e.audience.value),
        lambda e: (e.participants,),
    ),
)
FOLD.add(
    m.CampaignHeld,
    _simple("campaign", lambda e: (e.target_group.value,), lambda e: (e.reach,)),
)
FOLD.add(
    m.BibobScreeningCompleted,
    _simple("screening", lambda e: (e.permit_type.value, e.outcome.value), lambda e: ()),
)
FOLD.add(
    m.MeetingHeld,
    _simple(
        "meeting", lambda e: (e.meeting_type.value, *sorted(set(e.cases_discussed))), lambda e: ()
    ),
)
