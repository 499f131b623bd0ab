"""Retention erases exactly the subjects whose every period has run, as of a given day, and nothing else."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ketenhub.codec.single_object import encode_event
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.input_ref import INPUT_HEADER, InputRef
from ketenhub.core.refused_inputs import refused_input
from ketenhub.core.rejection import Rejection, RejectionCode, rejection_headers
from ketenhub.core.retention import RetentionLedger, RetentionPeriod, RetentionPeriods
from ketenhub.core.visibility_probe import probe_event
from ketenhub.topic_log import LogRecord
from replay.retention import carry_out, erasure_reason, plan_retention
from tests.unit.synthetic import pseudonym

PERIODS = RetentionPeriods()
DAY0 = dt.date(2021, 3, 1)
P1, P2, P3 = pseudonym("retention-1"), pseudonym("retention-2"), pseudonym("retention-3")


def at(day: dt.date) -> dt.datetime:
    """Noon UTC on ``day``."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def event(cls: type[Event], day: dt.date, **fields: Any) -> Event:
    """A synthetic event of ``cls`` on ``day`` with a fresh id."""
    return probe_event(cls, event_id=uuid.uuid4(), occurred_at=at(day), **fields)


def text_of(subject: str) -> dict[str, Any]:
    """An encrypted field (synthetic bytes) under ``subject``'s key."""
    return {"subject": subject, "nonce": b"n" * 12, "ciphertext": b"synthetic"}


def signal(case: str, day: dt.date, *persons: str, text_subject: str | None = None) -> Event:
    """A signal naming ``persons``; its text keyed to ``text_subject`` (or none)."""
    free_text = None if text_subject is None else text_of(text_subject)
    return event(m.SignalReceived, day, case_id=case, persons=list(persons), free_text=free_text)


def closed(case: str, day: dt.date) -> Event:
    """The case closed on ``day``."""
    return event(m.CaseClosed, day, case_id=case, reason="NOT_TRAFFICKING")


def expires(ledger: RetentionLedger, subject: str) -> dt.date | None:
    """The day ``subject`` expires, or None."""
    return ledger.subject_expiry(subject).expiry.on


def test_a_signal_closed_at_intake_expires_after_its_period_and_not_a_day_before() -> None:
    """The persons of a signal closed at intake expire 365 days (the default) after the close."""
    ledger = RetentionLedger(PERIODS).fold_all(
        [signal("case-a", DAY0, P1, text_subject=P2), closed("case-a", DAY0)]
    )
    end = DAY0 + dt.timedelta(days=365)
    assert expires(ledger, P1) == expires(ledger, P2) == end
    assert ledger.expired_subjects(end - dt.timedelta(days=1)) == []
    assert [s.subject for s in ledger.expired_subjects(end)] == sorted([P1, P2])
    assert ledger.case_expiry("case-a").basis == (
        f"case case-a: signals_closed_at_intake, 365 days from {DAY0}",
    )


def test_an_open_case_never_expires() -> None:
    """A case without a close keeps its persons, however long ago it started."""
    ledger = RetentionLedger(PERIODS).fold_all([signal("case-a", DAY0, P1, text_subject=P1)])
    assert expires(ledger, P1) is None
    assert ledger.expired_subjects(dt.date(2999, 1, 1)) == []


def test_the_longest_category_of_a_case_applies() -> None:
    """Research and a measure: the measure's five years, not research's two."""
    ledger = RetentionLedger(PERIODS).fold_all(
        [
            signal("case-a", DAY0, P1),
            event(m.SourceResearchCompleted, DAY0, case_id="case-a", summary=text_of(P2)),
            event(m.MeasureImposed, DAY0, case_id="case-a"),
            closed("case-a", DAY0),
        ]
    )
    assert expires(ledger, P1) == expires(ledger, P2) == DAY0 + dt.timedelta(days=1825)
    basis = ledger.case_expiry("case-a").basis
    assert any("cases_closed_after_research, 730 days" in b for b in basis)
    assert any("cases_with_measures, 1825 days" in b for b in basis)


