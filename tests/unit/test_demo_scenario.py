"""The synthetic demo year: every message gets its expected outcome, and the year covers the domain."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from ketenhub.codec.single_object import decode_event
from ketenhub.config import load_registry
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.admission import Admission, Admitted, Duplicate, admit
from ketenhub.core.ledger import Ledger, Stage
from ketenhub.core.partners import PartnerRegistry, Role
from ketenhub.core.rejection import RejectionCode
from ketenhub.demo.scenario import ScenarioMessage, build_history, build_year, field_context
from ketenhub.errors import CodecError

YEAR = 2025
START = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(YEAR + 1, 1, 1, tzinfo=dt.UTC)
NOW = END + dt.timedelta(days=1)
TEST_KEY = b"ketenhub demo test key, not real"  # 32 bytes, for these tests only
RAW_PREFIXES = (b"person-", b"address-", b"employer-")
E = TypeVar("E", bound=Event)


@dataclass
class FakeProtector:
    """HMAC pseudonyms under a fixed test key; 'encryption' that only wraps the text's bytes."""

    sealed: list[tuple[str, str, bytes]] = field(default_factory=list)

    def pseudonym(self, identifier: str) -> str:
        digest = hmac.new(TEST_KEY, identifier.encode(), hashlib.sha256).hexdigest()
        return "psn-" + digest[:32]

    def encrypt(self, subject: str, text: str, associated_data: bytes) -> m.EncryptedField:
        self.sealed.append((subject, text, associated_data))
        return m.EncryptedField(
            subject=subject, nonce=bytes(12), ciphertext=b"fake:" + text.encode()
        )


@dataclass
class Replay:
    """The year's messages, what the hub made of each, and the ledger afterwards."""

    messages: list[ScenarioMessage]
    outcomes: list[Admission]
    ledger: Ledger
    protector: FakeProtector

    def accepted(self) -> Iterator[Event]:
        """The events the hub admitted, in order."""
        for outcome in self.outcomes:
            if isinstance(outcome, Admitted):
                yield outcome.inspected.event

    def of_type(self, model: type[E]) -> list[E]:
        """The admitted events of one type."""
        return [e for e in self.accepted() if isinstance(e, model)]


def fresh_ledger(registry: PartnerRegistry) -> Ledger:
    """An empty ledger for the registry's police and RIEC partners."""
    return Ledger(
        police=frozenset(p.id for p in registry.with_role(Role.POLICE)),
        riec=frozenset(p.id for p in registry.with_role(Role.RIEC)),
    )


def outcome_name(outcome: Admission) -> str:
    """The outcome in the vocabulary of ``ScenarioMessage.expect``."""
    if isinstance(outcome, Admitted):
        return "ACCEPT"
    if isinstance(outcome, Duplicate):
        return "DUPLICATE"
    return str(outcome.code)


@pytest.fixture(scope="module")
def registry() -> PartnerRegistry:
    """The default partner registry."""
    return load_registry()


@pytest.fixture(scope="module")
def year(registry: PartnerRegistry) -> Replay:
    """The default year, run message by message through admission on a fresh ledger."""
    protector = FakeProtector()
    messages = build_year(YEAR, protector=protector)
    ledger, outcomes = fresh_ledger(registry), []
    for message in messages:
        outcome = admit(
            ledger, registry, registry.get(message.partner), message.value, message.headers, NOW
        )
        if isinstance(outcome, Admitted):
            ledger.apply(outcome.inspected.event, outcome.inspected.digest)
        outcomes.append(outcome)
    return Replay(messages, outcomes, ledger, protector)


def test_every_message_gets_the_outcome_it_expects(year: Replay) -> None:
    """Admission in order on a fresh ledger gives each message exactly its expected outcome."""
    wrong = [
        (i, msg.expect, outcome_name(outcome), msg.note, getattr(outcome, "reason", ""))
        for i, (msg, outcome) in enumerate(zip(year.messages, year.outcomes, strict=True))
        if outcome_name(outcome) != msg.expect
    ]
    assert wrong == []


def test_the_deliberate_mistakes_cover_each_kind_of_refusal(year: Replay) -> None:
    """About ten messages are wrong on purpose, together showing every kind of refusal."""
    bad = Counter(msg.expect for msg in year.messages if msg.expect != "ACCEPT")
    assert 8 <= sum(bad.values()) <= 12
    assert set(bad) == {
        "DUPLICATE",
        RejectionCode.UNDECODABLE,
        RejectionCode.UNKNOWN_SCHEMA,
        RejectionCode.NOT_AUTHORIZED,
        RejectionCode.INVALID_VALUE,
        RejectionCode.MISSING_REFERENCE,
        RejectionCode.OUT_OF_ORDER,
        RejectionCode.CONFLICTING_DUPLICATE,
        RejectionCode.CASE_CLOSED,
    }


