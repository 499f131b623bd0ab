"""Part 5, collaboration: sharing decisions, time to share, pickup, actions on time, meetings."""

from __future__ import annotations

from ketenhub.contract.models import ActionResult, MeetingType
from ketenhub.evaluation.history import History, PlannedAction
from ketenhub.evaluation.measures import DURATION_MEASURES, durations, event_ids, facts_in, labelled
from ketenhub.evaluation.period import Period, Stamp
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.tables import ALL, Figure, Table, count, share, table, total


def tables(history: History, period: Period, settings: EvaluationSettings) -> list[Table]:
    """The tables of part 5 for ``period``."""
    return [
        _sharing(history, period),
        _time_to_share(history, period),
        _pickup(history, period),
        _actions_on_time(history, period),
        _meetings(history, period),
    ]


def _sharing(history: History, period: Period) -> Table:
    decided = facts_in(history, "sharing", period)
    revoked = facts_in(history, "revocation", period)
    partners = sorted({f.labels[0] for f in decided + revoked})
    rows = [
        (
            (p,),
            (count(event_ids(labelled(decided, 0, p))), count(event_ids(labelled(revoked, 0, p)))),
        )
        for p in partners
    ]
    return table(
        "collaboration.sharing",
        "Sharing decisions (need-to-know), by partner shared with",
        ("partner",),
        ("decisions", "revocations"),
        rows,
    )


def _time_to_share(history: History, period: Period) -> Table:
    pairs = []
    for case in history.cases.values():
        steps = case.shared_or_forwarded
        if not steps or case.signal is None:
            continue
        first = min(steps, key=lambda s: s.at)  # the first in log order among equal moments
        if period.holds(first):
            pairs.append((case.signal, first))
    return table(
        "collaboration.time_to_share",
        "Days from a signal to its first sharing decision or forward",
        ("cases",),
        DURATION_MEASURES,
        [((ALL,), durations(pairs))],
        note="Cases whose first SharingDecided or forward (SignalForwarded, intake FORWARD, action "
        "plan to police or RIEC) occurred in the year.",
    )


def _pickup(history: History, period: Period) -> Table:
    by_partner: dict[str, list[tuple[Stamp, Stamp]]] = {}
    for forward in history.forwards.values():
        for ack, partner in forward.acks:
            if period.holds(ack):
                by_partner.setdefault(partner, []).append((forward.stamp, ack))
    every = [pair for pairs in by_partner.values() for pair in pairs]
    rows = [((ALL,), durations(every))]
    rows += [((p,), durations(pairs)) for p, pairs in sorted(by_partner.items())]
    return table(
        "collaboration.pickup",
        "Partner pickup time: days from a forward to the partner's acknowledgement",
        ("partner",),
        ("acknowledgements", "median days", "p90 days"),
        rows,
        note="Acknowledgements (SignalAcknowledged) in the year.",
        chart="lead",
    )


def _on_time(action: PlannedAction) -> bool:
    return action.ended is not None and action.ended.at.date() <= action.due


def _overdue(action: PlannedAction, period: Period) -> bool:
    open_at_end = action.ended is None or not period.by_end(action.ended)
    return period.by_end(action.plan) and open_at_end and action.due < period.end.date()


def _owner_row(actions: list[PlannedAction], period: Period) -> tuple[Figure, ...]:
    done = [
        a
        for a in actions
        if a.ended and period.holds(a.ended) and a.result == ActionResult.COMPLETED
    ]
    timely = [a for a in done if _on_time(a)]
    overdue = [a for a in actions if _overdue(a, period)]
    done_ids = [a.ended.event_id for a in done if a.ended]
    return (
        total(len(done), done_ids),
        total(len(timely), [a.ended.event_id for a in timely if a.ended]),
        share(len(timely), len(done), done_ids),
        total(len(overdue), [a.plan.event_id for a in overdue]),
    )


def _actions_on_time(history: History, period: Period) -> Table:
    actions = list(history.actions.values())
    owners = sorted({a.owner for a in actions if period.by_end(a.plan)})
    rows = [((ALL,), _owner_row(actions, period))]
    by_owner: dict[str, list[PlannedAction]] = {}
    for action in actions:  # each owner's actions in their order, in one pass
        by_owner.setdefault(action.owner, []).append(action)
    rows += [((o,), _owner_row(by_owner[o], period)) for o in owners]
    return table(
        "collaboration.actions_on_time",
        "Actions completed by their due date, by owner",
        ("owner",),
        ("completed", "by the due date", "share on time %", "overdue at year end"),
        rows,
        note="Completed in the year (result COMPLETED); on time when completed on or before the due "
        "date (UTC). Overdue: due before the year's end and not ended by then.",
    )


def _meetings(history: History, period: Period) -> Table:
    meetings = facts_in(history, "meeting", period)
    rows = []
    for kind in MeetingType:
        mine = labelled(meetings, 0, kind.value)
        ids = event_ids(mine)
        discussed = sum(len(m.labels) - 1 for m in mine)
        distinct = len({case for m in mine for case in m.labels[1:]})
        rows.append(
            (
                (kind.value,),
                (count(ids, sensitive=False), total(discussed, ids), total(distinct, ids)),
            )
        )
    return table(
        "collaboration.meetings",
        "Meetings held, and the cases discussed, by kind of meeting",
        ("meeting",),
        ("meetings", "case discussions", "distinct cases"),
        rows,
        chart="bar:meetings",
    )