def test_a_subject_in_two_cases_waits_for_both() -> None:
    """A person in an expired case and an open one is kept; once the second expires, so is it."""
    events = [
        signal("case-a", DAY0, P1, text_subject=P1),
        closed("case-a", DAY0),
        signal("case-b", DAY0, P1, P3),
    ]
    ledger = RetentionLedger(PERIODS).fold_all(events)
    assert expires(ledger, P1) is None
    later = DAY0 + dt.timedelta(days=400)
    ledger = RetentionLedger(PERIODS).fold_all([*events, closed("case-b", later)])
    assert expires(ledger, P1) == later + dt.timedelta(days=365)


def test_victims_wait_for_the_end_of_their_care() -> None:
    """A victim's case expires from the end of its last referral, not its close; an open one keeps it."""
    made = event(m.ReferralMade, DAY0, case_id="case-a", referral_id="ref-1", victim=P1)
    started = event(m.CareStarted, DAY0, case_id="case-a", referral_id="ref-1")
    base = [
        signal("case-a", DAY0, P1),
        event(m.VictimIdentified, DAY0, case_id="case-a", victim=P1),
        made,
        started,
        closed("case-a", DAY0),
    ]
    assert expires(RetentionLedger(PERIODS).fold_all(base), P1) is None
    care_end = DAY0 + dt.timedelta(days=900)
    ended = event(m.CareEnded, care_end, case_id="case-a", referral_id="ref-1")
    ledger = RetentionLedger(PERIODS).fold_all([*base, ended])
    assert expires(ledger, P1) == care_end + dt.timedelta(days=1825)


def test_control_day_findings_expire_from_the_days_close() -> None:
    """A visited address expires with its control day's category; an open day keeps it."""
    visit = event(m.ControlVisitLogged, DAY0, control_day_id="day-1", address=P1)
    assert expires(RetentionLedger(PERIODS).fold_all([visit]), P1) is None
    close = event(m.ControlDayClosed, DAY0, control_day_id="day-1")
    ledger = RetentionLedger(PERIODS).fold_all([visit, close])
    assert expires(ledger, P1) == DAY0 + dt.timedelta(days=730)


def test_what_has_no_category_is_kept() -> None:
    """An evaluation finding's subject and a Bibob applicant without a case are never expired."""
    finding = event(m.EvaluationFindingRecorded, DAY0, summary=text_of(P1))
    bibob = event(m.BibobScreeningCompleted, DAY0, case_id=None, applicant=P2)
    ledger = RetentionLedger(PERIODS).fold_all([finding, bibob])
    assert expires(ledger, P1) is None and expires(ledger, P2) is None


def test_the_registrys_period_is_the_one_used() -> None:
    """A shorter period from the registry makes the same case expire earlier."""
    short = RetentionPeriods(
        signals_closed_at_intake=RetentionPeriod(days=30, reason="A synthetic rule")
    )
    ledger = RetentionLedger(short).fold_all([signal("case-a", DAY0, P1), closed("case-a", DAY0)])
    assert expires(ledger, P1) == DAY0 + dt.timedelta(days=30)


class KeyStore:
    """An in-memory stand-in for the subject key store (the e2e tests use the real one)."""

    def __init__(self, *subjects: str) -> None:
        self.keys = set(subjects)
        self.erased: dict[str, str | None] = {}

    def has_key(self, subject: str) -> bool:
        return subject in self.keys

    def erase(self, subject: str, reason: str | None = None) -> bool:
        self.keys.discard(subject)
        if subject in self.erased:
            return False
        self.erased[subject] = reason
        return True


def test_a_run_erases_exactly_the_expired_subjects_with_keys_each_with_its_reason() -> None:
    """Expired with a key: erased with its reason; expired without a key, or not expired: left."""
    events = [
        signal("case-a", DAY0, P1, P3, text_subject=P1),
        closed("case-a", DAY0),
        signal("case-b", DAY0, P2, text_subject=P2),
    ]
    keys = KeyStore(P1, P2)
    as_of = DAY0 + dt.timedelta(days=365)
    plan = plan_retention(events, PERIODS, keys, as_of)
    assert [c.case_id for c in plan.cases] == ["case-a"]
    assert [s.subject for s in plan.erase] == [P1]
    assert plan.expired_without_key == 1  # P3 was only named, nothing encrypted for it
    assert plan.kept == 1  # P2, in the open case-b
    assert carry_out(plan, keys) == 1
    assert keys.erased == {P1: erasure_reason(plan.erase[0])}
    assert keys.erased[P1] == (
        f"retention: expired {as_of}; case case-a: signals_closed_at_intake, 365 days from {DAY0}"
    )
    assert P1 not in keys.erased[P1]  # type: ignore[operator]
    assert plan_retention(events, PERIODS, keys, as_of).erase == ()  # a second run: nothing left


