"""Control days as the field app shows them: planned, visited, closed; only to the day's team.

Folded from the sealed ControlDayPlanned, ControlVisitLogged and ControlDayClosed events.
A partner sees a control day it takes part in (the coordinator every day), with the
visits logged on it: visit id, area, findings and the number of people encountered.
Addresses stay pseudonyms and are never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from ketenhub.contract import models as m
from ketenhub.contract.base import Event


@dataclass(frozen=True)
class Visit:
    """One visit logged on a control day."""

    visit_id: str
    area_code: str
    finding_codes: tuple[str, ...]
    people_encountered: int
    signals_raised: tuple[str, ...]
    recorded_by: str
    at: str


@dataclass
class ControlDay:
    """A control day, its team and its visits."""

    control_day_id: str
    day: dt.date
    kind: str
    participants: tuple[str, ...]
    visits: list[Visit] = field(default_factory=list)
    closed: bool = False


def control_days(events: Iterable[Event]) -> dict[str, ControlDay]:
    """Every control day in the events, by id."""
    days: dict[str, ControlDay] = {}
    for event in events:
        if isinstance(event, m.ControlDayPlanned):
            days[event.control_day_id] = ControlDay(
                event.control_day_id, event.day, str(event.kind), tuple(event.participants)
            )
        elif isinstance(event, m.ControlVisitLogged) and event.control_day_id in days:
            days[event.control_day_id].visits.append(
                Visit(
                    event.visit_id,
                    event.area_code,
                    tuple(event.finding_codes),
                    event.people_encountered,
                    tuple(event.signals_raised),
                    event.recorded_by,
                    event.occurred_at.isoformat(),
                )
            )
        elif isinstance(event, m.ControlDayClosed) and event.control_day_id in days:
            days[event.control_day_id].closed = True
    return days


def days_of(partner_id: str, *, coordinator: bool, days: dict[str, ControlDay]) -> list[ControlDay]:
    """The control days a partner may see (those it takes part in; every day for the coordinator)."""
    mine = [d for d in days.values() if coordinator or partner_id in d.participants]
    return sorted(mine, key=lambda d: (d.day, d.control_day_id))
