"""The caseload of the demo year: which signals arrive when, from whom, and how far each goes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from ketenhub.contract.models import (
    CloseReason,
    ExploitationForm,
    ForwardReason,
    IntakeOutcome,
    SeverityOutcome,
)
from ketenhub.demo.cases import Forward, Path
from ketenhub.demo.plans import Plan
from ketenhub.demo.script import Fault, Script
from ketenhub.demo.signals import (
    ANONYMOUS,
    EXTERNAL,
    PERMIT_DESK,
    POLICE,
    STAFF,
    WEB,
    Source,
    partner,
    receive,
)
from ketenhub.demo.victims import Victim

Window = tuple[tuple[int, int], tuple[int, int]]
S, L, C = ExploitationForm.SEXUAL, ExploitationForm.LABOUR, ExploitationForm.CRIMINAL
CLOSE, FORWARD = IntakeOutcome.CLOSE, IntakeOutcome.FORWARD
INVESTIGATE = SeverityOutcome.INVESTIGATE


@dataclass(frozen=True)
class Batch:
    """Signals alike in how far they go; sources are taken in turn, forms at random."""

    count: int
    window: Window
    sources: tuple[Source, ...]
    forms: tuple[tuple[ExploitationForm, ...], ...]
    path: Path
    fault: tuple[int, Fault] | None = None  # (index in the batch, fault) for one case


def one(window: Window, source: Source, forms: tuple[ExploitationForm, ...], path: Path) -> Batch:
    """A batch of one signal."""
    return Batch(1, window, (source,), (forms,), path)


def researched(plan: Plan, *victims: Victim, fault: Fault | None = None) -> Path:
    """The path of a case investigated, researched and given a plan of action."""
    return Path(severity=INVESTIGATE, research=True, plan=plan, victims=victims, fault=fault)


_NOT_TRAFFICKING = Path(intake=CLOSE, close=CloseReason.NOT_TRAFFICKING)
_NOT_MUNICIPAL = Path(intake=CLOSE, close=CloseReason.NOT_MUNICIPAL_TASK)
_OUTSIDE = Path(intake=CLOSE, close=CloseReason.OUTSIDE_MUNICIPALITY)
_NOTHING_FOUND = Path(severity=INVESTIGATE, research=True, close=CloseReason.NOT_TRAFFICKING)
_TO_NLA = Forward("nla", ForwardReason.INSPECTION, (2, 6))
_TO_RIEC_NEVER_PICKED_UP = Forward("riec", ForwardReason.INTEGRAL_APPROACH, None)
_FORWARDED = CloseReason.FORWARDED

# fmt: off
CLOSED_EARLY = (
    Batch(8, ((1, 6), (12, 5)), (WEB, STAFF, EXTERNAL, ANONYMOUS, WEB, POLICE, STAFF, EXTERNAL),
          ((S,), (L,)), _NOT_TRAFFICKING, (0, Fault.AFTER_CLOSE)),
    Batch(3, ((2, 1), (11, 20)), (EXTERNAL, STAFF, WEB), ((L,), (C,)), _NOT_MUNICIPAL),
    Batch(3, ((1, 10), (11, 25)), (ANONYMOUS, EXTERNAL, partner("shop")), ((S,), (L,)), _OUTSIDE),
    Batch(3, ((1, 15), (11, 15)), (ANONYMOUS, WEB, STAFF), ((S,), (C,), (S, C)),
          Path(intake=FORWARD, forward_to="police"), (0, Fault.WRONG_FORWARD_ID)),
    Batch(2, ((2, 1), (10, 31)), (EXTERNAL, STAFF), ((L,),),
          Path(intake=FORWARD, forward_to="nla")),
    one(((3, 1), (9, 30)), EXTERNAL, (S,), Path(intake=FORWARD, forward_to="police")),
    one(((4, 1), (10, 15)), PERMIT_DESK, (L, C), Path(intake=FORWARD, forward_to="riec")),
    one(((5, 1), (10, 31)), WEB, (S,), Path(intake=FORWARD, forward_to="heit")),
    Batch(8, ((1, 8), (11, 30)),
          (STAFF, WEB, ANONYMOUS, EXTERNAL, POLICE, partner("nla"), STAFF, WEB),
          ((S,), (L,), (C,)), Path(severity=SeverityOutcome.CLOSE), (2, Fault.ANONYMOUS_WITH_ROLE)),
    Batch(5, ((1, 20), (11, 20)), (ANONYMOUS, STAFF, WEB, partner("riec"), partner("heit")),
          ((S,), (L,)), Path(severity=SeverityOutcome.STORE_FOR_FUTURE_USE)),
    Batch(3, ((1, 15), (9, 30)), (STAFF, EXTERNAL, POLICE), ((L,), (S,)), _NOTHING_FOUND),
    one(((2, 1), (8, 31)), STAFF, (L,), replace(_NOTHING_FOUND, forward=_TO_NLA, close=_FORWARDED)),
    one(((3, 1), (8, 31)), WEB, (S,),
        replace(_NOTHING_FOUND, forward=_TO_RIEC_NEVER_PICKED_UP, close=_FORWARDED)),
)

_OPEN_PLAN = Plan((("CONTROL_VISIT", "enforcement"), ("LABOUR_INSPECTION", "nla")), reported=0)
_OPEN_ACTIONS = Plan(
    (("INTEGRAL_ANALYSIS", "riec"), ("CONTROL_VISIT", "enforcement"),
     ("PERMIT_REVIEW", "municipality")),
    escalate_to_riec=True, reported=1,
)
OPEN_AT_YEAR_END = (
    Batch(2, ((12, 22), (12, 30)), (ANONYMOUS, POLICE), ((S,), (L,)), Path(intake=None)),
    Batch(2, ((12, 12), (12, 22)), (WEB, STAFF), ((L,), (S,)), Path()),
    Batch(2, ((11, 24), (12, 8)), (EXTERNAL, partner("shop")), ((S,), (L,)),
          Path(severity=INVESTIGATE)),
    Batch(2, ((10, 25), (11, 15)), (partner("nla"), partner("heit")), ((L,), (S,)),
          Path(severity=INVESTIGATE, research=True)),
    Batch(2, ((9, 20), (10, 15)), (POLICE, STAFF), ((L,),), researched(_OPEN_PLAN),
          (0, Fault.POLICE_INTAKE)),
    Batch(2, ((8, 10), (9, 5)), (partner("riec"), EXTERNAL), ((S, L), (L,)),
          researched(_OPEN_ACTIONS)),
)
# fmt: on


def schedule(s: Script, batches: tuple[Batch, ...]) -> None:
    """Schedule every signal of the batches at its moment of arrival."""
    for batch in batches:
        for index in range(batch.count):
            source = batch.sources[index % len(batch.sources)]
            day = s.day(*batch.window)
            opened = s.office(day) if source.office_hours else s.anytime(day)
            forms = s.rng.choice(batch.forms)
            path = batch.path
            if batch.fault is not None and batch.fault[0] == index:
                path = replace(path, fault=batch.fault[1])
            s.schedule(opened, _open, s, opened, source, forms, path)


def _open(
    s: Script,
    opened: dt.datetime,
    source: Source,
    forms: tuple[ExploitationForm, ...],
    path: Path,
    case_id: str,
) -> None:
    receive(s, case_id, opened, source, forms, path)
