"""The five-phase machine of a case: which event moves a case from which phase to which, and what it refuses.

A ``SignalReceived`` opens a case in ``RECEIVED``. From there each phase follows the one
before it, and only after the outcome that lets the case go on:

    RECEIVED --IntakeAssessed--> INTAKE --SeverityAssessed--> SEVERITY          (intake ACCEPT)
    SEVERITY --SourceResearchCompleted--> SOURCE_RESEARCH                        (severity INVESTIGATE)
    SOURCE_RESEARCH --ActionPlanAdopted--> ACTION_PLAN
    ACTION_PLAN or ACTION --ActionCompleted | MeasureImposed--> ACTION

``CaseClosed`` closes a case in whatever phase it is in, which it keeps; a closed case
refuses every further phase event. ``next_phase`` decides (validation calls it before an
event is sealed); ``after_sealed`` records (the folds of sealed events call it), and agrees
with ``next_phase`` wherever ``next_phase`` allows the event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, TypeAlias

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.rejection import Rejection, RejectionCode


class Phase(enum.IntEnum):
    """How far a case got through the five phases; ordered."""

    RECEIVED = 0
    INTAKE = 1
    SEVERITY = 2
    SOURCE_RESEARCH = 3
    ACTION_PLAN = 4
    ACTION = 5


PhaseEvent: TypeAlias = (
    m.SignalReceived
    | m.IntakeAssessed
    | m.SeverityAssessed
    | m.SourceResearchCompleted
    | m.ActionPlanAdopted
    | m.ActionCompleted
    | m.MeasureImposed
    | m.CaseClosed
)
"""The events that open, move or close a case (a ``MeasureImposed`` only when it names a case)."""

PhaseEntry: TypeAlias = (
    m.SignalReceived
    | m.IntakeAssessed
    | m.SeverityAssessed
    | m.SourceResearchCompleted
    | m.ActionPlanAdopted
    | m.ActionCompleted
    | m.MeasureImposed
)
"""The events that take a case into a phase: every phase event but ``CaseClosed``."""

PHASE_EVENTS: Final[tuple[type[PhaseEvent], ...]] = (
    m.SignalReceived,
    m.IntakeAssessed,
    m.SeverityAssessed,
    m.SourceResearchCompleted,
    m.ActionPlanAdopted,
    m.ActionCompleted,
    m.MeasureImposed,
    m.CaseClosed,
)


@dataclass(frozen=True, slots=True)
class CaseProgress:
    """Where a case stands: its phase, whether it is closed, and the outcomes that gate the next phase."""

    phase: Phase = Phase.RECEIVED
    closed: bool = False
    intake: m.IntakeOutcome | None = None
    severity: m.SeverityOutcome | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """A move through the phases: the phase a case must be in (or any later one), and the phase it enters."""

    needs: Phase
    enters: Phase
    after: str  # what must have happened first, as a refusal says it
    or_later: bool = False
    what: str = ""  # how a refusal of an ``or_later`` step names the event


STEPS: Final[dict[type[PhaseEvent], Step]] = {
    m.IntakeAssessed: Step(Phase.RECEIVED, Phase.INTAKE, "SignalReceived"),
    m.SeverityAssessed: Step(Phase.INTAKE, Phase.SEVERITY, "IntakeAssessed"),
    m.SourceResearchCompleted: Step(
        Phase.SEVERITY, Phase.SOURCE_RESEARCH, "IntakeAssessed and SeverityAssessed"
    ),
    m.ActionPlanAdopted: Step(
        Phase.SOURCE_RESEARCH, Phase.ACTION_PLAN, "intake, severity and source research"
    ),
    m.ActionCompleted: Step(
        Phase.ACTION_PLAN, Phase.ACTION, "an adopted action plan", or_later=True, what="an action"
    ),
    m.MeasureImposed: Step(
        Phase.ACTION_PLAN, Phase.ACTION, "an adopted action plan", or_later=True, what="a measure"
    ),
}


def opened() -> CaseProgress:
    """The progress of a case its ``SignalReceived`` just opened."""
    return CaseProgress()


def unknown_case(event: Event) -> Rejection:
    """The refusal of an event naming a case no ``SignalReceived`` opened."""
    return Rejection(
        RejectionCode.MISSING_REFERENCE,
        f"{event.EVENT_TYPE} refers to case {event.case_ref!r}, which no SignalReceived opened",
    )


def closed_case(event: Event) -> Rejection:
    """The refusal of an event that would handle a closed case further."""
    return Rejection(
        RejectionCode.CASE_CLOSED,
        f"case {event.case_ref!r} is closed; no further {event.EVENT_TYPE}",
    )


def next_phase(case: CaseProgress | None, event: PhaseEvent) -> CaseProgress | Rejection:
    """Where ``event`` takes ``case`` (None: no signal opened it yet), or why it may not."""
    if isinstance(event, m.SignalReceived):
        if case is not None:
            return Rejection(
                RejectionCode.ALREADY_EXISTS,
                f"case {event.case_id!r} was already opened by another signal",
            )
        return opened()
    if case is None:
        return unknown_case(event)
    if case.closed:
        return closed_case(event)
    refusal = _out_of_order(case, event)
    return after_sealed(case, event) if refusal is None else refusal


def after_sealed(case: CaseProgress, event: PhaseEvent) -> CaseProgress:
    """Where a sealed ``event`` took ``case``, as ``next_phase`` says where it allows the event.

    An event sealed under earlier rules that ``next_phase`` now refuses still happened: it
    takes the case into the phase it names, as it did when it was sealed.
    """
    # Each field given in full: ``dataclasses.replace`` walks the fields on every call.
    if isinstance(event, m.CaseClosed):
        return CaseProgress(case.phase, True, case.intake, case.severity)  # closed
    if isinstance(event, m.SignalReceived):
        return opened()
    enters = entered_phase(event)
    if isinstance(event, m.IntakeAssessed):
        return CaseProgress(enters, case.closed, event.outcome, case.severity)
    if isinstance(event, m.SeverityAssessed):
        return CaseProgress(enters, case.closed, case.intake, event.outcome)
    return CaseProgress(enters, case.closed, case.intake, case.severity)


def entered_phase(event: PhaseEntry) -> Phase:
    """The phase ``event`` takes its case into."""
    if isinstance(event, m.SignalReceived):
        return Phase.RECEIVED
    return STEPS[type(event)].enters


def _out_of_order(case: CaseProgress, event: PhaseEvent) -> Rejection | None:
    if isinstance(event, m.SignalReceived | m.CaseClosed):
        return None
    step = STEPS[type(event)]
    if step.or_later:
        if case.phase >= step.needs:
            return None
        return Rejection(
            RejectionCode.OUT_OF_ORDER,
            f"{step.what} in case {event.case_ref!r} needs {step.after} first",
        )
    if case.phase != step.needs:
        return Rejection(
            RejectionCode.OUT_OF_ORDER,
            f"{event.EVENT_TYPE} needs case {event.case_ref!r} in phase {step.needs.name} "
            f"(after {step.after}), but it is in phase {case.phase.name}",
        )
    return _outcome_gate(case, event)


def _outcome_gate(case: CaseProgress, event: PhaseEvent) -> Rejection | None:
    """The outcome of the phase before lets the case go on (severity after ACCEPT, research after INVESTIGATE)."""
    match event:
        case m.SeverityAssessed() if case.intake is not m.IntakeOutcome.ACCEPT:
            reason = f"the intake of case {event.case_id!r} did not accept it"
        case m.SourceResearchCompleted() if case.severity is not m.SeverityOutcome.INVESTIGATE:
            reason = f"the severity assessment of case {event.case_id!r} was not INVESTIGATE"
        case _:
            return None
    return Rejection(RejectionCode.OUT_OF_ORDER, reason)
