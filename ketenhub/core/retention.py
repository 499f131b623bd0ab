"""Retention: how long each category of data is kept, and when a case or data subject has expired.

The registry gives each category a period in days and its legal reason (``RetentionPeriods``,
``[retention.<category>]`` in ``partners.toml``). The period of a case starts when it is
closed; a case belongs to every category it meets — closed before source research
(``signals_closed_at_intake``) or after it (``cases_closed_after_research``), with a measure
(``cases_with_measures``), with victims or referrals (``victims_and_referrals``: from the
later of its closure and the end of its last referral; an open referral keeps it) — and
expires when the longest of them has run. A referral outside a case expires from its end, a
control day's findings (``control_day_findings``) from the day's closing, and a message the hub
refused (``refused_inputs``, ``ketenhub.core.refused_inputs``) from the day of its refusal.

A data subject (a pseudonym in any field the contract declares ``pseudonym``, also the
subject of an encrypted text) expires only once everything it belongs to has expired: a
subject named anywhere that never expires (an open case, an evaluation finding, a Bibob
screening without a case, a sealed record no signed checkpoint covers yet) is kept. Refused
messages never keep a subject longer: one named in sealed events expires by those alone, one
named only in refused messages from the first refusal. Dates are
UTC calendar days; a period of N days that starts on day D expires on D + N. Pure: no I/O,
no clock — ``as_of`` is given.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.contract.schemas import catalogue
from ketenhub.core.data_kinds import DataKind, field_entries, pseudonyms_in
from ketenhub.core.refused_inputs import RefusedInput


class RetentionCategory(enum.StrEnum):
    """A category of data with its own retention period."""

    SIGNALS_CLOSED_AT_INTAKE = "signals_closed_at_intake"
    CASES_CLOSED_AFTER_RESEARCH = "cases_closed_after_research"
    CASES_WITH_MEASURES = "cases_with_measures"
    VICTIMS_AND_REFERRALS = "victims_and_referrals"
    CONTROL_DAY_FINDINGS = "control_day_findings"
    REFUSED_INPUTS = "refused_inputs"


class RetentionPeriod(BaseModel):
    """How many days a category is kept after its period starts, and the legal reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: int = Field(gt=0, le=36_600)
    reason: str = Field(min_length=1)


def _period(days: int, reason: str) -> RetentionPeriod:
    return RetentionPeriod(days=days, reason=reason)


