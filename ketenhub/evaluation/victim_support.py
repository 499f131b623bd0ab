"""Part 4, victim support: victims identified, referrals and their outcomes, waits, re-victimisation."""

from __future__ import annotations

from collections.abc import Callable

from ketenhub.contract.models import AgeGroup, CareType, DeclineReason, ExploitationForm, Gender
from ketenhub.evaluation.history import Fact, History, Referral
from ketenhub.evaluation.measures import DURATION_MEASURES, durations, facts_in
from ketenhub.evaluation.period import Period, Stamp
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.statistics import days_between
from ketenhub.evaluation.tables import ALL, Figure, Table, count, table, total

STEPS = ("referrals made", "accepted", "declined", "care started")


def tables(history: History, period: Period, settings: EvaluationSettings) -> list[Table]:
    """The tables of part 4 for ``period``."""
    registrations = facts_in(history, "victim", period)
    first = _first_identifications(registrations)
    referrals = list(history.referrals.values())
    providers = sorted({r.provider for r in referrals if period.by_end(r.made)})
    return [
        _identified(first, 1, "age group", [a.value for a in AgeGroup]),
        _identified(first, 2, "gender", [g.value for g in Gender]),
        _identified_by_form(registrations),
        _referral_steps(referrals, period, "provider", providers, lambda r: r.provider),
        _referral_steps(
            referrals, period, "care type", [c.value for c in CareType], lambda r: r.care_type
        ),
        _helped(referrals, period),
        _declines(referrals, period),
        _time_to_care(referrals, period, providers),
        _bottlenecks(referrals, period, providers, settings.wait_days),
        _revictimisation(history, period),
    ]


def _first_identifications(facts: list[Fact]) -> dict[str, Fact]:
    first: dict[str, Fact] = {}
    for fact in sorted(facts, key=lambda f: f.stamp.at):
        first.setdefault(fact.labels[0], fact)
    return first


def _identified(first: dict[str, Fact], index: int, dim: str, values: list[str]) -> Table:
    rows = []
    for value in values:
        mine = [f.stamp.event_id for f in first.values() if f.labels[index] == value]
        rows.append(((value,), (total(len(mine), mine),)))
    return table(
        f"victims.identified_by_{dim.replace(' ', '_')}",
        f"Victims identified, by {dim}",
        (dim,),
        ("victims",),
        rows,
        note="Distinct victims (pseudonyms) identified in the year, as first registered that year.",
    )


def _identified_by_form(registrations: list[Fact]) -> Table:
    """Distinct victims under each form any of their registrations of the year names."""
    rows = []
    for form in ExploitationForm:
        mine = [f for f in registrations if form.value in f.labels[3:]]
        victims = {f.labels[0] for f in mine}
        rows.append(((form.value,), (total(len(victims), [f.stamp.event_id for f in mine]),)))
    return table(
        "victims.identified_by_exploitation_form",
        "Victims identified, by exploitation form",
        ("exploitation form",),
        ("victims",),
        rows,
        note="Distinct victims (pseudonyms) identified in the year, under every form their "
        "registrations of the year name: a victim of two forms counts once under each, so the "
        "forms add up to more than the victims.",
    )


def _steps(mine: list[Referral], period: Period) -> tuple[Figure, ...]:
    return (
        count(r.made.event_id for r in mine if period.holds(r.made)),
        count(r.accepted.event_id for r in mine if r.accepted and period.holds(r.accepted)),
        count(r.declined.event_id for r in mine if r.declined and period.holds(r.declined)),
        count(r.started.event_id for r in mine if r.started and period.holds(r.started)),
    )


def _referral_steps(
    referrals: list[Referral],
    period: Period,
    dim: str,
    values: list[str],
    key: Callable[[Referral], str],
) -> Table:
    rows = [((v,), _steps([r for r in referrals if key(r) == v], period)) for v in values]
    return table(
        f"victims.referrals_by_{dim.replace(' ', '_')}",
        f"Referrals to care, by {dim}",
        (dim,),
        STEPS,
        rows,
        note="Each step counts in the year it occurred.",
        chart="bar:referrals made",
    )


