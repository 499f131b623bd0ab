"""Victims of the demo year: identification, referrals to care, the providers' answers and care."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ketenhub.codec.single_object import HEADER_SIZE, MARKER, encode_event
from ketenhub.contract import models as m
from ketenhub.contract.models import (
    AgeGroup,
    CareOutcome,
    CareType,
    DeclineReason,
    ExploitationForm,
    Gender,
    ResidenceStatus,
    Urgency,
)
from ketenhub.demo.script import Fault, Script

# The writer fingerprint of a ReferralMade v3 that no released schema has (a connector upgraded early).
UNRELEASED_FINGERPRINT = bytes.fromhex("5eeded0000000003")


@dataclass(frozen=True)
class Care:
    """One referral: to whom, for what, who refers, and how the provider answers and care ends."""

    provider: str
    care_type: CareType
    made_by: str = "municipality"
    urgency: Urgency = Urgency.ROUTINE
    declined: DeclineReason | None = None
    outcome: CareOutcome | None = None  # how care ended; None: still in care at year end
    fault: Fault | None = None  # WRONG_PROVIDER or UNRELEASED_SCHEMA


@dataclass(frozen=True)
class Victim:
    """A (possible) victim in a case, who identifies them, and their referrals in order."""

    age: AgeGroup
    gender: Gender
    form: ExploitationForm
    residence: ResidenceStatus
    identified_by: str
    care: tuple[Care, ...]
    key: str | None = None  # a person who comes back in a later case (re-victimisation)
    fault: Fault | None = None  # REFERRAL_BEFORE_IDENTIFICATION
    other_forms: tuple[ExploitationForm, ...] = ()  # besides the main form


def victim_key(case_id: str, index: int, victim: Victim) -> str:
    """The story key of a victim: its own key, or one per case and position."""
    return victim.key or f"{case_id}/victim-{index}"


def follow(s: Script, case_id: str, after: dt.datetime, index: int, victim: Victim) -> None:
    """Identify a victim some days after ``after``, then make and answer the referrals in turn."""
    pseudonym = s.person(victim_key(case_id, index, victim))
    moment = s.later(after, 0, 4)
    if moment is None:
        return
    if s.makes(victim.fault) is Fault.REFERRAL_BEFORE_IDENTIFICATION:
        early = _referral(
            s, case_id, pseudonym, victim, victim.care[0], moment, victim.identified_by
        )
        s.send(early, "Referral of a victim who was not yet identified", "MISSING_REFERENCE")
        moment = s.soon(moment)
    _identify(s, case_id, pseudonym, victim, moment)
    for care in victim.care:
        made_at = s.later(moment, 0, 2)
        if made_at is None:
            return
        made = _make(s, _referral(s, case_id, pseudonym, victim, care, made_at, care.made_by), care)
        answered = _answer(s, made, care)
        if answered is None:
            return
        moment = answered


def _identify(s: Script, case_id: str, pseudonym: str, victim: Victim, when: dt.datetime) -> None:
    identified = m.VictimIdentified(
        **s.stamp(victim.identified_by, when),
        case_id=case_id,
        victim=pseudonym,
        age_group=victim.age,
        gender=victim.gender,
        exploitation_form=victim.form,
        other_exploitation_forms=list(victim.other_forms),
        residence_status=victim.residence,
    )
    again = " again" if pseudonym in s.identified else ""
    s.identified.add(pseudonym)
    form = " and ".join(f.lower().replace("_", " ") for f in (victim.form, *victim.other_forms))
    s.send(identified, f"Possible victim of {form} exploitation identified{again}")
    track = s.cases[case_id]
    track.victims = True
    track.youth = track.youth or victim.age is AgeGroup.UNDER_18


def _referral(
    s: Script, case_id: str, pseudonym: str, victim: Victim, care: Care, when: dt.datetime, by: str
) -> m.ReferralMade:
    foreign = victim.residence not in (ResidenceStatus.DUTCH, ResidenceStatus.UNKNOWN)
    return m.ReferralMade(
        **s.stamp(by, when),
        case_id=case_id,
        referral_id=s.label("referral"),
        victim=pseudonym,
        provider=care.provider,
        care_type=care.care_type,
        urgency=care.urgency,
        interpreter_needed=foreign and s.rng.random() < 0.7,
    )


def _make(s: Script, made: m.ReferralMade, care: Care) -> m.ReferralMade:
    """Send a referral (first with an unreleased schema, where that is the fault)."""
    note = f"Referral to {care.provider} for {care.care_type.lower().replace('_', ' ')}"
    if s.makes(care.fault) is Fault.UNRELEASED_SCHEMA:
        value = MARKER + UNRELEASED_FINGERPRINT + encode_event(made)[HEADER_SIZE:]
        unreleased = "Referral written with an unreleased schema version"
        s.send_raw(
            made.recorded_by, made.occurred_at, value, s.headers(made), "UNKNOWN_SCHEMA", unreleased
        )
        note += ", resent with the released schema"
    return s.send(made, note)


def _answer(s: Script, made: m.ReferralMade, care: Care) -> dt.datetime | None:
    """The provider declines, or accepts and starts care; the moment of the answer, or None."""
    answered = s.later(made.occurred_at, 1, 6)
    if answered is None:
        return None
    ids: dict[str, Any] = {"case_id": made.case_id, "referral_id": made.referral_id}
    if care.declined is not None:
        declined = m.ReferralDeclined(
            **s.stamp(care.provider, answered), **ids, reason=care.declined
        )
        reason = care.declined.lower().replace("_", " ")
        s.send(declined, f"Referral declined by {care.provider}: {reason}")
        return answered
    if s.makes(care.fault) is Fault.WRONG_PROVIDER:
        other = "comensha" if care.provider != "comensha" else "shop"
        misrouted = m.ReferralAccepted(**s.stamp(other, answered), **ids)
        s.send(
            misrouted, "Referral accepted by a provider it was not addressed to", "NOT_AUTHORIZED"
        )
        answered = s.soon(answered)
    accepted = m.ReferralAccepted(**s.stamp(care.provider, answered), **ids)
    s.send(accepted, f"Referral accepted by {care.provider}")
    _care(s, ids, care, answered)
    return answered


def _care(s: Script, ids: dict[str, Any], care: Care, accepted_at: dt.datetime) -> None:
    """Care starts some days after acceptance and, where the story says so, ends months later."""
    started = s.later(accepted_at, 1, 10)
    if started is None:
        return
    s.send(
        m.CareStarted(**s.stamp(care.provider, started), **ids), f"Care started at {care.provider}"
    )
    ended = s.later(started, 30, 110) if care.outcome is not None else None
    if care.outcome is not None and ended is not None:
        how = care.outcome.lower().replace("_", " ")
        ended_event = m.CareEnded(**s.stamp(care.provider, ended), **ids, outcome=care.outcome)
        s.send(ended_event, f"Care ended at {care.provider}: {how}")
