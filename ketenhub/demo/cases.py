"""A demo case through its phases: intake, severity and source research, then its plan."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ketenhub.contract import models as m
from ketenhub.contract.models import (
    CloseReason,
    ForwardReason,
    IntakeOutcome,
    SeverityOutcome,
)
from ketenhub.core.ledger import Stage
from ketenhub.demo.plans import Plan, carry_out
from ketenhub.demo.script import Fault, Script
from ketenhub.demo.victims import Victim, follow

_ANSWERS: dict[CloseReason | None, tuple[bool, bool, bool]] = {
    None: (True, True, True),
    CloseReason.NOT_TRAFFICKING: (False, True, True),
    CloseReason.NOT_MUNICIPAL_TASK: (True, False, True),
    CloseReason.OUTSIDE_MUNICIPALITY: (True, True, False),
    CloseReason.FORWARDED: (True, False, True),
}
_INTAKE_TEXT = {
    IntakeOutcome.ACCEPT: "Indicators point to possible exploitation inside the municipality.",
    IntakeOutcome.FORWARD: "The signal belongs with a partner that has the powers to act on it.",
    IntakeOutcome.CLOSE: "After a first check the signal does not call for municipal action.",
}
_INTAKE_NOTE = {
    IntakeOutcome.ACCEPT: "Intake: accepted for the municipal approach",
    IntakeOutcome.FORWARD: "Intake: forwarded to {to}",
    IntakeOutcome.CLOSE: "Intake: closed ({reason})",
}
_SEVERITY_TEXT = {
    SeverityOutcome.INVESTIGATE: "Concrete indicators at one address; weighty enough to research.",
    SeverityOutcome.CLOSE: "Too vague to act on; no address or activity can be pointed out.",
    SeverityOutcome.STORE_FOR_FUTURE_USE: "Not enough on its own; kept in case more signals follow.",
}
_SUMMARY = {
    True: "Registers show more residents than the address can hold.",
    False: "The registers show nothing unusual at the address or the business.",
}
_RESEARCH_FINDINGS = (
    "OVERCROWDED_ADDRESS",
    "MANY_SHORT_REGISTRATIONS",
    "COMPANY_RECENTLY_REGISTERED",
    "ADVERTS_FOUND_ONLINE",
    "FREQUENT_ADDRESS_CHANGES",
    "PRIOR_SIGNALS_SAME_ADDRESS",
)


@dataclass(frozen=True)
class Forward:
    """A SignalForwarded after source research, and how many days the addressee takes (or never)."""

    to: str
    reason: ForwardReason
    ack_days: tuple[int, int] | None = (1, 6)


@dataclass(frozen=True)
class Path:
    """How far a case goes and how each phase ends; a case without a closing step stays open."""

    intake: IntakeOutcome | None = IntakeOutcome.ACCEPT
    close: CloseReason | None = None
    forward_to: str | None = None
    severity: SeverityOutcome | None = None
    research: bool = False
    forward: Forward | None = None
    plan: Plan | None = None
    victims: tuple[Victim, ...] = ()
    fault: Fault | None = None


def _words(code: str | None) -> str:
    """A code such as NOT_MUNICIPAL_TASK as words for a note."""
    return (code or "").lower().replace("_", " ")


class CaseRun:
    """One case on its way through the phases: its clock and whether the year still has room."""

    def __init__(self, s: Script, signal: m.SignalReceived, subject: str) -> None:
        self.s = s
        self.signal = signal
        self.case_id = signal.case_id
        self.subject = subject
        self.t = signal.occurred_at
        self.track = s.cases[signal.case_id]

    def step(self, low: int, high: int) -> bool:
        """Move the clock on; False (and no further steps) when the year ends first."""
        found = self.s.later(self.t, low, high)
        if found is not None:
            self.t = found
        return found is not None

    def seal(self, text: str, event_type: str, name: str) -> m.EncryptedField:
        """Encrypt a text of this case under its main data subject."""
        return self.s.seal(self.subject, text, event_type, self.case_id, name)

    def close(self, reason: CloseReason, low: int = 0, high: int = 3) -> None:
        """Close the case a few days on."""
        if self.step(low, high):
            closed = m.CaseClosed(
                **self.s.stamp("municipality", self.t), case_id=self.case_id, reason=reason
            )
            self.s.send(closed, f"Case closed: {reason.lower().replace('_', ' ')}")
            self.track.closed = self.t

    def acknowledge(
        self, forward_id: UUID, by: str, days: tuple[int, int], *, wrong_id: bool = False
    ) -> None:
        """The addressee of a forward picks it up some days after ``self.t``."""
        when = self.s.later(self.t, *days)
        if when is None:
            return
        if wrong_id:
            fields = {"case_id": self.case_id, "forward_event_id": self.signal.event_id}
            bad = m.SignalAcknowledged(**self.s.stamp(by, when), **fields)
            self.s.send(
                bad, "Acknowledgement naming the signal instead of the forward", "MISSING_REFERENCE"
            )
            when = self.s.soon(when)
        ack = m.SignalAcknowledged(
            **self.s.stamp(by, when), case_id=self.case_id, forward_event_id=forward_id
        )
        self.s.send(ack, f"Forwarded case picked up by {by}")


def handle(s: Script, signal: m.SignalReceived, subject: str, path: Path) -> None:
    """Take a newly opened case through the phases its path names."""
    run = CaseRun(s, signal, subject)
    intake = _intake(run, path) if path.intake is not None else None
    if intake is None:
        return
    for index, victim in enumerate(path.victims):
        follow(s, run.case_id, run.t, index, victim)
    if intake.outcome is IntakeOutcome.CLOSE:
        run.close(path.close or CloseReason.NOT_TRAFFICKING)
        if run.s.makes(path.fault) is Fault.AFTER_CLOSE and run.step(1, 3):
            late = m.SeverityAssessed(
                **s.stamp("municipality", run.t), case_id=run.case_id, outcome=SeverityOutcome.CLOSE
            )
            s.send(late, "Severity assessment of a case that was already closed", "CASE_CLOSED")
    elif intake.outcome is IntakeOutcome.FORWARD and intake.forward_to is not None:
        wrong = run.s.makes(path.fault) is Fault.WRONG_FORWARD_ID
        run.acknowledge(intake.event_id, intake.forward_to, (0, 4), wrong_id=wrong)
        run.close(CloseReason.FORWARDED)
    elif path.severity is not None and _severity(run, path):
        _after_severity(run, path)


def _intake(run: CaseRun, path: Path) -> m.IntakeAssessed | None:
    outcome = path.intake or IntakeOutcome.ACCEPT
    if run.s.makes(path.fault) is Fault.POLICE_INTAKE and run.step(0, 1):
        stamp = run.s.stamp("police", run.t)
        bad = m.IntakeAssessed(
            **stamp,
            case_id=run.case_id,
            is_undermining_crime=True,
            is_municipal_task=True,
            is_within_municipality=True,
            outcome=IntakeOutcome.ACCEPT,
        )
        run.s.send(bad, "Police trying to record the municipality's intake", "NOT_AUTHORIZED")
    if not run.step(1, 4):
        return None
    reason = CloseReason.FORWARDED if outcome is IntakeOutcome.FORWARD else path.close
    crime, task, inside = _ANSWERS[None if outcome is IntakeOutcome.ACCEPT else reason]
    intake = m.IntakeAssessed(
        **run.s.stamp("municipality", run.t),
        case_id=run.case_id,
        is_undermining_crime=crime,
        is_municipal_task=task,
        is_within_municipality=inside,
        outcome=outcome,
        forward_to=path.forward_to if outcome is IntakeOutcome.FORWARD else None,
        rationale=run.seal(_INTAKE_TEXT[outcome], m.IntakeAssessed.EVENT_TYPE, "rationale"),
    )
    run.s.send(intake, _INTAKE_NOTE[outcome].format(to=path.forward_to, reason=_words(path.close)))
    run.track.stages.append((run.t, Stage.INTAKE))
    return intake


def _severity(run: CaseRun, path: Path) -> bool:
    if run.s.makes(path.fault) is Fault.PLAN_TOO_EARLY and run.step(0, 1):
        action = m.PlannedAction(
            action_id="a1", kind="CONTROL_VISIT", owner="enforcement", due_date=run.t.date()
        )
        early = m.ActionPlanAdopted(
            **run.s.stamp("municipality", run.t),
            case_id=run.case_id,
            actions=[action],
            forward_to_police=False,
            escalate_to_riec=False,
        )
        run.s.send(early, "Plan of action sent before the severity assessment", "OUT_OF_ORDER")
    if path.severity is None or not run.step(2, 9):
        return False
    severity = m.SeverityAssessed(
        **run.s.stamp("municipality", run.t),
        case_id=run.case_id,
        outcome=path.severity,
        rationale=run.seal(
            _SEVERITY_TEXT[path.severity], m.SeverityAssessed.EVENT_TYPE, "rationale"
        ),
    )
    run.s.send(severity, f"Severity: {path.severity.lower().replace('_', ' ')}")
    run.track.stages.append((run.t, Stage.SEVERITY))
    return True


def _after_severity(run: CaseRun, path: Path) -> None:
    if path.severity is SeverityOutcome.CLOSE:
        run.close(CloseReason.NOT_SEVERE)
    elif path.severity is SeverityOutcome.STORE_FOR_FUTURE_USE:
        run.close(CloseReason.STORED_FOR_FUTURE_USE)
    elif path.research and _research(run, path):
        if path.forward is not None:
            _forward(run, path.forward)
        if path.plan is not None:
            carry_out(run, path.plan)
        elif path.close is not None:
            run.close(path.close, 1, 6)


def _research(run: CaseRun, path: Path) -> bool:
    if not run.step(5, 18):
        return False
    rng = run.s.rng
    found = path.plan is not None or path.forward is not None
    findings = sorted(rng.sample(_RESEARCH_FINDINGS, 2)) if found else ["NO_FINDINGS"]
    summary = _SUMMARY[found]
    research = m.SourceResearchCompleted(
        **run.s.stamp("municipality", run.t),
        case_id=run.case_id,
        registers_consulted=sorted(rng.sample(list(m.Register), rng.randint(3, 5))),
        finding_codes=findings,
        summary=run.seal(summary, m.SourceResearchCompleted.EVENT_TYPE, "summary"),
    )
    run.s.send(research, "Internal source research completed")
    run.track.stages.append((run.t, Stage.SOURCE_RESEARCH))
    return True


def _forward(run: CaseRun, forward: Forward) -> None:
    if not run.step(1, 5):
        return
    sent = m.SignalForwarded(
        **run.s.stamp("municipality", run.t),
        case_id=run.case_id,
        to_partner=forward.to,
        reason=forward.reason,
    )
    run.s.send(sent, f"Case forwarded to {forward.to} ({forward.reason.lower().replace('_', ' ')})")
    if forward.ack_days is not None:
        run.acknowledge(sent.event_id, forward.to, forward.ack_days)