def _helped(referrals: list[Referral], period: Period) -> Table:
    started = [r for r in referrals if r.started is not None and period.holds(r.started)]

    def victims(mine: list[Referral]) -> Figure:
        behind = [r.started.event_id for r in mine if r.started is not None]
        return total(len({r.victim for r in mine}), behind)

    rows = [((ALL,), (victims(started),))]
    rows += [((c.value,), (victims([r for r in started if r.care_type == c]),)) for c in CareType]
    return table(
        "victims.helped_by_care_type",
        "Victims helped, by type of help",
        ("care type",),
        ("victims helped",),
        rows,
        note="Distinct victims whose care of that type started in the year; someone helped in two "
        "ways counts once under each.",
        chart="bar:victims helped",
    )


def _declines(referrals: list[Referral], period: Period) -> Table:
    declined = [r for r in referrals if r.declined is not None and period.holds(r.declined)]
    rows = [
        (
            (reason.value,),
            (count(r.declined.event_id for r in declined if r.reason == reason and r.declined),),
        )
        for reason in DeclineReason
    ]
    return table(
        "victims.declines", "Referrals declined, by reason", ("reason",), ("declined",), rows
    )


def _waits(mine: list[Referral], period: Period) -> list[tuple[Stamp, Stamp]]:
    return [(r.made, r.started) for r in mine if r.started is not None and period.holds(r.started)]


def _time_to_care(referrals: list[Referral], period: Period, providers: list[str]) -> Table:
    rows = [((ALL,), durations(_waits(referrals, period)))]
    rows += [
        ((p,), durations(_waits([r for r in referrals if r.provider == p], period)))
        for p in providers
    ]
    return table(
        "victims.time_to_care",
        "Days from referral to the start of care",
        ("provider",),
        DURATION_MEASURES,
        rows,
        note="Over care started in the year.",
        chart="lead",
    )


def _still_waiting(r: Referral, period: Period, days: float) -> bool:
    ended = [s for s in (r.declined, r.started) if s is not None and period.by_end(s)]
    return period.by_end(r.made) and not ended and days_between(r.made.at, period.end) > days


def _bottleneck_row(mine: list[Referral], period: Period, days: float) -> tuple[Figure, ...]:
    declined = [r.declined.event_id for r in mine if r.declined and period.holds(r.declined)]
    late = [(a, b) for a, b in _waits(mine, period) if days_between(a.at, b.at) > days]
    waiting = [r.made.event_id for r in mine if _still_waiting(r, period, days)]
    return (
        count(declined),
        total(len(late), [stamp.event_id for pair in late for stamp in pair]),
        count(waiting),
    )


def _bottlenecks(
    referrals: list[Referral], period: Period, providers: list[str], days: float
) -> Table:
    rows = [((ALL,), _bottleneck_row(referrals, period, days))]
    rows += [
        ((p,), _bottleneck_row([r for r in referrals if r.provider == p], period, days))
        for p in providers
    ]
    return table(
        "victims.bottlenecks",
        f"Bottlenecks: declines, and waits for care longer than {days:g} days",
        ("provider",),
        ("declined", "care started late", "still waiting at year end"),
        rows,
        note="Still waiting: referred by the year's end, neither declined nor started by then.",
        params=(("days", f"{days:g}"),),
    )


def _revictimisation(history: History, period: Period) -> Table:
    ended: dict[str, list[Stamp]] = {}
    for r in history.referrals.values():
        if r.ended is not None:
            ended.setdefault(r.victim, []).append(r.ended)
    victims: dict[str, list[str]] = {}
    for fact in facts_in(history, "victim", period):
        earlier = [s.event_id for s in ended.get(fact.labels[0], []) if s.at < fact.stamp.at]
        if earlier:
            victims.setdefault(fact.labels[0], []).extend([fact.stamp.event_id, *earlier])
    behind = [i for found in victims.values() for i in found]
    return table(
        "victims.revictimisation",
        "People identified as a victim again after earlier care ended",
        ("victims",),
        ("identified again",),
        [((ALL,), (total(len(victims), behind),))],
        note="Same victim pseudonym: a VictimIdentified in the year after a CareEnded of that victim.",
    )
