"""A control day closed through the API (not the field app) while the web tier runs: its addresses' key is erased."""

from __future__ import annotations

from typing import Any

from ketenhub.contract import models as m
from ketenhub.core.control_day_subject import PLANNED_ADDRESS_FIELD
from ketenhub.core.privacy import associated_data
from ketenhub.hub_folder import HubFolder
from ketenhub.protection.protector import ERASED
from tests.web.conftest import WebHub, wait_for_decision, wait_until

AT = "2025-11-03T09:15:00+01:00"
ADDRESS = "Oefenlaan 12, Voorburg"  # synthetic


def _sealed(hub: WebHub, partner: str, fields: dict[str, Any]) -> None:
    with hub.client(partner) as client:
        answer = client.post("/api/v1/events", json=fields)
        assert answer.status_code == 202, answer.text
        assert wait_for_decision(client, answer.json()["event_id"])["status"] == "sealed"


def _planned(hub: WebHub) -> m.ControlDayPlanned:
    from ketenhub import topics
    from ketenhub.codec.single_object import decode_event
    from ketenhub.core.sealing import decode_sealed
    from ketenhub.runtime.embedded.hub import EmbeddedHub

    with EmbeddedHub(hub.data_dir) as embedded:
        records = list(embedded.records(topics.AUDIT_LOG))
    events = [decode_event(decode_sealed(r.value or b"", r.offset).payload) for r in records]
    (day,) = [e for e in events if isinstance(e, m.ControlDayPlanned)]
    assert isinstance(day, m.ControlDayPlanned)
    return day


def test_a_day_closed_through_the_api_has_its_addresses_erased(embedded_web_hub: WebHub) -> None:
    """Closed by a partner system's ControlDayClosed, the day's addresses become unreadable without the field app."""
    day_id = "controledag-api-1"
    _sealed(embedded_web_hub, "municipality", {
        "type": "ControlDayPlanned", "occurred_at": AT, "control_day_id": day_id,
        "day": "2025-11-04", "kind": "INTEGRAL", "participants": ["heit"],
        "planned_addresses": [{"address": ADDRESS, "area_code": "2271"}],
    })  # fmt: skip
    (stop,) = _planned(embedded_web_hub).planned_addresses or []
    bound = associated_data("ControlDayPlanned", PLANNED_ADDRESS_FIELD)

    def readable() -> str:
        protector = HubFolder(embedded_web_hub.data_dir).protector()
        try:
            return protector.decrypt(stop.display, bound)
        finally:
            protector.close()

    assert readable() == ADDRESS
    _sealed(embedded_web_hub, "heit", {
        "type": "ControlDayClosed", "occurred_at": AT, "control_day_id": day_id,
    })  # fmt: skip
    wait_until(lambda: readable() == ERASED, "the closed day's key to be erased", timeout_s=60)
