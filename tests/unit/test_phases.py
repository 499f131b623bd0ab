"""The five-phase machine: every allowed move, every refused one with its code and reason, and its laws."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import uuid
from typing import Any

import pytest

from ketenhub.contract import models as m
from ketenhub.core.phases import (
    PHASE_EVENTS,
    CaseProgress,
    Phase,
    PhaseEvent,
    after_sealed,
    entered_phase,
    next_phase,
    opened,
)
from ketenhub.core.rejection import Rejection, RejectionCode

T0 = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
FIELDS: dict[type[PhaseEvent], dict[str, Any]] = {
    m.SignalReceived: {
        "channel": "INTERNAL_ROUTE",
        "reporter_role": "ENFORCER",
        "exploitation_forms": ["LABOUR"],
        "indicators": [],
        "location": {"municipality_code": "GM1916", "area_code": "2261"},
        "persons": [],
    },
    m.IntakeAssessed: {
        "is_undermining_crime": True,
        "is_municipal_task": True,
        "is_within_municipality": True,
        "outcome": "ACCEPT",
    },
    m.SeverityAssessed: {"outcome": "INVESTIGATE"},
    m.SourceResearchCompleted: {"registers_consulted": ["BRP"], "finding_codes": []},
    m.ActionPlanAdopted: {
        "actions": [
            {
                "action_id": "a1",
                "kind": "CONTROL_VISIT",
                "owner": "police",
                "due_date": "2025-04-01",
            }
        ],
        "forward_to_police": False,
        "escalate_to_riec": False,
    },
    m.ActionCompleted: {"action_id": "a1", "result": "COMPLETED", "finding_codes": []},
    m.MeasureImposed: {
        "measure_id": "m1",
        "measure": "PENALTY_ORDER",
        "legal_basis": "Gemeentewet art. 174",
    },
    m.CaseClosed: {"reason": "NOT_SEVERE"},
}


def event(cls: type[PhaseEvent], **fields: Any) -> Any:
    """An event of ``cls`` in case-1, with the fields given and defaults for the rest."""
    return cls(
        event_id=uuid.UUID(int=1),
        occurred_at=T0,
        recorded_by="municipality",
        case_id="case-1",
        **(FIELDS[cls] | fields),
    )


STEP_EVENTS = [t for t in PHASE_EVENTS if t not in (m.SignalReceived, m.CaseClosed)]

# The happy path: the progress of an open case in each phase, with the outcomes that led there.
IN_PHASE = {
    Phase.RECEIVED: CaseProgress(Phase.RECEIVED),
    Phase.INTAKE: CaseProgress(Phase.INTAKE, intake=m.IntakeOutcome.ACCEPT),
    Phase.SEVERITY: CaseProgress(
        Phase.SEVERITY, intake=m.IntakeOutcome.ACCEPT, severity=m.SeverityOutcome.INVESTIGATE
    ),
    Phase.SOURCE_RESEARCH: CaseProgress(
        Phase.SOURCE_RESEARCH,
        intake=m.IntakeOutcome.ACCEPT,
        severity=m.SeverityOutcome.INVESTIGATE,
    ),
    Phase.ACTION_PLAN: CaseProgress(
        Phase.ACTION_PLAN, intake=m.IntakeOutcome.ACCEPT, severity=m.SeverityOutcome.INVESTIGATE
    ),
    Phase.ACTION: CaseProgress(
        Phase.ACTION, intake=m.IntakeOutcome.ACCEPT, severity=m.SeverityOutcome.INVESTIGATE
    ),
}

# Every allowed move of an open case, written out: (from, event type) -> the phase entered.
ALLOWED: dict[tuple[Phase, type[PhaseEvent]], Phase] = {
    (Phase.RECEIVED, m.IntakeAssessed): Phase.INTAKE,
    (Phase.INTAKE, m.SeverityAssessed): Phase.SEVERITY,
    (Phase.SEVERITY, m.SourceResearchCompleted): Phase.SOURCE_RESEARCH,
    (Phase.SOURCE_RESEARCH, m.ActionPlanAdopted): Phase.ACTION_PLAN,
    (Phase.ACTION_PLAN, m.ActionCompleted): Phase.ACTION,
    (Phase.ACTION, m.ActionCompleted): Phase.ACTION,
    (Phase.ACTION_PLAN, m.MeasureImposed): Phase.ACTION,
    (Phase.ACTION, m.MeasureImposed): Phase.ACTION,
}

# The reason of each refused move, as partners have always read it ({} is the phase found).
OUT_OF_ORDER: dict[type[PhaseEvent], str] = {
    m.IntakeAssessed: "IntakeAssessed needs case 'case-1' in phase RECEIVED (after SignalReceived), "
    "but it is in phase {}",
    m.SeverityAssessed: "SeverityAssessed needs case 'case-1' in phase INTAKE (after IntakeAssessed), "
    "but it is in phase {}",
    m.SourceResearchCompleted: "SourceResearchCompleted needs case 'case-1' in phase SEVERITY "
    "(after IntakeAssessed and SeverityAssessed), but it is in phase {}",
    m.ActionPlanAdopted: "ActionPlanAdopted needs case 'case-1' in phase SOURCE_RESEARCH "
    "(after intake, severity and source research), but it is in phase {}",
    m.ActionCompleted: "an action in case 'case-1' needs an adopted action plan first",
    m.MeasureImposed: "a measure in case 'case-1' needs an adopted action plan first",
}

EVERY_STATE = [
    CaseProgress(phase, closed, intake, severity)
    for phase, closed, intake, severity in itertools.product(
        Phase, (False, True), (None, *m.IntakeOutcome), (None, *m.SeverityOutcome)
    )
]
SAMPLES = [
    event(m.SignalReceived),
    *(event(m.IntakeAssessed, outcome=o) for o in m.IntakeOutcome),
    *(event(m.SeverityAssessed, outcome=o) for o in m.SeverityOutcome),
    event(m.SourceResearchCompleted),
    event(m.ActionPlanAdopted),
    *(event(m.ActionCompleted, result=r) for r in m.ActionResult),
    event(m.MeasureImposed),
    event(m.CaseClosed),
]


def refused(outcome: CaseProgress | Rejection, code: RejectionCode, reason: str) -> None:
    assert outcome == Rejection(code, reason)


def test_a_signal_opens_a_case_in_received() -> None:
    """SignalReceived for a case not yet opened starts it in RECEIVED, open, with no outcomes."""
    assert next_phase(None, event(m.SignalReceived)) == CaseProgress(Phase.RECEIVED)
    assert opened() == CaseProgress(Phase.RECEIVED, closed=False, intake=None, severity=None)


def test_a_case_is_opened_once() -> None:
    """A second SignalReceived for a case, in any phase, open or closed, already exists."""
    reason = "case 'case-1' was already opened by another signal"
    for case in EVERY_STATE:
        refused(next_phase(case, event(m.SignalReceived)), RejectionCode.ALREADY_EXISTS, reason)


@pytest.mark.parametrize("cls", [*STEP_EVENTS, m.CaseClosed], ids=lambda t: t.__name__)
def test_no_phase_event_before_the_signal(cls: type[PhaseEvent]) -> None:
    """Every phase event for a case no signal opened is a missing reference naming the case."""
    reason = f"{cls.__name__} refers to case 'case-1', which no SignalReceived opened"
    refused(next_phase(None, event(cls)), RejectionCode.MISSING_REFERENCE, reason)


@pytest.mark.parametrize(("phase", "cls"), ALLOWED, ids=lambda x: getattr(x, "__name__", str(x)))
def test_every_allowed_move(phase: Phase, cls: type[PhaseEvent]) -> None:
    """Each allowed move takes the open case into the phase the table names, keeping it open."""
    moved = next_phase(IN_PHASE[phase], event(cls))
    assert isinstance(moved, CaseProgress)
    assert (moved.phase, moved.closed) == (ALLOWED[phase, cls], False)


@pytest.mark.parametrize(
    ("phase", "cls"),
    [(p, t) for p in Phase for t in STEP_EVENTS if (p, t) not in ALLOWED],
    ids=lambda x: getattr(x, "__name__", str(x)),
)
def test_every_refused_move(phase: Phase, cls: type[PhaseEvent]) -> None:
    """Every other move of an open case is OUT_OF_ORDER, naming the phase needed and the phase found."""
    reason = OUT_OF_ORDER[cls].format(phase.name)
    refused(next_phase(IN_PHASE[phase], event(cls)), RejectionCode.OUT_OF_ORDER, reason)


def test_the_table_of_moves_covers_every_phase_and_step() -> None:
    """The tests above place every (phase, step event) pair: allowed, or refused with a reason."""
    pairs = set(itertools.product(Phase, STEP_EVENTS))
    assert set(ALLOWED) <= pairs and set(OUT_OF_ORDER) == set(STEP_EVENTS)


def test_the_intake_and_severity_outcomes_are_kept() -> None:
    """Intake and severity record their outcome, which the next phase is gated on."""
    intake = next_phase(IN_PHASE[Phase.RECEIVED], event(m.IntakeAssessed, outcome="FORWARD"))
    assert intake == CaseProgress(Phase.INTAKE, intake=m.IntakeOutcome.FORWARD)
    severity = next_phase(IN_PHASE[Phase.INTAKE], event(m.SeverityAssessed, outcome="CLOSE"))
    assert severity == CaseProgress(
        Phase.SEVERITY, intake=m.IntakeOutcome.ACCEPT, severity=m.SeverityOutcome.CLOSE
    )


@pytest.mark.parametrize("outcome", ["FORWARD", "CLOSE"])
def test_severity_follows_only_an_accepting_intake(outcome: str) -> None:
    """After an intake that forwarded or closed the case, severity is out of order."""
    case = CaseProgress(Phase.INTAKE, intake=m.IntakeOutcome(outcome))
    reason = "the intake of case 'case-1' did not accept it"
    refused(next_phase(case, event(m.SeverityAssessed)), RejectionCode.OUT_OF_ORDER, reason)


@pytest.mark.parametrize("outcome", ["CLOSE", "STORE_FOR_FUTURE_USE"])
def test_research_follows_only_a_severity_of_investigate(outcome: str) -> None:
    """After a severity outcome other than INVESTIGATE, source research is out of order."""
    case = CaseProgress(
        Phase.SEVERITY, intake=m.IntakeOutcome.ACCEPT, severity=m.SeverityOutcome(outcome)
    )
    reason = "the severity assessment of case 'case-1' was not INVESTIGATE"
    refused(next_phase(case, event(m.SourceResearchCompleted)), RejectionCode.OUT_OF_ORDER, reason)


@pytest.mark.parametrize("phase", Phase)
def test_closing_keeps_the_phase(phase: Phase) -> None:
    """CaseClosed closes an open case in any phase, which it keeps."""
    closed = next_phase(IN_PHASE[phase], event(m.CaseClosed))
    assert isinstance(closed, CaseProgress)
    assert (closed.phase, closed.closed) == (phase, True)


@pytest.mark.parametrize(
    ("phase", "cls"),
    itertools.product(Phase, [*STEP_EVENTS, m.CaseClosed]),
    ids=lambda x: getattr(x, "__name__", str(x)),
)
def test_a_closed_case_refuses_every_phase_event(phase: Phase, cls: type[PhaseEvent]) -> None:
    """After CaseClosed, every phase event (a second close too) is CASE_CLOSED, in any phase."""
    case = CaseProgress(phase, closed=True, intake=m.IntakeOutcome.ACCEPT)
    reason = f"case 'case-1' is closed; no further {cls.__name__}"
    refused(next_phase(case, event(cls)), RejectionCode.CASE_CLOSED, reason)


def test_recording_a_sealed_event_agrees_with_deciding_it() -> None:
    """Wherever next_phase allows an event, after_sealed records the same progress."""
    for case, sample in itertools.product(EVERY_STATE, SAMPLES):
        moved = next_phase(case, sample)
        if isinstance(moved, CaseProgress):
            assert after_sealed(case, sample) == moved, (case, sample)


def test_allowed_moves_never_go_back_and_never_reopen() -> None:
    """An allowed event never lowers the phase and is never allowed on a closed case."""
    for case, sample in itertools.product(EVERY_STATE, SAMPLES):
        moved = next_phase(case, sample)
        if isinstance(moved, CaseProgress) and not isinstance(sample, m.SignalReceived):
            assert not case.closed and moved.phase >= case.phase, (case, sample)


def test_a_sealed_event_takes_its_case_into_the_phase_it_names() -> None:
    """Recorded after sealing, each event enters its own phase; a close keeps the phase and closes."""
    for case, sample in itertools.product(EVERY_STATE, SAMPLES):
        recorded = after_sealed(case, sample)
        if isinstance(sample, m.CaseClosed):
            assert recorded == CaseProgress(case.phase, True, case.intake, case.severity)
        else:
            assert recorded.phase is entered_phase(sample), (case, sample)


def test_each_event_enters_one_phase() -> None:
    """The phase each event takes its case into, in the order of the five phases."""
    entered = {type(s).__name__: entered_phase(s) for s in SAMPLES if type(s) is not m.CaseClosed}
    assert entered == {
        "SignalReceived": Phase.RECEIVED,
        "IntakeAssessed": Phase.INTAKE,
        "SeverityAssessed": Phase.SEVERITY,
        "SourceResearchCompleted": Phase.SOURCE_RESEARCH,
        "ActionPlanAdopted": Phase.ACTION_PLAN,
        "ActionCompleted": Phase.ACTION,
        "MeasureImposed": Phase.ACTION,
    }


def test_every_phase_is_reached_and_every_reached_case_can_be_closed() -> None:
    """Walking all allowed moves from a new case reaches each phase, and closing is allowed from each."""
    seen, todo = {opened()}, [opened()]
    while todo:
        case = todo.pop()
        for sample in SAMPLES:
            moved = next_phase(case, sample)
            if isinstance(moved, CaseProgress) and moved not in seen:
                seen.add(moved)
                todo.append(moved)
    assert {case.phase for case in seen} == set(Phase)
    assert all(
        isinstance(next_phase(c, event(m.CaseClosed)), CaseProgress) for c in seen if not c.closed
    )
    assert all(c.intake is m.IntakeOutcome.ACCEPT for c in seen if c.phase > Phase.INTAKE)
    assert all(
        c.severity is m.SeverityOutcome.INVESTIGATE for c in seen if c.phase > Phase.SEVERITY
    )


def test_a_sealed_event_changes_only_what_it_names_in_the_progress() -> None:
    """From every progress (each phase, closed or not, every intake and severity outcome) each
    phase event gives exactly the progress that replacing the fields it names gives."""
    progresses = [
        CaseProgress(phase, closed, intake, severity)
        for phase, closed, intake, severity in itertools.product(
            Phase, (False, True), (None, *m.IntakeOutcome), (None, *m.SeverityOutcome)
        )
    ]
    for cls in PHASE_EVENTS:
        sent = event(cls)
        for case in progresses:
            if cls is m.CaseClosed:
                expected = dataclasses.replace(case, closed=True)
            elif cls is m.SignalReceived:
                expected = opened()
            elif cls is m.IntakeAssessed:
                expected = dataclasses.replace(case, phase=entered_phase(sent), intake=sent.outcome)
            elif cls is m.SeverityAssessed:
                expected = dataclasses.replace(
                    case, phase=entered_phase(sent), severity=sent.outcome
                )
            else:
                expected = dataclasses.replace(case, phase=entered_phase(sent))
            assert after_sealed(case, sent) == expected, (cls.__name__, case)
