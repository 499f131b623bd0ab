"""Synthetic cases for the replay benchmark: each case's events through the five phases.

A case opens with a signal; a fifth end at intake (closed, or forwarded to the police and
acknowledged); of the rest some close or are stored at severity, and most are investigated:
research, a sharing decision, a plan with two actions, a measure, often a victim referred
to care, a meeting and a close. All data is synthetic and deterministic per seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

from ketenhub.contract import models as m
from ketenhub.contract.base import Event

LOCATION = {"municipality_code": "GM1916", "area_code": "2261"}
E = TypeVar("E", bound=Event)


class Story:
    """Deterministic ids, moments and choices for the events of the history."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = itertools.count(1)
        self.cases = itertools.count(1)

    def make(self, cls: type[E], when: dt.datetime, by: str, **fields: Any) -> E:
        """An event of ``cls`` at ``when`` recorded by ``by``."""
        return cls(
            event_id=uuid.UUID(int=next(self.ids)), occurred_at=when, recorded_by=by, **fields
        )

    def later(self, when: dt.datetime, low: float, high: float) -> dt.datetime:
        """A moment ``low``..``high`` days after ``when``."""
        return when + dt.timedelta(days=self.rng.uniform(low, high))


def _signal(s: Story, case: str, when: dt.datetime) -> Event:
    channel = s.rng.choice(["INTERNAL_ROUTE", "EXTERNAL_ROUTE", "WEBSITE", "PARTNER"])
    forms = s.rng.sample(["SEXUAL", "CRIMINAL", "LABOUR"], s.rng.randint(1, 2))
    return s.make(
        m.SignalReceived,
        when,
        "municipality",
        case_id=case,
        channel=channel,
        reporter_role="ENFORCER",
        exploitation_forms=forms,
        indicators=["LIVES_AT_WORK"],
        location=LOCATION,
        persons=[],
    )


def _early_end(s: Story, case: str, when: dt.datetime) -> Iterator[Event]:
    """A case closed at intake, or forwarded to the police and acknowledged."""
    outcome = s.rng.choice(["FORWARD", "CLOSE"])
    intake = s.make(
        m.IntakeAssessed,
        when,
        "municipality",
        case_id=case,
        is_undermining_crime=True,
        is_municipal_task=outcome != "CLOSE",
        is_within_municipality=True,
        outcome=outcome,
        forward_to="police" if outcome == "FORWARD" else None,
    )
    yield intake
    when = s.later(when, 0.5, 4)
    if outcome == "FORWARD":
        yield s.make(
            m.SignalAcknowledged, when, "police", case_id=case, forward_event_id=intake.event_id
        )
    reason = "FORWARDED" if outcome == "FORWARD" else "NOT_MUNICIPAL_TASK"
    yield s.make(m.CaseClosed, s.later(when, 0, 1), "municipality", case_id=case, reason=reason)


def _care(s: Story, case: str, when: dt.datetime) -> Iterator[Event]:
    """A victim identified and referred to care that starts and ends."""
    victim, referral = "psn-" + hashlib.sha256(case.encode()).hexdigest()[:32], f"ref-{case}"
    yield s.make(
        m.VictimIdentified,
        when,
        "municipality",
        case_id=case,
        victim=victim,
        age_group="FROM_24_TO_44",
        gender=s.rng.choice(["FEMALE", "MALE"]),
        exploitation_form="LABOUR",
        residence_status="EU_CITIZEN",
    )
    when = s.later(when, 0, 2)
    yield s.make(
        m.ReferralMade,
        when,
        "municipality",
        case_id=case,
        referral_id=referral,
        victim=victim,
        provider="shop",
        care_type="CARE_COORDINATION",
        urgency="URGENT",
    )
    for cls in (m.ReferralAccepted, m.CareStarted):
        when = s.later(when, 1, 20)
        yield s.make(cls, when, "shop", case_id=case, referral_id=referral)
    yield s.make(
        m.CareEnded,
        s.later(when, 30, 90),
        "shop",
        case_id=case,
        referral_id=referral,
        outcome="COMPLETED",
    )


