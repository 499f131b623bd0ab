"""Integral control days of the demo year: the plan, the visits and their findings, measures, signals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ketenhub.contract import models as m
from ketenhub.contract.models import ControlDayKind, ExploitationForm, MeasureType
from ketenhub.demo.cases import Path
from ketenhub.demo.plans import LEGAL_BASIS, Plan
from ketenhub.demo.script import Script
from ketenhub.demo.signals import AREAS, ENFORCER, POLICE, Source, partner, receive

Window = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class Raised:
    """A visit that raises a new signal: the forms suspected and how the new case goes."""

    visit: int
    forms: tuple[ExploitationForm, ...]
    path: Path


@dataclass(frozen=True)
class DaySpec:
    """One control day: kind, who plans and takes part, the sites visited, and what follows."""

    window: Window
    kind: ControlDayKind
    planner: str
    loggers: tuple[str, ...]  # who logs visit i: loggers[i % len(loggers)]
    sites: tuple[str, ...]
    findings: tuple[str, ...]
    raised: tuple[Raised, ...] = ()
    measures: tuple[tuple[int, MeasureType, str], ...] = ()
    evening: bool = False
    resends: bool = False  # the control-day app delivers visit 0 twice and re-sends visit 1


@dataclass
class _Day:
    spec: DaySpec
    day_id: str
    planned_at: dt.datetime
    visits: list[dt.datetime]
    raised_ids: dict[int, str] = field(default_factory=dict)


def _source(logger: str) -> Source:
    if logger == "police":
        return POLICE
    return ENFORCER if logger == "municipal-staff" else partner(logger)


def plan(s: Script, specs: tuple[DaySpec, ...]) -> list[_Day]:
    """Fix the dates and visit times of the control days and schedule the signals they raise."""
    days = []
    for spec in specs:
        visits = _visit_times(s, spec)
        planned_at = s.office(visits[0].date() - dt.timedelta(days=s.rng.randint(14, 28)))
        found = _Day(spec, s.label("control-day", 2), planned_at, visits)
        for raised in spec.raised:
            opened = visits[raised.visit] + dt.timedelta(hours=s.rng.randint(1, 5))
            logger = spec.loggers[raised.visit % len(spec.loggers)]
            s.schedule(opened, _raise, s, found, raised, opened, _source(logger))
        days.append(found)
    return days


def _visit_times(s: Script, spec: DaySpec) -> list[dt.datetime]:
    """One visit after another, from the morning (or the early evening) of a weekday."""
    day = s.office(s.day(*spec.window)).date()
    start = dt.datetime.combine(day, dt.time(17 if spec.evening else 7, 30), tzinfo=dt.UTC)
    visits = [start + dt.timedelta(minutes=s.rng.randint(0, 30))]
    for _ in spec.sites[1:]:
        pause = dt.timedelta(minutes=s.rng.randint(35, 95), seconds=s.rng.randint(0, 59))
        visits.append(visits[-1] + pause)
    return visits


def _raise(
    s: Script, day: _Day, raised: Raised, opened: dt.datetime, source: Source, case_id: str
) -> None:
    day.raised_ids[raised.visit] = case_id
    receive(s, case_id, opened, source, raised.forms, raised.path)


def emit(s: Script, days: list[_Day]) -> None:
    """Publish each control day: planned, its visits, measures after visits, and closed."""
    for day in days:
        spec = day.spec
        planned = m.ControlDayPlanned(
            **s.stamp(spec.planner, day.planned_at),
            control_day_id=day.day_id,
            day=day.visits[0].date(),
            kind=spec.kind,
            participants=sorted({spec.planner, *spec.loggers}),
        )
        s.send(planned, f"{spec.kind.capitalize().replace('_', ' ')} control day planned")
        visit_ids = [_visit(s, day, index) for index in range(len(spec.sites))]
        _impose(s, day, visit_ids)
        closed_at = day.visits[-1] + dt.timedelta(minutes=s.rng.randint(30, 120))
        closed = m.ControlDayClosed(**s.stamp(spec.planner, closed_at), control_day_id=day.day_id)
        s.send(closed, "Control day closed")


def _impose(s: Script, day: _Day, visit_ids: list[str]) -> None:
    """The measures that follow visits, the same day or within a week."""
    for index, measure, recorder in day.spec.measures:
        when = s.later(day.visits[index], 0, 7)
        if when is not None:
            imposed = m.MeasureImposed(
                **s.stamp(recorder, when),
                measure_id=s.label("measure"),
                measure=measure,
                legal_basis=LEGAL_BASIS[measure],
                control_visit_id=visit_ids[index],
            )
            kind = measure.lower().replace("_", " ")
            s.send(imposed, f"Measure after a control visit: {kind}")


def _visit(s: Script, day: _Day, index: int) -> str:
    spec = day.spec
    findings = sorted(s.rng.sample(spec.findings, s.rng.randint(0, 2)))
    if not findings and (index in day.raised_ids or any(i == index for i, _, _ in spec.measures)):
        findings = [spec.findings[0]]
    raised = [day.raised_ids[index]] if index in day.raised_ids else []
    visit = m.ControlVisitLogged(
        **s.stamp(spec.loggers[index % len(spec.loggers)], day.visits[index]),
        control_day_id=day.day_id,
        visit_id=f"{day.day_id}-v{index + 1}",
        address=s.pseudonym("address"),
        area_code=s.rng.choice(AREAS),
        finding_codes=findings or ["NO_FINDINGS"],
        people_encountered=s.rng.randint(1, 14),
        signals_raised=raised,
    )
    note = f"Visit to a {spec.sites[index]}" + (", raising a new signal" if raised else "")
    s.send(visit, note)
    if spec.resends and s.mistakes and index == 0:
        s.send(visit, "The control-day app delivered the same visit twice", "DUPLICATE")
    if spec.resends and s.mistakes and index == 1:
        changed = visit.model_copy(update={"people_encountered": visit.people_encountered + 2})
        s.send(
            changed, "A corrected visit re-sent under the same event id", "CONFLICTING_DUPLICATE"
        )
    return visit.visit_id


_L, _S = (ExploitationForm.LABOUR,), (ExploitationForm.SEXUAL,)
_INVESTIGATE = m.SeverityOutcome.INVESTIGATE
_LABOUR_PLAN = Plan(
    actions=(
        ("LABOUR_INSPECTION", "nla"),
        ("CONTROL_VISIT", "enforcement"),
        ("ADDRESS_CHECK", "municipality"),
    ),
    measures=((MeasureType.PENALTY_ORDER, "enforcement"),),
)
DAYS = (
    DaySpec(
        ((3, 10), (3, 20)),
        ControlDayKind.INTEGRAL,
        "municipality",
        ("enforcement", "police", "nla", "riec"),
        (
            "car wash",
            "nail salon",
            "distribution warehouse",
            "shisha lounge",
            "restaurant kitchen",
            "barber shop",
        ),
        ("NO_PERMIT", "OVERCROWDING", "UNDERPAYMENT_SUSPECTED", "NO_ID_PAPERS", "FIRE_SAFETY"),
        raised=(
            Raised(2, _L, Path(severity=_INVESTIGATE, research=True, plan=_LABOUR_PLAN)),
            Raised(4, _L, Path(severity=m.SeverityOutcome.STORE_FOR_FUTURE_USE)),
        ),
        measures=(
            (0, MeasureType.PENALTY_ORDER, "enforcement"),
            (2, MeasureType.ADMINISTRATIVE_FINE, "nla"),
            (3, MeasureType.PREMISES_CLOSURE, "municipality"),
        ),
        resends=True,
    ),
    DaySpec(
        ((5, 12), (5, 23)),
        ControlDayKind.PROSTITUTION,
        "heit",
        ("heit", "police"),
        (
            "massage parlour",
            "hotel room booked through an advert",
            "holiday rental",
            "flat above a shop",
        ),
        ("UNLICENSED_SEX_WORK", "NO_ID_PAPERS", "SIGNS_OF_COERCION", "ADVERTISED_ONLINE"),
        raised=(Raised(2, _S, Path(intake=m.IntakeOutcome.FORWARD, forward_to="police")),),
        measures=((0, MeasureType.PREMISES_CLOSURE, "municipality"),),
        evening=True,
    ),
    DaySpec(
        ((7, 7), (7, 18)),
        ControlDayKind.ADDRESS_CHECK,
        "municipality",
        ("municipal-staff", "enforcement", "police"),
        ("family home", "flat above a shop", "converted garage", "rooming house", "terraced house"),
        ("UNREGISTERED_RESIDENTS", "OVERCROWDING", "NOBODY_HOME", "REGISTRATION_CORRECT"),
        raised=(
            Raised(
                0,
                _L,
                Path(severity=_INVESTIGATE, research=True, close=m.CloseReason.NOT_TRAFFICKING),
            ),
        ),
        measures=(
            (1, MeasureType.BRP_DEREGISTRATION, "municipality"),
            (3, MeasureType.ADDRESS_INVESTIGATION, "municipality"),
        ),
    ),
    DaySpec(
        ((9, 15), (9, 26)),
        ControlDayKind.HOUSING_FRAUD,
        "enforcement",
        ("enforcement", "municipal-staff", "police"),
        ("rooming house", "converted office", "shared flat", "holiday rental", "garden shed"),
        ("ILLEGAL_ROOM_RENTAL", "OVERCROWDING", "FIRE_SAFETY", "UNREGISTERED_RESIDENTS"),
        raised=(Raised(2, _L, Path(severity=_INVESTIGATE, research=True, plan=_LABOUR_PLAN)),),
        measures=(
            (0, MeasureType.PENALTY_ORDER, "enforcement"),
            (3, MeasureType.PENALTY_ORDER, "enforcement"),
        ),
    ),
    DaySpec(
        ((11, 3), (11, 14)),
        ControlDayKind.INTEGRAL,
        "municipality",
        ("enforcement", "heit", "nla", "police", "riec"),
        (
            "car wash",
            "nail salon",
            "greenhouse",
            "warehouse",
            "massage parlour",
            "restaurant kitchen",
            "hotel",
        ),
        ("NO_PERMIT", "OVERCROWDING", "UNDERPAYMENT_SUSPECTED", "NO_ID_PAPERS", "LIVES_AT_WORK"),
        raised=(Raised(2, _L, Path(severity=_INVESTIGATE)),),
        measures=(
            (0, MeasureType.PENALTY_ORDER, "enforcement"),
            (2, MeasureType.ADMINISTRATIVE_FINE, "nla"),
        ),
    ),
)