def refused_record(value: bytes, day: dt.date, offset: int = 0) -> LogRecord:
    """A record of rejected.police as the sealer writes it: the original bytes, refused on ``day``."""
    where = InputRef("ingest.police", 0, offset)
    rejection = Rejection(RejectionCode.MISSING_REFERENCE, "case-x is not known to the hub")
    headers = rejection_headers(
        ((INPUT_HEADER, where.encode()),), rejection, where.topic, where.offset, at(day)
    )
    return LogRecord("rejected.police", offset, 0, where.encode(), value, headers)


def test_a_subject_only_in_a_refused_message_expires_with_refused_inputs() -> None:
    """P1, named only in a refused signal (its bytes, even undecodable ones), expires 90 days (the
    default) after the refusal and not a day before; P2, also in a sealed open case, is kept; P3,
    also in a case closed at intake, keeps the case's longer period."""
    refused = encode_event(signal("case-x", DAY0, P1, P2, P3, text_subject=P1))
    ledger = RetentionLedger(PERIODS).fold_all(
        [signal("case-a", DAY0, P2), signal("case-b", DAY0, P3), closed("case-b", DAY0)]
    )
    found = refused_input(refused_record(refused, DAY0))
    assert found.subjects == {P1, P2, P3} and found.refused_on == DAY0
    assert found.input == "ingest.police/0/0"
    ledger.fold_refused(found)
    end = DAY0 + dt.timedelta(days=90)
    assert expires(ledger, P1) == end
    assert ledger.subject_expiry(P1).expiry.basis == (
        f"refused input ingest.police/0/0: refused_inputs, 90 days from {DAY0}",
    )
    assert ledger.expired_subjects(end - dt.timedelta(days=1)) == []
    assert [s.subject for s in ledger.expired_subjects(end)] == [P1]
    assert expires(ledger, P2) is None
    assert expires(ledger, P3) == DAY0 + dt.timedelta(days=365)
    damaged = refused_input(refused_record(b"\x00garbage " + refused[5:], DAY0, offset=1))
    assert P1 in damaged.subjects  # an undecodable message still names its subjects


def test_a_subject_of_a_record_after_the_last_checkpoint_is_kept_for_a_later_run() -> None:
    """A subject refused long ago but named again in a sealed record no checkpoint covers yet stays."""
    ledger = RetentionLedger(PERIODS)
    ledger.fold_refused(refused_input(refused_record(encode_event(signal("c", DAY0, P1)), DAY0)))
    ledger.fold_unsigned(signal("case-a", DAY0, P1))
    assert expires(ledger, P1) is None


def test_refused_messages_cannot_keep_a_person_longer() -> None:
    """A partner that keeps sending messages naming a pseudonym, each refused, keeps nobody: P1,
    named only in refused messages, expires 90 days after the first; P3, in a case closed at
    intake, expires with the case however late a refusal names it."""
    ledger = RetentionLedger(PERIODS).fold_all([signal("case-b", DAY0, P3), closed("case-b", DAY0)])
    for n, days in enumerate((0, 89, 178, 360)):
        named = encode_event(signal("case-x", DAY0, P1, P3, text_subject=P1))
        ledger.fold_refused(
            refused_input(refused_record(named, DAY0 + dt.timedelta(days=days), offset=n))
        )
    assert expires(ledger, P1) == DAY0 + dt.timedelta(days=90)
    assert ledger.subject_expiry(P1).expiry.basis == (
        f"refused input ingest.police/0/0: refused_inputs, 90 days from {DAY0}",
    )
    assert expires(ledger, P3) == DAY0 + dt.timedelta(days=365)
    assert [s.subject for s in ledger.expired_subjects(DAY0 + dt.timedelta(days=365))] == [P1, P3]
