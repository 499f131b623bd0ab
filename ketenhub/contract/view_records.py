"""Typed records of the partner view contract (schemas/avro/views): a case's sections and each role's view.

Each class is the record type of the same name in ``nl.ketenhub.views`` (fields in the
schema's order; a test keeps them equal), so a case's state, the views rendered from it and
the views decoded from ``view.<partner>`` are one vocabulary. Shared types (``Location``,
``EncryptedField`` and the enums) are the event contract's own. Records are frozen; arrays
are tuples, except the sections a case keeps growing (plain lists and dicts of its state).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from ketenhub.contract import models as m

VIEW_NAMESPACE = "nl.ketenhub.views"
TYPES_NAMESPACE = "nl.ketenhub.types"


class CaseStatus(enum.StrEnum):
    """Whether a case is open or closed."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ReferralStatus(enum.StrEnum):
    """Where a referral stands."""

    MADE = "MADE"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    CARE_STARTED = "CARE_STARTED"
    CARE_ENDED = "CARE_ENDED"


@dataclass(frozen=True, slots=True)
class Closure:
    """How a case was closed."""

    at: dt.datetime
    reason: m.CloseReason
    phase: str


@dataclass(frozen=True, slots=True)
class Signal:
    """The signal that opened the case, as the coordinator sees it."""

    received_at: dt.datetime
    reported_by: str
    channel: m.Channel
    reporter_role: m.ReporterRole | None
    exploitation_forms: tuple[m.ExploitationForm, ...]
    indicators: tuple[str, ...]
    location: m.Location
    persons: tuple[str, ...]
    free_text: m.EncryptedField | None
    source_organisation: m.SourceOrganisationKind | None = None  # view v2


@dataclass(frozen=True, slots=True)
class SignalSummary:
    """The signal without its free text and without who reported it (another partner did)."""

    received_at: dt.datetime
    channel: m.Channel
    exploitation_forms: tuple[m.ExploitationForm, ...]
    indicators: tuple[str, ...]
    location: m.Location
    persons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OwnSignalSummary:
    """The signal a partner reported itself, without its free text."""

    received_at: dt.datetime
    reported_by: str
    channel: m.Channel
    reporter_role: m.ReporterRole | None
    exploitation_forms: tuple[m.ExploitationForm, ...]
    indicators: tuple[str, ...]
    location: m.Location
    persons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Intake:
    """Phase 1: the answers to the three intake questions."""

    at: dt.datetime
    is_undermining_crime: bool
    is_municipal_task: bool
    is_within_municipality: bool
    outcome: m.IntakeOutcome
    forward_to: str | None
    rationale: m.EncryptedField | None


@dataclass(frozen=True, slots=True)
class Severity:
    """Phase 2: whether the signal is concrete and weighty enough."""

    at: dt.datetime
    outcome: m.SeverityOutcome
    rationale: m.EncryptedField | None


@dataclass(frozen=True, slots=True)
class Research:
    """Phase 3: internal source research."""

    at: dt.datetime
    registers_consulted: tuple[m.Register, ...]
    finding_codes: tuple[str, ...]
    summary: m.EncryptedField | None


@dataclass(frozen=True, slots=True)
class ResearchFindings:
    """What source research found, without its summary."""

    registers_consulted: tuple[m.Register, ...]
    finding_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """Phase 4: the adopted plan of action (its actions are a section of their own)."""

    at: dt.datetime
    forward_to_police: bool
    escalate_to_riec: bool


@dataclass(frozen=True, slots=True)
class Action:
    """One planned action of the case and how it ended."""

    kind: str
    owner: str
    due_date: dt.date
    result: m.ActionResult | None
    ended_at: dt.datetime | None
    finding_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Measure:
    """An administrative measure imposed in the case."""

    measure_id: str
    measure: m.MeasureType
    legal_basis: str
    at: dt.datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class Forward:
    """The case was forwarded (or escalated) to partners; who acknowledged it, when."""

    to: tuple[str, ...]
    reason: str
    at: dt.datetime
    acknowledged: Mapping[str, dt.datetime]


