"""Plans of action in the demo year (phase 4) and the actions and measures that follow (phase 5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ketenhub.contract import models as m
from ketenhub.contract.models import Audience, CloseReason, MeasureType
from ketenhub.core.ledger import Stage

if TYPE_CHECKING:
    from ketenhub.demo.cases import CaseRun

LEGAL_BASIS: dict[MeasureType, str] = {
    MeasureType.PENALTY_ORDER: "Gemeentewet art. 125; Awb art. 5:32",
    MeasureType.ADMINISTRATIVE_FINE: "Wet arbeid vreemdelingen art. 19a",
    MeasureType.PREMISES_CLOSURE: "Gemeentewet art. 174",
    MeasureType.PERMIT_REVOKED: "Wet Bibob art. 3; APV art. 3:4",
    MeasureType.PERMIT_REFUSED: "Wet Bibob art. 3",
    MeasureType.STOP_TALK: "Gemeentewet art. 172",
    MeasureType.BRP_DEREGISTRATION: "Wet BRP art. 2.22",
    MeasureType.ADDRESS_INVESTIGATION: "Wet BRP art. 2.4",
    MeasureType.CRIMINAL_REFERRAL: "Wetboek van Strafvordering art. 162",
}
_ACTION_FINDINGS: dict[str, tuple[str, ...]] = {
    "CONTROL_VISIT": ("OVERCROWDING", "NO_PERMIT"),
    "LABOUR_INSPECTION": ("UNDERPAYMENT_CONFIRMED", "NO_WORK_PERMITS"),
    "ADDRESS_CHECK": ("UNREGISTERED_RESIDENTS",),
    "CRIMINAL_INVESTIGATION": ("INVESTIGATION_STARTED",),
    "PROSTITUTION_CONTROL": ("UNLICENSED_SEX_WORK", "SIGNS_OF_COERCION"),
    "INTEGRAL_ANALYSIS": ("NETWORK_MAPPED",),
    "STOP_TALK": ("EMPLOYER_WARNED",),
    "PERMIT_REVIEW": ("PERMIT_CONDITIONS_BREACHED",),
    "SCHOOL_CONSULTATION": ("SAFETY_PLAN_AGREED",),
}


@dataclass(frozen=True)
class Plan:
    """A plan of action: (kind, owner) actions, forwards, measures, an optional stop talk."""

    actions: tuple[tuple[str, str], ...]
    forward_to_police: bool = False
    escalate_to_riec: bool = False
    measures: tuple[tuple[MeasureType, str], ...] = ()
    stop_talk: Audience | None = None
    cancelled: tuple[int, ...] = ()
    reported: int | None = None  # actions reported before the year ends; None: all, then closed


def carry_out(run: CaseRun, plan: Plan) -> None:
    """Phase 4 and 5: adopt the plan, have its actions reported and measures imposed, then close."""
    if not run.step(3, 12):
        return
    adopted = _adopt(run, plan)
    adopted_at = adopted.occurred_at
    ends = [adopted_at, *_report(run, plan, adopted.actions, adopted_at)]
    ends += _impose(run, plan, min(ends[1:], default=adopted_at))
    if plan.stop_talk is not None and (talk := _stop_talk(run, plan.stop_talk, adopted_at)):
        ends.append(talk)
    expected = 1 + len(adopted.actions[: plan.reported]) + len(plan.measures) + bool(plan.stop_talk)
    if plan.reported is None and len(ends) == expected:
        run.t = max(ends)
        run.close(CloseReason.ACTIONS_COMPLETED, 3, 14)


def _adopt(run: CaseRun, plan: Plan) -> m.ActionPlanAdopted:
    """Adopt the plan with due dates; police and RIEC pick up what is forwarded to them."""
    s, day = run.s, run.t.date()
    actions = [
        m.PlannedAction(
            action_id=f"a{i}",
            kind=kind,
            owner=owner,
            due_date=day + dt.timedelta(days=s.rng.randint(14, 56)),
        )
        for i, (kind, owner) in enumerate(plan.actions, start=1)
    ]
    adopted = m.ActionPlanAdopted(
        **s.stamp("municipality", run.t),
        case_id=run.case_id,
        actions=actions,
        forward_to_police=plan.forward_to_police,
        escalate_to_riec=plan.escalate_to_riec,
    )
    owners = ", ".join(sorted({a.owner for a in actions}))
    s.send(adopted, f"Plan of action adopted with actions for {owners}")
    run.track.stages.append((run.t, Stage.ACTION_PLAN))
    if plan.forward_to_police:
        run.acknowledge(adopted.event_id, "police", (0, 5))
    if plan.escalate_to_riec:
        run.acknowledge(adopted.event_id, "riec", (1, 8))
    return adopted


def _report(
    run: CaseRun, plan: Plan, actions: list[m.PlannedAction], adopted_at: dt.datetime
) -> list[dt.datetime]:
    """Each owner reports its action before or around its due date; the moments reported."""
    s, moments = run.s, []
    for index, action in enumerate(actions[: plan.reported]):
        when = s.later(adopted_at, 5, (action.due_date - adopted_at.date()).days + 5)
        if when is None:
            continue
        result = m.ActionResult.CANCELLED if index in plan.cancelled else m.ActionResult.COMPLETED
        done = m.ActionCompleted(
            **s.stamp(action.owner, when),
            case_id=run.case_id,
            action_id=action.action_id,
            result=result,
            finding_codes=list(_ACTION_FINDINGS[action.kind])
            if index not in plan.cancelled
            else [],
        )
        kind = action.kind.lower().replace("_", " ")
        s.send(done, f"Action {kind} reported {result.lower()} by {action.owner}")
        run.track.stages.append((when, Stage.ACTION))
        moments.append(when)
    return moments


def _impose(run: CaseRun, plan: Plan, after: dt.datetime) -> list[dt.datetime]:
    """The plan's measures, imposed in the days after the first action was reported."""
    s, moments = run.s, []
    for measure, recorder in plan.measures:
        when = s.later(after, 1, 10)
        if when is None:
            continue
        imposed = m.MeasureImposed(
            **s.stamp(recorder, when),
            case_id=run.case_id,
            measure_id=s.label("measure"),
            measure=measure,
            legal_basis=LEGAL_BASIS[measure],
        )
        s.send(imposed, f"Measure imposed: {measure.lower().replace('_', ' ')}")
        run.track.stages.append((when, Stage.ACTION))
        moments.append(when)
    return moments


def _stop_talk(run: CaseRun, sector: Audience, adopted_at: dt.datetime) -> dt.datetime | None:
    """The mayor's stop talk with the employer, some weeks after the plan."""
    when = run.s.later(adopted_at, 5, 20)
    if when is not None:
        talk = m.StopTalkHeld(
            **run.s.stamp("municipality", when),
            case_id=run.case_id,
            employer=run.s.pseudonym("employer"),
            sector=sector,
        )
        run.s.send(talk, "The mayor held a stop talk with an employer")
    return when