def test_the_same_seed_builds_the_same_bytes_and_another_seed_differs(year: Replay) -> None:
    """Two builds with one seed are byte-identical; a different seed gives a different year."""
    again = build_year(YEAR, protector=FakeProtector())
    other = build_year(YEAR, seed=7, protector=FakeProtector())
    assert again == year.messages
    assert [(m.value, m.headers) for m in again] == [(m.value, m.headers) for m in year.messages]
    assert [m.value for m in other] != [m.value for m in year.messages]


def test_every_event_type_is_accepted_at_least_once(year: Replay) -> None:
    """Each of the 28 event types of the contract occurs among the admitted events."""
    assert {e.EVENT_TYPE for e in year.accepted()} == set(m.EVENT_MODELS)
    assert len(m.EVENT_MODELS) == 28


def test_signals_arrive_on_every_channel_and_anonymous_tips_name_no_reporter(year: Replay) -> None:
    """60 to 90 signals come in on all six channels, and no admitted anonymous tip has a role."""
    signals = year.of_type(m.SignalReceived)
    assert 60 <= len(signals) <= 90
    assert {s.channel for s in signals} == set(m.Channel)
    assert {s.recorded_by for s in signals if s.channel is m.Channel.PARTNER} >= {
        "heit",
        "nla",
        "riec",
        "shop",
    }
    assert {s.recorded_by for s in signals if s.channel is m.Channel.INTERNAL_ROUTE} == {
        "municipal-staff",
        "municipality",
    }
    assert all(s.reporter_role is None for s in signals if s.channel is m.Channel.ANONYMOUS_TIP)
    forms = Counter(form for s in signals for form in s.exploitation_forms)
    assert forms[m.ExploitationForm.SEXUAL] + forms[m.ExploitationForm.LABOUR] > len(signals) // 2
    assert (
        forms[m.ExploitationForm.CRIMINAL] >= 1 and forms[m.ExploitationForm.FORCED_MARRIAGE] >= 1
    )


def test_cases_end_the_year_in_every_phase_most_of_them_closed(year: Replay) -> None:
    """Cases stop in each of the phases; most are closed by the year's end and some stay open."""
    cases = year.ledger.cases.values()
    assert {case.stage for case in cases} == set(Stage)
    closed = sum(case.closed for case in cases)
    assert len(cases) - closed >= 5 and closed > len(cases) / 2
    reasons = {e.reason for e in year.of_type(m.CaseClosed)}
    assert reasons == set(m.CloseReason)


def test_actions_are_reported_by_their_owners(year: Replay) -> None:
    """Plans give actions to police, HEIT, RIEC and enforcement, and each owner reports its own."""
    plans = year.of_type(m.ActionPlanAdopted)
    owners = {a.owner for plan in plans for a in plan.actions}
    assert owners >= {"police", "heit", "riec", "enforcement", "nla", "municipality"}
    assert any(p.forward_to_police for p in plans) and any(p.escalate_to_riec for p in plans)
    done = year.of_type(m.ActionCompleted)
    assert {d.recorded_by for d in done} >= {"police", "heit", "riec", "enforcement"}
    assert {d.result for d in done} == set(m.ActionResult)
    measures = {e.measure for e in year.of_type(m.MeasureImposed)}
    assert len(measures) >= 6


def test_every_care_partner_receives_a_referral(year: Replay, registry: PartnerRegistry) -> None:
    """Each CARE partner gets a referral; providers accept and decline, and care starts and ends."""
    referrals = year.of_type(m.ReferralMade)
    care_partners = {p.id for p in registry.with_role(Role.CARE)}
    assert {r.provider for r in referrals} == care_partners
    declines = year.of_type(m.ReferralDeclined)
    assert len({d.reason for d in declines}) >= 3
    assert year.of_type(m.ReferralAccepted)
    assert year.of_type(m.CareStarted)
    assert year.of_type(m.CareEnded)
    gender = {v.victim: v.gender for v in year.of_type(m.VictimIdentified)}
    assert {gender[r.victim] for r in referrals if r.provider == "kessler-perspektief"} == {
        m.Gender.MALE
    }
    buddies = {r.care_type for r in referrals if r.provider == "vluchtelingenwerk"}
    assert buddies == {m.CareType.BUDDY}


