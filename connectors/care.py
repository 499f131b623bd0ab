"""Care coordination: a care provider's referrals, and its decisions on them (accept, decline, care)."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.sdk.errors import InputRefused
from connectors.sdk.models import CaseView
from ketenhub.contract.base import Event
from ketenhub.contract.models import (
    CareEnded,
    CareOutcome,
    CareStarted,
    DeclineReason,
    ReferralAccepted,
    ReferralDeclined,
)
from ketenhub.json_events import shown


class Step(enum.StrEnum):
    """What a care provider records about a referral addressed to it."""

    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    END = "end"


NEEDS = {
    Step.ACCEPT: "MADE",
    Step.DECLINE: "MADE",
    Step.START: "ACCEPTED",
    Step.END: "CARE_STARTED",
}
LEADS_TO = {
    Step.ACCEPT: "ACCEPTED",
    Step.DECLINE: "DECLINED",
    Step.START: "CARE_STARTED",
    Step.END: "CARE_ENDED",
}


@dataclass(frozen=True)
class CareDecision:
    """One decision on one referral; decline needs a reason, end needs an outcome."""

    referral_id: str
    step: Step
    reason: DeclineReason | None = None
    outcome: CareOutcome | None = None


@dataclass(frozen=True)
class ReferralInView:
    """A referral addressed to this provider, as its view shows it."""

    case_id: str
    referral_id: str
    detail: dict[str, Any]
    victim: dict[str, Any]


def referrals_in(views: Iterable[CaseView]) -> dict[str, ReferralInView]:
    """Every referral in a care provider's views, by referral id."""
    found = {}
    for view in views:
        victims = view.section("victims")
        for referral_id, referral in view.section("referrals").items():
            victim = victims.get(str(referral.get("victim")), {})
            found[referral_id] = ReferralInView(view.case_id, referral_id, referral, victim)
    return found


def events_for(
    decisions: Iterable[CareDecision],
    referrals: dict[str, ReferralInView],
    partner: str,
    at: dt.datetime,
) -> list[Event]:
    """The events that record ``decisions``, in order, after checking each against the view."""
    status = {ref: r.detail.get("status") for ref, r in referrals.items()}
    events: list[Event] = []
    for decision in decisions:
        where = f"referral {shown(decision.referral_id)}"
        if decision.referral_id not in status:
            raise InputRefused(
                where=where, detail=f"is not addressed to {partner} (not in its view)"
            )
        if status[decision.referral_id] != NEEDS[decision.step]:
            raise InputRefused(
                where=where,
                detail=f"is {status[decision.referral_id]}; to {decision.step} it, it must be "
                f"{NEEDS[decision.step]}",
            )
        status[decision.referral_id] = LEADS_TO[decision.step]
        events.append(_event(decision, referrals[decision.referral_id].case_id, partner, at))
    return events


def _event(decision: CareDecision, case_id: str, partner: str, at: dt.datetime) -> Event:
    common: dict[str, Any] = {
        "event_id": uuid.uuid4(),
        "occurred_at": at,
        "recorded_by": partner,
        "case_id": case_id,
        "referral_id": decision.referral_id,
    }
    if decision.step is Step.ACCEPT:
        return ReferralAccepted(**common)
    if decision.step is Step.DECLINE:
        return ReferralDeclined(**common, reason=decision.reason)
    if decision.step is Step.START:
        return CareStarted(**common)
    return CareEnded(**common, outcome=decision.outcome)


def decision(
    referral_id: str, step: Step, reason: str | None = None, outcome: str | None = None
) -> CareDecision:
    """Build one decision, refusing a decline without a reason or an end without an outcome."""
    where = f"referral {referral_id!r}"
    if step is Step.DECLINE and not reason:
        choices = ", ".join(DeclineReason)
        raise InputRefused(where=where, detail=f"a decline needs a reason: one of {choices}")
    if step is Step.END and not outcome:
        choices = ", ".join(CareOutcome)
        raise InputRefused(where=where, detail=f"ending care needs an outcome: one of {choices}")
    try:
        return CareDecision(
            referral_id,
            step,
            DeclineReason(reason) if step is Step.DECLINE and reason else None,
            CareOutcome(outcome) if step is Step.END and outcome else None,
        )
    except ValueError as exc:
        raise InputRefused(where=where, detail=str(exc)) from None


def read_decisions(path: Path) -> list[CareDecision]:
    """Read a decisions file: CSV with columns referral_id, decision, reason, outcome."""
    with path.open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.DictReader(source))
    decisions = []
    for number, row in enumerate(rows, start=2):
        where = f"{path.name} line {number}"
        missing = {"referral_id", "decision"} - {k for k, v in row.items() if k and v}
        if missing:
            raise InputRefused(where=where, detail=f"needs {', '.join(sorted(missing))}")
        try:
            step = Step(row["decision"].strip().lower())
        except ValueError:
            steps = ", ".join(Step)
            raise InputRefused(where=where, detail=f"decision must be one of {steps}") from None
        decisions.append(
            decision(
                row["referral_id"].strip(),
                step,
                row.get("reason") or None,
                row.get("outcome") or None,
            )
        )
    return decisions