def _investigation(s: Story, case: str, when: dt.datetime) -> Iterator[Event]:
    """Severity, research, sharing, a plan, its actions, a measure, care and a close."""
    yield s.make(m.SeverityAssessed, when, "municipality", case_id=case, outcome="INVESTIGATE")
    when = s.later(when, 3, 15)
    yield s.make(
        m.SourceResearchCompleted,
        when,
        "municipality",
        case_id=case,
        registers_consulted=["BRP", "KVK"],
        finding_codes=["OVERCROWDED_ADDRESS"],
    )
    yield s.make(
        m.SharingDecided,
        s.later(when, 0, 2),
        "municipality",
        case_id=case,
        decision_id=f"d-{case}",
        partner="heit",
        purpose="JOINT_CONTROL",
        legal_basis="Wpg art. 20",
    )
    when = s.later(when, 2, 10)
    due = (when + dt.timedelta(days=30)).date()
    actions = [
        {"action_id": a, "kind": "CONTROL_VISIT", "owner": o, "due_date": due}
        for a, o in (("a1", "police"), ("a2", "heit"))
    ]
    plan = s.make(
        m.ActionPlanAdopted,
        when,
        "municipality",
        case_id=case,
        actions=actions,
        forward_to_police=True,
        escalate_to_riec=False,
    )
    yield plan
    yield s.make(
        m.SignalAcknowledged,
        s.later(when, 0.2, 3),
        "police",
        case_id=case,
        forward_event_id=plan.event_id,
    )
    for action, owner in (("a1", "police"), ("a2", "heit")):
        when = s.later(when, 2, 20)
        yield s.make(
            m.ActionCompleted,
            when,
            owner,
            case_id=case,
            action_id=action,
            result="COMPLETED",
            finding_codes=[],
        )
    yield s.make(
        m.MeasureImposed,
        s.later(when, 0, 5),
        "municipality",
        case_id=case,
        measure_id=f"m-{case}",
        measure=s.rng.choice(["PENALTY_ORDER", "ADMINISTRATIVE_FINE", "STOP_TALK"]),
        legal_basis="Gemeentewet art. 174",
    )
    if s.rng.random() < 0.5:
        yield from _care(s, case, s.later(when, 1, 10))
    yield s.make(
        m.MeetingHeld,
        s.later(when, 1, 10),
        "municipality",
        meeting_id=f"mt-{case}",
        meeting_type="ONDERMIJNINGSOVERLEG",
        cases_discussed=[case],
    )
    yield s.make(
        m.CaseClosed,
        s.later(when, 60, 120),
        "municipality",
        case_id=case,
        reason="ACTIONS_COMPLETED",
    )


def case_story(s: Story, when: dt.datetime) -> Iterator[Event]:
    """Every event of one case, in the order they occur."""
    case = f"case-{next(s.cases):07d}"
    yield _signal(s, case, when)
    when = s.later(when, 0.5, 6)
    if s.rng.random() < 0.2:
        yield from _early_end(s, case, when)
        return
    yield s.make(
        m.IntakeAssessed,
        when,
        "municipality",
        case_id=case,
        is_undermining_crime=True,
        is_municipal_task=True,
        is_within_municipality=True,
        outcome="ACCEPT",
    )
    when = s.later(when, 1, 10)
    outcome = s.rng.choices(["INVESTIGATE", "CLOSE", "STORE_FOR_FUTURE_USE"], [70, 15, 15])[0]
    if outcome == "INVESTIGATE":
        yield from _investigation(s, case, when)
        return
    yield s.make(m.SeverityAssessed, when, "municipality", case_id=case, outcome=outcome)
    reason = "NOT_SEVERE" if outcome == "CLOSE" else "STORED_FOR_FUTURE_USE"
    yield s.make(m.CaseClosed, s.later(when, 0, 2), "municipality", case_id=case, reason=reason)
