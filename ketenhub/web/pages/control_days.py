"""Control days as the field app shows them: planned, visited, closed; only to the day's team.

Folded from the sealed ControlDayPlanned, ControlVisitLogged and ControlDayClosed events.
A partner sees a control day it takes part in (the coordinator every day), with the
visits logged on it: visit id, area, findings and the number of people encountered.
Addresses are pseudonyms here; the display forms of the planned addresses and the visits'
notes stay encrypted until the field app decrypts them for the day's team
(``ketenhub.web.pages.field_reading``), the addresses only while the day is open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from ketenhub.contract import models as m
from ketenhub.contract.base import Event


@dataclass(frozen=True)
class PlannedStop:
    """An address planned for the day: its pseudonym, its encrypted display form, its area."""

    address: str
    display: m.EncryptedField
    area_code: str


@dataclass(frozen=True)
class Visit:
    """One visit logged on a control day."""

    visit_id: str
    address: str
    area_code: str
    finding_codes: tuple[str, ...]
    people_encountered: int
    signals_raised: tuple[str, ...]
    recorded_by: str
    at: str
    note: m.EncryptedField | None = None


@dataclass
class ControlDay:
    """A control day, its team and its visits."""

    control_day_id: str
    day: dt.date
    kind: str
    participants: tuple[str, ...]
    planned: tuple[PlannedStop, ...] = ()
    visits: list[Visit] = field(default_factory=list)
    closed: bool = False


def control_days(events: Iterable[Event]) -> dict[str, ControlDay]:
    """Every control day in the events, by id."""
    days: dict[str, ControlDay] = {}
    for event in events:
        if isinstance(event, m.ControlDayPlanned):
            planned = tuple(
                PlannedStop(p.address, p.display, p.area_code) for p in event.planned_addresses
            )
            days[event.control_day_id] = ControlDay(
                event.control_day_id,
                event.day,
                str(event.kind),
                tuple(event.participants),
                planned,
            )
        elif isinstance(event, m.ControlVisitLogged) and event.control_day_id in days:
            days[event.control_day_id].visits.append(
                Visit(
                    event.visit_id,
                    event.address,
                    event.area_code,
                    tuple(event.finding_codes),
                    event.people_encountered,
                    tuple(event.signals_raised),
                    event.recorded_by,
                    event.occurred_at.isoformat(),
                    event.note,
                )
            )
        elif isinstance(event, m.ControlDayClosed) and event.control_day_id in days:
            days[event.control_day_id].closed = True
    return days


def days_of(partner_id: str, *, coordinator: bool, days: dict[str, ControlDay]) -> list[ControlDay]:
    """The control days a partner may see (those it takes part in; every day for the coordinator)."""
    mine = [d for d in days.values() if coordinator or partner_id in d.participants]
    return sorted(mine, key=lambda d: (d.day, d.control_day_id))
