"""Part 3, enforcement & barriers: Bibob, control days and findings, measures, joint actions."""

from __future__ import annotations

from ketenhub.contract.models import (
    ActionResult,
    BibobOutcome,
    ControlDayKind,
    MeasureType,
    PermitType,
)
from ketenhub.evaluation.history import Fact, History
from ketenhub.evaluation.measures import event_ids, facts_in, labelled, with_extra
from ketenhub.evaluation.period import Period
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.tables import Table, count, table, total


def tables(history: History, period: Period, settings: EvaluationSettings) -> list[Table]:
    """The tables of part 3 for ``period``."""
    visits = facts_in(history, "visit", period)
    return [
        _bibob(facts_in(history, "screening", period)),
        _control_days(facts_in(history, "control_day", period), visits),
        _findings(visits),
        _measures(facts_in(history, "measure", period)),
        _joint(history, period, settings),
    ]


def _bibob(screenings: list[Fact]) -> Table:
    rows = [
        (
            (p.value, o.value),
            (count(event_ids(f for f in screenings if f.labels == (p.value, o.value))),),
        )
        for p in PermitType
        for o in BibobOutcome
    ]
    return table(
        "enforcement.bibob",
        "Bibob screenings, by permit type and outcome",
        ("permit type", "outcome"),
        ("screenings",),
        rows,
    )


def _control_days(days: list[Fact], visits: list[Fact]) -> Table:
    kinds = with_extra([k.value for k in ControlDayKind], (v.labels[0] for v in visits))
    rows = []
    for kind in kinds:
        held = event_ids(labelled(days, 0, kind))
        mine = labelled(visits, 0, kind)
        ids = event_ids(mine)
        rows.append(
            (
                (kind,),
                (
                    count(held, sensitive=False),
                    count(ids, sensitive=False),
                    total(sum(v.numbers[0] for v in mine), ids),
                    total(sum(v.numbers[1] for v in mine), ids),
                ),
            )
        )
    return table(
        "enforcement.control_days",
        "Control days, visits, people encountered and signals raised, by kind of control",
        ("kind",),
        ("control days", "visits", "people encountered", "signals raised"),
        rows,
        note="Control days count in the year of their date; visits in the year they were logged.",
        chart="bar:visits",
    )


def _findings(visits: list[Fact]) -> Table:
    codes = sorted({code for v in visits for code in v.labels[1:]})
    rows = [
        ((code,), (count(event_ids(v for v in visits if code in v.labels[1:])),)) for code in codes
    ]
    return table(
        "enforcement.findings",
        "Control visits, by finding code",
        ("finding code",),
        ("visits with this finding",),
        rows,
        note="A visit with several findings counts once under each.",
    )


def _measures(measures: list[Fact]) -> Table:
    rows = []
    for kind in MeasureType:
        mine = labelled(measures, 0, kind.value)
        after_visit = [m for m in mine if m.labels[1]]
        rows.append(((kind.value,), (count(event_ids(mine)), count(event_ids(after_visit)))))
    return table(
        "enforcement.measures",
        "Administrative measures, by type",
        ("measure",),
        ("measures", "after a control visit"),
        rows,
        chart="bar:measures",
    )


def _joint(history: History, period: Period, settings: EvaluationSettings) -> Table:
    days = facts_in(history, "control_day", period)
    rows = []
    for partner in settings.joint_partners:
        owned = [a for a in history.actions.values() if a.owner == partner]
        planned = [a.plan.event_id for a in owned if period.holds(a.plan)]
        done = [
            a.ended.event_id
            for a in owned
            if a.ended is not None and period.holds(a.ended) and a.result == ActionResult.COMPLETED
        ]
        joined = event_ids(d for d in days if partner in d.labels[1:])
        rows.append(
            (
                (partner,),
                (total(len(planned), planned), count(done), count(joined, sensitive=False)),
            )
        )
    return table(
        "enforcement.joint",
        "Joint actions with HEIT, AVIM (police) and RIEC",
        ("partner",),
        ("actions assigned", "actions completed", "control days taken part in"),
        rows,
        note="Actions assigned: in plans adopted in the year; completed: reported completed in the year.",
    )