def test_youth_victims_and_a_returning_victim_follow_the_seed_figures(year: Replay) -> None:
    """One or two youth victims, all female and sexually exploited; one victim returns after care."""
    victims = year.of_type(m.VictimIdentified)
    youth = [v for v in victims if v.age_group is m.AgeGroup.UNDER_18]
    assert 1 <= len(youth) <= 2
    assert all(
        v.gender is m.Gender.FEMALE and v.exploitation_form is m.ExploitationForm.SEXUAL
        for v in youth
    )
    seen = Counter(v.victim for v in victims)
    (returning,) = [pseudonym for pseudonym, times in seen.items() if times == 2]
    first, second = [v for v in victims if v.victim == returning]
    assert first.case_id != second.case_id
    referral_ids = {r.referral_id for r in year.of_type(m.ReferralMade) if r.victim == returning}
    ended = [e.occurred_at for e in year.of_type(m.CareEnded) if e.referral_id in referral_ids]
    assert ended and min(ended) < second.occurred_at


def test_control_days_log_visits_raise_signals_and_lead_to_measures(year: Replay) -> None:
    """Four to six control days with 3 to 8 visits by participants; visits raise signals and measures."""
    planned = {e.control_day_id: e for e in year.of_type(m.ControlDayPlanned)}
    visits = year.of_type(m.ControlVisitLogged)
    assert 4 <= len(planned) <= 6
    assert {d.control_day_id for d in year.of_type(m.ControlDayClosed)} == set(planned)
    per_day = Counter(v.control_day_id for v in visits)
    assert all(3 <= per_day[day] <= 8 for day in planned)
    assert all(v.recorded_by in planned[v.control_day_id].participants for v in visits)
    opened = {s.case_id: s.occurred_at for s in year.of_type(m.SignalReceived)}
    raising = [v for v in visits if v.signals_raised]
    assert raising and all(opened[c] > v.occurred_at for v in raising for c in v.signals_raised)
    after_visits = [e for e in year.of_type(m.MeasureImposed) if e.control_visit_id]
    assert {e.control_visit_id for e in after_visits} <= {
        v.visit_id for v in visits
    } and after_visits


def test_sharing_is_decided_in_the_overleg_and_once_revoked(year: Replay) -> None:
    """Sharing decisions name an ondermijningsoverleg held before; at least one is revoked later."""
    meetings = {e.meeting_id: e for e in year.of_type(m.MeetingHeld)}
    assert {e.meeting_type for e in meetings.values()} == set(m.MeetingType)
    assert any(e.cases_discussed for e in meetings.values())
    decided = year.of_type(m.SharingDecided)
    assert decided
    for decision in decided:
        assert decision.meeting_id is not None
        meeting = meetings[decision.meeting_id]
        assert meeting.meeting_type is m.MeetingType.ONDERMIJNINGSOVERLEG
        assert (
            meeting.occurred_at < decision.occurred_at
            and decision.case_id in meeting.cases_discussed
        )
    assert year.of_type(m.SharingRevoked)


def test_forwards_are_picked_up_days_later_and_one_never(year: Replay) -> None:
    """Forwards are acknowledged by their addressees, some days later; one forward never is."""
    acks = {e.forward_event_id: e for e in year.of_type(m.SignalAcknowledged)}
    forwards = year.of_type(m.SignalForwarded)
    assert any(f.event_id not in acks for f in forwards)
    assert any(
        acks[f.event_id].occurred_at - f.occurred_at > dt.timedelta(days=1)
        for f in forwards
        if f.event_id in acks
    )
    intakes = [e for e in year.of_type(m.IntakeAssessed) if e.forward_to]
    assert intakes and all(acks[i.event_id].recorded_by == i.forward_to for i in intakes)


def test_bibob_screens_every_permit_type_and_one_refusal_follows_serious_risk(year: Replay) -> None:
    """Each permit type is screened; a serious risk leads to a refusal; the mayor holds a stop talk."""
    screened = {e.screening_id: e for e in year.of_type(m.BibobScreeningCompleted)}
    assert {s.permit_type for s in screened.values()} == set(m.PermitType)
    refused = [e for e in year.of_type(m.PermitDecided) if e.decision is m.PermitDecision.REFUSED]
    assert any(screened[r.screening_id].outcome is m.BibobOutcome.SERIOUS_RISK for r in refused)
    assert len(year.of_type(m.StopTalkHeld)) == 1


