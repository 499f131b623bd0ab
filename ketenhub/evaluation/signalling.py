"""Part 2, signalling structure: channels, forms, the five-phase funnel, lead times, forwards."""

from __future__ import annotations

from ketenhub.contract.models import Channel, CloseReason, ExploitationForm, SourceOrganisationKind
from ketenhub.core.phases import Phase
from ketenhub.evaluation.history import CaseFacts, History
from ketenhub.evaluation.measures import DURATION_MEASURES, durations
from ketenhub.evaluation.period import Period, Stamp
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.tables import ALL, Figure, Table, count, share, table

ROUTES = ("SIGNAL_FORWARDED", "INTAKE_FORWARD", "ACTION_PLAN")
COHORT = "Cases are those whose SignalReceived occurred in the year, followed to the year's end."


def tables(history: History, period: Period, settings: EvaluationSettings) -> list[Table]:
    """The tables of part 2 for ``period``."""
    cohort = [c for c in history.cases.values() if period.holds(c.signal)]
    return [
        _by_channel(cohort),
        _by_source_organisation(cohort),
        _by_form(cohort),
        _by_month(cohort),
        _funnel(cohort, period),
        _stored(cohort, period),
        _lead_times(history, period),
        _led_to_action(cohort, period),
        _forwards(history, period),
    ]


def _signal_ids(cases: list[CaseFacts]) -> list[str]:
    return [c.signal.event_id for c in cases if c.signal is not None]


def _by_channel(cohort: list[CaseFacts]) -> Table:
    rows = [
        ((ch.value,), (count(_signal_ids([c for c in cohort if c.channel == ch])),))
        for ch in Channel
    ]
    return table(
        "signalling.by_channel",
        "Signals received, by channel",
        ("channel",),
        ("signals",),
        rows,
        chart="bar:signals",
    )


NOT_RECORDED = "NOT_RECORDED"
"""The row of external signals recorded without their kind of organisation (v1, or left out)."""


def _by_source_organisation(cohort: list[CaseFacts]) -> Table:
    external = [c for c in cohort if c.channel == Channel.EXTERNAL_ROUTE]
    kinds = [k.value for k in SourceOrganisationKind]
    rows = [
        ((kind,), (count(_signal_ids([c for c in external if c.source_organisation == kind])),))
        for kind in kinds
    ]
    unknown = [c for c in external if c.source_organisation not in kinds]
    rows.append(((NOT_RECORDED,), (count(_signal_ids(unknown)),)))
    return table(
        "signalling.by_source_organisation",
        "Signals from outside organisations (external route), by kind of organisation",
        ("source organisation",),
        ("signals",),
        rows,
        note="Signals on the external route from organisations that are no hub partner; "
        "NOT_RECORDED: the kind was not given.",
        chart="bar:signals",
    )


def _by_form(cohort: list[CaseFacts]) -> Table:
    rows = [
        ((f.value,), (count(_signal_ids([c for c in cohort if f.value in c.forms])),))
        for f in ExploitationForm
    ]
    return table(
        "signalling.by_form",
        "Signals received, by suspected form of exploitation",
        ("exploitation form",),
        ("signals",),
        rows,
        note="A signal naming several forms counts once under each.",
    )


def _by_month(cohort: list[CaseFacts]) -> Table:
    rows = []
    for month in range(1, 13):
        mine = [c for c in cohort if c.signal is not None and c.signal.at.month == month]
        rows.append(((f"{month:02d}",), (count(_signal_ids(mine)),)))
    return table(
        "signalling.by_month",
        "Signals received, by month (UTC)",
        ("month",),
        ("signals",),
        rows,
        chart="line:signals",
    )


def _phases_by(case: CaseFacts, period: Period) -> dict[Phase, Stamp]:
    return {stage: s for stage, s in case.phases.items() if period.by_end(s)}


def _stored_at(case: CaseFacts, period: Period) -> Stamp | None:
    if period.by_end(case.stored):
        return case.stored
    closed = period.by_end(case.closed)
    return (
        case.closed if closed and case.close_reason == CloseReason.STORED_FOR_FUTURE_USE else None
    )


FUNNEL = ("reached", "closed here", "forwarded at intake", "still open here")


