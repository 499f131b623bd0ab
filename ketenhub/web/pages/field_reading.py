"""What a control day's team reads in the field app: the planned addresses while the day is open, the visits' notes.

Need-to-know, enforced here on the server: the caller passes only the days the user's
partner takes part in (every day for the coordinator). Of those, the display forms of the
planned addresses are decrypted while the day is open and never after it is closed; the
notes of the day's visits are decrypted for the same team. Once a day is closed its key
(the data subject ``control-day:<id>``) is erased, so its addresses are unreadable
everywhere, for good (``shred_closed_days_on_hub``). Functions named ``*_on_hub`` run on the
hub's thread: they use the key store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import structlog

from ketenhub.contract import models as m
from ketenhub.core.control_day_subject import PLANNED_ADDRESS_FIELD, control_day_identifier
from ketenhub.core.privacy import associated_data
from ketenhub.protection.interface import Protector
from ketenhub.protection.keystore import UnknownSubject
from ketenhub.protection.protector import KeyStoreProtector
from ketenhub.web.pages.control_days import ControlDay

log = structlog.get_logger("ketenhub.web.pages")
ADDRESS_BINDING = associated_data(m.ControlDayPlanned.EVENT_TYPE, PLANNED_ADDRESS_FIELD)
NOTE_BINDING = associated_data(m.ControlVisitLogged.EVENT_TYPE, "note")


@dataclass(frozen=True)
class ShownStop:
    """A planned address as the team reads it, and whether a visit to it was logged."""

    address: str
    display: str
    area_code: str
    visited: bool


@dataclass(frozen=True)
class DayReading:
    """The clear texts of one day for its team: planned addresses (open days only), visit notes."""

    stops: tuple[ShownStop, ...]
    notes: dict[str, str]


def read_days_on_hub(protector: Protector, days: Iterable[ControlDay]) -> dict[str, DayReading]:
    """The planned addresses of the open days and the notes of every day, decrypted, by day id."""
    return {day.control_day_id: _reading(protector, day) for day in days}


def _reading(protector: Protector, day: ControlDay) -> DayReading:
    visited = {visit.address for visit in day.visits}
    stops = (
        ()
        if day.closed
        else tuple(
            ShownStop(
                stop.address,
                protector.decrypt(stop.display, ADDRESS_BINDING),
                stop.area_code,
                stop.address in visited,
            )
            for stop in day.planned
        )
    )
    notes = {
        visit.visit_id: protector.decrypt(visit.note, NOTE_BINDING)
        for visit in day.visits
        if visit.note is not None
    }
    return DayReading(stops, notes)


def shred_closed_days_on_hub(protector: Protector, days: Iterable[ControlDay]) -> list[str]:
    """Erase the key of every closed day that planned addresses; return the days erased now."""
    if not isinstance(protector, KeyStoreProtector):
        return []
    erased = []
    for day in days:
        if not day.closed or not day.planned:
            continue
        subject = protector.pseudonym(control_day_identifier(day.control_day_id))
        try:
            if protector.erase(subject):
                erased.append(day.control_day_id)
        except UnknownSubject:
            continue
    for day_id in erased:
        log.info("control_day_addresses_erased", control_day_id=day_id)
    return erased