def test_trainings_and_campaigns_reach_roles_sectors_and_groups(year: Replay) -> None:
    """Trainings reach internal roles and external sectors; campaigns several groups and channels."""
    trainings = year.of_type(m.TrainingCompleted)
    assert {t.audience_kind for t in trainings} == set(m.AudienceKind)
    campaigns = year.of_type(m.CampaignHeld)
    assert (
        len({c.target_group for c in campaigns}) >= 4 and len({c.channel for c in campaigns}) >= 4
    )


def test_times_lie_inside_the_year_and_never_go_back(year: Replay) -> None:
    """Every decodable message happened strictly inside the year, in non-decreasing order."""
    moments = []
    for message in year.messages:
        try:
            moments.append(decode_event(message.value).occurred_at)
        except CodecError:  # the deliberately undecodable messages carry no time
            continue
    assert all(START < moment < END for moment in moments)
    assert moments == sorted(moments)


def test_no_raw_synthetic_identifier_reaches_the_messages(year: Replay) -> None:
    """Values, headers and notes carry pseudonyms only, never ``person-``/``address-``/``employer-``."""
    for message in year.messages:
        blobs = [message.value, message.note.encode(), *(value for _, value in message.headers)]
        assert not any(prefix in blob for blob in blobs for prefix in RAW_PREFIXES), message.note


def test_free_texts_are_sealed_under_a_person_of_the_case_and_bound_to_their_field(
    year: Replay,
) -> None:
    """Each signal's free text is encrypted under one of its persons, bound to event, case and field."""
    sealed = {(subject, associated) for subject, _, associated in year.protector.sealed}
    for signal in year.of_type(m.SignalReceived):
        assert signal.free_text is not None
        assert signal.free_text.subject in signal.persons
        context = field_context("SignalReceived", signal.case_id, "free_text")
        assert (signal.free_text.subject, context) in sealed


def admitted_in_order(messages: list[ScenarioMessage], registry: PartnerRegistry) -> list[str]:
    """Each message's outcome when admitted in order on one fresh ledger."""
    ledger, names = fresh_ledger(registry), []
    for message in messages:
        outcome = admit(
            ledger, registry, registry.get(message.partner), message.value, message.headers, NOW
        )
        if isinstance(outcome, Admitted):
            ledger.apply(outcome.inspected.event, outcome.inspected.digest)
        names.append(outcome_name(outcome))
    return names


def test_the_baseline_year_is_smaller_and_makes_no_mistakes(
    year: Replay, registry: PartnerRegistry
) -> None:
    """The year before: fewer signals, trainings and campaigns, and every message accepted."""
    baseline = build_year(YEAR - 1, protector=FakeProtector(), baseline=True)
    assert set(admitted_in_order(baseline, registry)) == {"ACCEPT"}
    events = [decode_event(m.value) for m in baseline]
    for model in (m.SignalReceived, m.TrainingCompleted, m.CampaignHeld, m.ControlDayPlanned):
        mine = sum(isinstance(e, model) for e in events)
        assert 0 < mine < len(year.of_type(model)), model.__name__
    assert {e.occurred_at.year for e in events} == {YEAR - 1}


def test_the_history_is_the_baseline_then_the_year_in_story_order(
    registry: PartnerRegistry,
) -> None:
    """Both years in one order of time; no case, event id or person of one year is the other's."""
    history = build_history(YEAR, protector=FakeProtector())
    assert [m.when for m in history] == sorted(m.when for m in history)
    expected = [m.expect for m in history]
    assert admitted_in_order(history, registry) == expected
    by_year: dict[int, list[Event]] = {YEAR - 1: [], YEAR: []}
    for message in history:
        if message.expect in ("ACCEPT", "DUPLICATE"):
            event = decode_event(message.value)
            by_year[event.occurred_at.year].append(event)

    def values(events: list[Event], kind: str) -> set[str]:
        found = [getattr(e, kind, None) for e in events]
        flat = [v for f in found for v in (f if isinstance(f, list) else [f])]
        return {str(v) for v in flat if v is not None}

    for kind in ("case_id", "event_id", "persons", "victim"):
        before, after = values(by_year[YEAR - 1], kind), values(by_year[YEAR], kind)
        assert before and after and not before & after, kind


def test_each_message_happens_when_its_event_occurred(year: Replay) -> None:
    """A message's story time is its event's occurred_at (what the demo seals it after)."""
    for message, outcome in zip(year.messages, year.outcomes, strict=True):
        if isinstance(outcome, Admitted):
            assert message.when == outcome.inspected.event.occurred_at, message.note