class RetentionPeriods(BaseModel):
    """The retention period of every category; the registry may change any of them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signals_closed_at_intake: RetentionPeriod = _period(
        365,
        "AVG art. 5(1)(e): a signal found at intake or severity to be no trafficking, no municipal "
        "task or outside the municipality is kept only to answer questions and objections about "
        "its handling",
    )
    cases_closed_after_research: RetentionPeriod = _period(
        730,
        "AVG art. 5(1)(e): source research without measures is kept so that a new signal about "
        "the same persons or address can be weighed against it (Aanpak Signalering Ondermijning)",
    )
    cases_with_measures: RetentionPeriod = _period(
        1825,
        "Awb objection and appeal against the administrative measure, and collection and "
        "enforcement of penalties, after which the Archiefwet selection list applies",
    )
    victims_and_referrals: RetentionPeriod = _period(
        1825,
        "AVG art. 9(2)(g) with art. 5(1)(e): the victim's referral and care are kept to follow up "
        "a renewed victimisation and for the care's accountability, counted from the end of care",
    )
    control_day_findings: RetentionPeriod = _period(
        730,
        "AVG art. 5(1)(e): findings of an integral control day are kept to follow up the "
        "measures and signals raised by the visits",
    )
    refused_inputs: RetentionPeriod = _period(
        90,
        "AVG art. 5(1)(c) and (e): a message the hub refused never became part of a case; it is "
        "kept only so that the partner can correct and send it again and questions about the "
        "refusal can be answered",
    )

    def of(self, category: RetentionCategory) -> RetentionPeriod:
        """The period of one category."""
        period: RetentionPeriod = getattr(self, category.value)
        return period


@dataclass
class _Case:
    closed_on: dt.date | None = None
    researched: bool = False
    measures: bool = False
    victims: bool = False
    referrals: set[str] = field(default_factory=set)


@dataclass
class _Referral:
    case_id: str | None
    victim: str
    ended_on: dt.date | None = None


@dataclass(frozen=True)
class Expiry:
    """When something expires (None: not while it stays as it is) and why, in words without personal data."""

    on: dt.date | None
    basis: tuple[str, ...]

    def expired(self, as_of: dt.date) -> bool:
        """Whether the period has run by the end of ``as_of``."""
        return self.on is not None and self.on <= as_of


@dataclass(frozen=True)
class SubjectExpiry:
    """A data subject and when every period it belongs to has run."""

    subject: str
    expiry: Expiry


_REFERRAL_EVENTS = (m.ReferralAccepted, m.ReferralDeclined, m.CareStarted, m.CareEnded)


class RetentionLedger:
    """The facts retention needs, folded from sealed events in log order."""

    def __init__(self, periods: RetentionPeriods) -> None:
        self.periods = periods
        self._cases: dict[str, _Case] = {}
        self._referrals: dict[str, _Referral] = {}
        self._control_days: dict[str, dt.date | None] = {}
        self._refused: dict[str, dt.date] = {}
        self._belongs: dict[str, set[tuple[str, str]]] = {}

    def fold(self, event: Event) -> None:
        """Take one sealed event into account."""
        self._belong(_subjects_of(event), self._facts(event))

    def fold_unsigned(self, event: Event) -> None:
        """Keep the subjects of a sealed event no signed checkpoint covers yet (a later run decides)."""
        self._belong(_subjects_of(event), {("unsigned", event.EVENT_TYPE)})

    def fold_refused(self, refused: RefusedInput) -> None:
        """Take one refused message into account: its subjects belong to it from its refusal."""
        self._refused[refused.input] = refused.refused_on
        self._belong(refused.subjects, {("refused", refused.input)})

    def refused_expiry(self, refused: RefusedInput) -> Expiry:
        """When the subjects of one refused message no longer belong to it (refused_inputs)."""
        category = RetentionCategory.REFUSED_INPUTS
        return self._longest(f"refused input {refused.input}", [(category, refused.refused_on)])

    def _belong(self, subjects: Iterable[str], belongings: set[tuple[str, str]]) -> None:
        for subject in subjects:
            self._belongs.setdefault(subject, set()).update(belongings)

    def fold_all(self, events: Iterable[Event]) -> RetentionLedger:
        """Fold every event; return the ledger."""
        for event in events:
            self.fold(event)
        return self

    def _facts(self, event: Event) -> set[tuple[str, str]]:
        """Record what ``event`` says about cases, referrals and control days; return what it belongs to."""
        day = event.occurred_at.astimezone(dt.UTC).date()
        belongings: set[tuple[str, str]] = set()
        case_id = getattr(event, "case_id", None)
        if isinstance(case_id, str):
            belongings.add(("case", case_id))
            self._case_fact(self._cases.setdefault(case_id, _Case()), event, day)
        if isinstance(event, m.ReferralMade):
            self._referrals[event.referral_id] = _Referral(case_id, event.victim)
        if isinstance(event, (m.ReferralMade, *_REFERRAL_EVENTS)):
            belongings.add(("referral", event.referral_id))
            referral = self._referrals.get(event.referral_id)
            if referral is not None and isinstance(event, m.ReferralDeclined | m.CareEnded):
                referral.ended_on = day
        if isinstance(event, m.VictimIdentified) and case_id is None:
            belongings.add(("victim", event.victim))
        if isinstance(event, m.ControlDayPlanned | m.ControlVisitLogged):
            belongings.add(("control_day", event.control_day_id))
            self._control_days.setdefault(event.control_day_id, None)
        if isinstance(event, m.ControlDayClosed):
            self._control_days[event.control_day_id] = day
        return belongings or {("kept", event.EVENT_TYPE)}

    @staticmethod
    def _case_fact(case: _Case, event: Event, day: dt.date) -> None:
        if isinstance(event, m.CaseClosed):
            case.closed_on = day
        elif isinstance(event, m.SourceResearchCompleted):
            case.researched = True
        elif isinstance(event, m.MeasureImposed):
            case.measures = True
        elif isinstance(event, m.VictimIdentified | m.ReferralMade):
            case.victims = True
            if isinstance(event, m.ReferralMade):
                case.referrals.add(event.referral_id)

    def case_ids(self) -> list[str]:
        """Every case the events named, sorted."""
        return sorted(self._cases)

    def subjects(self) -> list[str]:
        """Every data subject the events named, sorted."""
        return sorted(self._belongs)

    def case_expiry(self, case_id: str) -> Expiry:
        """When a case expires: the longest period of the categories it belongs to."""
        case = self._cases.get(case_id, _Case())
        if case.closed_on is None:
            return Expiry(None, (f"case {case_id}: open",))
        closure = (
            RetentionCategory.CASES_CLOSED_AFTER_RESEARCH
            if case.researched
            else RetentionCategory.SIGNALS_CLOSED_AT_INTAKE
        )
        starts: list[tuple[RetentionCategory, dt.date | None]] = [(closure, case.closed_on)]
        if case.measures:
            starts.append((RetentionCategory.CASES_WITH_MEASURES, case.closed_on))
        if case.victims:
            ends = [self._referral_end(r) for r in sorted(case.referrals)]
            start = None if None in ends else max([case.closed_on, *(e for e in ends if e)])
            starts.append((RetentionCategory.VICTIMS_AND_REFERRALS, start))
        return self._longest(f"case {case_id}", starts)

    def subject_expiry(self, subject: str) -> SubjectExpiry:
        """When a data subject expires: once everything it belongs to has expired.

        Refused messages never became part of a case, so they cannot keep a person longer: a
        subject named in any sealed event expires by the sealed facts alone, and one named only
        in refused messages expires ``refused_inputs`` after the first of them (a partner that
        sends a message naming a pseudonym every few weeks, to be refused, keeps nobody).
        """
        belongings = sorted(self._belongs.get(subject, ()))
        sealed = [(kind, key) for kind, key in belongings if kind != "refused"]
        if not sealed and belongings:
            first = min(belongings, key=lambda belonging: (self._refused[belonging[1]], belonging))
            sealed = [first]
        expiries = [self._expiry_of(kind, key) for kind, key in sealed]
        basis = tuple(reason for e in expiries for reason in e.basis)
        if not expiries or any(e.on is None for e in expiries):
            return SubjectExpiry(subject, Expiry(None, basis))
        return SubjectExpiry(subject, Expiry(max(e.on for e in expiries if e.on), basis))

    def expired_subjects(self, as_of: dt.date) -> list[SubjectExpiry]:
        """Every data subject whose every period has run by the end of ``as_of``."""
        found = (self.subject_expiry(s) for s in self.subjects())
        return [s for s in found if s.expiry.expired(as_of)]

    def _expiry_of(self, kind: str, key: str) -> Expiry:
        if kind == "case":
            return self.case_expiry(key)
        if kind == "referral":
            return self._referral_expiry(key)
        if kind == "victim":
            referrals = [r for r, found in sorted(self._referrals.items()) if found.victim == key]
            ends = [self._referral_end(r) for r in referrals]
            if not ends or None in ends:
                return Expiry(None, ("victim without a case: referral open or none",))
            start = max(e for e in ends if e)
            return self._longest("victim", [(RetentionCategory.VICTIMS_AND_REFERRALS, start)])
        if kind == "control_day":
            closed = self._control_days.get(key)
            category = RetentionCategory.CONTROL_DAY_FINDINGS
            return self._longest(f"control day {key}", [(category, closed)])
        if kind == "refused":
            return self.refused_expiry(RefusedInput(key, self._refused[key], frozenset()))
        if kind == "unsigned":
            return Expiry(None, (f"{key}: sealed after the last signed checkpoint",))
        return Expiry(None, (f"{key}: no retention category, kept until erased on request",))

    def _referral_end(self, referral_id: str) -> dt.date | None:
        referral = self._referrals.get(referral_id)
        return None if referral is None else referral.ended_on

    def _referral_expiry(self, referral_id: str) -> Expiry:
        referral = self._referrals.get(referral_id)
        if referral is not None and referral.case_id is not None:
            return self.case_expiry(referral.case_id)
        category = RetentionCategory.VICTIMS_AND_REFERRALS
        return self._longest(
            f"referral {referral_id}", [(category, self._referral_end(referral_id))]
        )

    def _longest(self, what: str, starts: list[tuple[RetentionCategory, dt.date | None]]) -> Expiry:
        basis: list[str] = []
        ends: list[dt.date | None] = []
        for category, start in starts:
            period = self.periods.of(category)
            if start is None:
                basis.append(f"{what}: {category} (not ended yet)")
                ends.append(None)
            else:
                end = start + dt.timedelta(days=period.days)
                basis.append(f"{what}: {category}, {period.days} days from {start}")
                ends.append(end)
        if None in ends:
            return Expiry(None, tuple(basis))
        return Expiry(max(e for e in ends if e), tuple(basis))


def _subjects_of(event: Event) -> set[str]:
    """Every data subject a sealed event names (the kinds its schema declares)."""
    return pseudonyms_in(catalogue().latest(event.SCHEMA_NAME).source, event.to_datum())


CASE_BASIS = "its case's categories"


def retention_basis(event_type: type[Event]) -> str:
    """In a few words, the retention category the personal data of an event type falls under.

    A case belongs to the categories its events meet (``RetentionLedger.case_expiry``):
    ``CASE_BASIS`` stands for those.
    """
    if event_type in (m.VictimIdentified, m.ReferralMade, *_REFERRAL_EVENTS):
        return f"{RetentionCategory.VICTIMS_AND_REFERRALS} (and {CASE_BASIS})"
    if event_type in (m.ControlDayPlanned, m.ControlVisitLogged):
        return RetentionCategory.CONTROL_DAY_FINDINGS.value
    if "case_id" in event_type.model_fields:
        required = event_type.model_fields["case_id"].is_required()
        return CASE_BASIS if required else f"{CASE_BASIS}; without a case: kept"
    entries = field_entries(catalogue().latest(event_type.SCHEMA_NAME).source)
    if all(entry.kind is DataKind.NONE for entry in entries):
        return "no personal data"
    return "no category: kept until erased on request"