def _funnel(cohort: list[CaseFacts], period: Period) -> Table:
    """Per phase: cases that reached it, and where each stopped — closed, forwarded or open."""
    found: dict[str, dict[Phase, list[str]]] = {m: {s: [] for s in Phase} for m in FUNNEL}
    for case in cohort:
        phases = _phases_by(case, period)
        for stage, stamp in phases.items():
            found["reached"][stage].append(stamp.event_id)
        last = max(phases)
        forwarded = case.forwarded_at_intake
        if forwarded is not None and period.by_end(forwarded):
            found["forwarded at intake"][last].append(forwarded.event_id)
        elif case.closed is not None and period.by_end(case.closed):
            found["closed here"][case.closed_phase].append(case.closed.event_id)
        else:
            found["still open here"][last].append(phases[last].event_id)
    rows = [((s.name,), tuple(count(found[m][s]) for m in FUNNEL)) for s in Phase]
    return table(
        "signalling.funnel",
        "The five phases: how many cases reached each phase, and where they stopped",
        ("phase",),
        FUNNEL,
        rows,
        note=COHORT + " Reached counts a case in every phase it reached. Closed here, forwarded at "
        "intake (intake outcome FORWARD: handed to a partner, neither open nor closed by the "
        "municipality) and still open here do not overlap: each case counts in exactly one of "
        "them, at the last phase it reached.",
        chart="funnel:reached",
    )


def _stored(cohort: list[CaseFacts], period: Period) -> Table:
    """Per phase: the cases stored for future use, at the last phase they reached."""
    found: dict[Phase, list[str]] = {s: [] for s in Phase}
    for case in cohort:
        if (kept := _stored_at(case, period)) is not None:
            found[max(_phases_by(case, period))].append(kept.event_id)
    return table(
        "signalling.stored",
        "Cases stored for future use, by the last phase they reached",
        ("phase",),
        ("stored for future use",),
        [((s.name,), (count(found[s]),)) for s in Phase],
        note=COHORT + " Stored: severity outcome STORE_FOR_FUTURE_USE or closed for that reason; "
        "each is also in the funnel, as closed here or still open here.",
    )


def _lead_pairs(history: History, period: Period) -> dict[Phase, list[tuple[Stamp, Stamp]]]:
    """Per phase after RECEIVED, in the order of the cases: (the previous phase's event, the
    phase's first event) of each case that entered the phase in ``period``; one pass."""
    pairs: dict[Phase, list[tuple[Stamp, Stamp]]] = {s: [] for s in Phase if s > Phase.RECEIVED}
    for case in history.cases.values():
        phases = case.phases
        for stage, entered in phases.items():
            if stage == Phase.RECEIVED or not period.holds(entered):
                continue  # the phases before it are looked at only for a case entering it here
            earlier = [s for s in phases if s < stage]
            if earlier:
                pairs[stage].append((phases[max(earlier)], entered))
    return pairs


def _lead_times(history: History, period: Period) -> Table:
    rows = [((s.name,), durations(pairs)) for s, pairs in _lead_pairs(history, period).items()]
    return table(
        "signalling.lead_times",
        "Lead time per phase: days from the previous phase's event to this phase's first event",
        ("phase",),
        DURATION_MEASURES,
        rows,
        note="Counted in the year the phase was entered. ACTION is the first completed action or "
        "measure. Percentiles by linear interpolation (Hyndman-Fan 7).",
        chart="lead",
    )


def _led_to_action(cohort: list[CaseFacts], period: Period) -> Table:
    acted = [c for c in cohort if any(period.by_end(a) for a in c.actions)]
    behind = _signal_ids(acted) + [a.event_id for c in acted for a in c.actions if period.by_end(a)]
    figures: tuple[Figure, ...] = (
        count(_signal_ids(cohort)),
        count(_signal_ids(acted)),
        share(len(acted), len(cohort), behind),
    )
    return table(
        "signalling.led_to_action",
        "Signals that led to an action",
        ("signals",),
        ("received", "led to an action", "share %"),
        [((ALL,), figures)],
        note=COHORT + " An action is a completed ActionCompleted or a MeasureImposed in the case.",
    )


def _forwards(history: History, period: Period) -> Table:
    rows = []
    for route in ROUTES:
        mine = [f for f in history.forwards.values() if f.route == route and period.holds(f.stamp)]
        pairs = []
        for forward in mine:
            acks = sorted((s for s, _ in forward.acks if period.by_end(s)), key=lambda s: s.at)
            if acks:
                pairs.append((forward.stamp, acks[0]))
        stats = durations(pairs)
        rows.append(((route,), (count(f.stamp.event_id for f in mine), *stats)))
    return table(
        "signalling.forwards",
        "Signals forwarded to partners, and days until the first acknowledgement",
        ("route",),
        ("forwarded", "picked up", "median days", "p90 days"),
        rows,
        note="SignalForwarded, intake outcome FORWARD, and action plans forwarding to the police or "
        "escalating to RIEC, in the year; picked up by the year's end.",
    )