@dataclass(frozen=True, slots=True)
class SharingDecision:
    """A decision to share the case with a partner, and its revocation."""

    partner: str
    purpose: str
    legal_basis: str
    meeting_id: str | None
    decided_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Victim:
    """A (possible) victim identified in the case (keyed by pseudonym)."""

    age_group: m.AgeGroup
    gender: m.Gender
    exploitation_form: m.ExploitationForm
    residence_status: m.ResidenceStatus
    identified_at: dt.datetime
    identified_by: str
    other_exploitation_forms: tuple[m.ExploitationForm, ...] = ()  # view v2


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral of a victim to a care provider and how it went."""

    victim: str
    provider: str
    care_type: m.CareType
    urgency: m.Urgency
    interpreter_needed: bool
    status: ReferralStatus
    made_at: dt.datetime
    decided_at: dt.datetime | None = None
    care_started_at: dt.datetime | None = None
    care_ended_at: dt.datetime | None = None
    reason: m.DeclineReason | None = None
    outcome: m.CareOutcome | None = None


@dataclass(frozen=True, slots=True)
class Meeting:
    """A collaboration meeting that discussed the case."""

    meeting_id: str
    type: m.MeetingType
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One sealed event of the case."""

    sequence: int
    event_type: str
    event_id: UUID
    occurred_at: dt.datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class CoordinatorView:
    """The coordinator's view: every section of the case."""

    phase: str
    status: CaseStatus
    closed: Closure | None
    signal: Signal
    intake: Intake | None
    severity: Severity | None
    research: Research | None
    plan: Plan | None
    actions: Mapping[str, Action]
    measures: Sequence[Measure]
    forwards: Mapping[str, Forward]
    sharing: Mapping[str, SharingDecision]
    victims: Mapping[str, Victim]
    referrals: Mapping[str, Referral]
    meetings: Sequence[Meeting]
    history: Sequence[HistoryEntry]


@dataclass(frozen=True, slots=True)
class StatusView:
    """Municipal staff's view of a case they reported: its status only."""

    phase: str
    status: CaseStatus
    closed: Closure | None
    received_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EnforcementView:
    """An inspection partner's view: the signal, outcomes, actions, measures and its forwards."""

    phase: str
    status: CaseStatus
    closed: Closure | None
    signal: SignalSummary | OwnSignalSummary
    intake_outcome: m.IntakeOutcome | None
    severity_outcome: m.SeverityOutcome | None
    actions: Mapping[str, Action]
    measures: Sequence[Measure]
    forwards: Mapping[str, Forward]


@dataclass(frozen=True, slots=True)
class InvestigationView:
    """The police's or RIEC's view: an enforcement view plus research findings and victims."""

    phase: str
    status: CaseStatus
    closed: Closure | None
    signal: SignalSummary | OwnSignalSummary
    intake_outcome: m.IntakeOutcome | None
    severity_outcome: m.SeverityOutcome | None
    actions: Mapping[str, Action]
    measures: Sequence[Measure]
    forwards: Mapping[str, Forward]
    research_findings: ResearchFindings | None
    victims: Mapping[str, Victim]


@dataclass(frozen=True, slots=True)
class CareView:
    """A care provider's view: the victims referred to it and those referrals, nothing else."""

    victims: Mapping[str, Victim]
    referrals: Mapping[str, Referral]


RoleView = CoordinatorView | StatusView | EnforcementView | InvestigationView | CareView


@dataclass(frozen=True, slots=True)
class CaseView:
    """A partner's view of one case: the value of its record on ``view.<partner>``."""

    case_id: str
    visible_because: tuple[str, ...]
    content: RoleView


_VIEW_TYPES: tuple[type, ...] = (CaseStatus, ReferralStatus, Closure, Signal, SignalSummary)
_VIEW_TYPES += (OwnSignalSummary, Intake, Severity, Research, ResearchFindings, Plan, Action)
_VIEW_TYPES += (Measure, Forward, SharingDecision, Victim, Referral, Meeting, HistoryEntry)
_VIEW_TYPES += (CoordinatorView, StatusView, EnforcementView, InvestigationView, CareView)
_VIEW_TYPES += (CaseView,)
_SHARED_TYPES: tuple[type, ...] = (m.Location, m.EncryptedField, m.Channel, m.ReporterRole)
_SHARED_TYPES += (m.ExploitationForm, m.IntakeOutcome, m.SeverityOutcome, m.Register)
_SHARED_TYPES += (m.SourceOrganisationKind,)
_SHARED_TYPES += (m.ActionResult, m.MeasureType, m.CloseReason, m.AgeGroup, m.Gender)
_SHARED_TYPES += (m.ResidenceStatus, m.CareType, m.Urgency, m.DeclineReason, m.CareOutcome)
_SHARED_TYPES += (m.MeetingType,)

VIEW_TYPES: dict[str, type] = {f"{VIEW_NAMESPACE}.{t.__name__}": t for t in _VIEW_TYPES} | {
    f"{TYPES_NAMESPACE}.{t.__name__}": t for t in _SHARED_TYPES
}
"""The class of every named type of the view schema, by its Avro full name."""
