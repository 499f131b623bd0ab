"""Need-to-know in the field app: a day's addresses for its team only while it is open; closing erases its key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.json_events import event_from_json
from ketenhub.protection.keystore import SqliteKeyStore
from ketenhub.protection.protector import ERASED, KeyStoreProtector
from ketenhub.web.pages.control_days import control_days, days_of
from ketenhub.web.pages.field_reading import (
    ADDRESS_BINDING,
    read_days_on_hub,
    shred_closed_days_on_hub,
)

FIRST, SECOND = "Voorbeeldstraat 12, Voorburg", "Proefweg 3a, Leidschendam"  # synthetic


@pytest.fixture
def protector(tmp_path: Path) -> Iterator[KeyStoreProtector]:
    keys = KeyStoreProtector(bytes(range(32)), SqliteKeyStore(tmp_path / "subjects.sqlite"))
    yield keys
    keys.close()


def event(protector: KeyStoreProtector, by: str, **fields: object) -> Event:
    line = json.dumps({"occurred_at": "2025-11-03T09:00:00+01:00", **fields})
    return event_from_json(line, 1, by, protector).event


def day_events(protector: KeyStoreProtector) -> list[Event]:
    planned = [{"address": FIRST, "area_code": "2271"}, {"address": SECOND, "area_code": "2264"}]
    return [
        event(
            protector,
            "municipality",
            type="ControlDayPlanned",
            control_day_id="dag-1",
            day="2025-11-03",
            kind="INTEGRAL",
            participants=["heit", "police"],
            planned_addresses=planned,
        ),
        event(
            protector,
            "municipality",
            type="ControlDayPlanned",
            control_day_id="dag-2",
            day="2025-11-03",
            kind="HOUSING_FRAUD",
            participants=["nla"],
        ),
        event(
            protector,
            "heit",
            type="ControlVisitLogged",
            control_day_id="dag-1",
            visit_id="bezoek-1",
            address=protector.pseudonym(FIRST),
            area_code="2271",
            finding_codes=[],
            people_encountered=2,
            signals_raised=[],
            note="Twee bewoners, geen bijzonderheden.",
        ),
    ]


def test_the_days_team_reads_the_open_days_addresses_and_notes(
    protector: KeyStoreProtector,
) -> None:
    """Police on the team sees both addresses (one visited) and the note; NLA, not on the team, gets no such day."""
    days = control_days(day_events(protector))
    police_days = days_of("police", coordinator=False, days=days)
    assert [d.control_day_id for d in police_days] == ["dag-1"]
    assert [d.control_day_id for d in days_of("nla", coordinator=False, days=days)] == ["dag-2"]
    reading = read_days_on_hub(protector, police_days)["dag-1"]
    assert [(s.display, s.area_code, s.visited) for s in reading.stops] == [
        (FIRST, "2271", True),
        (SECOND, "2264", False),
    ]
    assert reading.notes == {"bezoek-1": "Twee bewoners, geen bijzonderheden."}


def test_a_closed_day_shows_no_address_and_its_key_is_erased(
    protector: KeyStoreProtector,
) -> None:
    """After ControlDayClosed the addresses are not read, the key is erased once, the notes stay."""
    events = day_events(protector)
    events.append(
        m.ControlDayClosed.model_validate(
            {
                "event_id": "00000000-0000-0000-0000-000000000009",
                "occurred_at": "2025-11-03T17:00:00+01:00",
                "recorded_by": "heit",
                "control_day_id": "dag-1",
            }
        )
    )
    days = control_days(events)
    reading = read_days_on_hub(protector, days.values())
    assert reading["dag-1"].stops == () and reading["dag-1"].notes
    assert shred_closed_days_on_hub(protector, days.values()) == ["dag-1"]
    assert shred_closed_days_on_hub(protector, days.values()) == [], "erased once"
    display = days["dag-1"].planned[0].display
    assert protector.decrypt(display, ADDRESS_BINDING) == ERASED
    assert read_days_on_hub(protector, days.values())["dag-1"].notes == {
        "bezoek-1": "Twee bewoners, geen bijzonderheden."
    }, "a visit's note is keyed to its address, not to the day"
