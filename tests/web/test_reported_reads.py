"""`POST /api/v1/reads`: a partner's SDK without the hub's keys has its view reads sealed by the hub first."""

from __future__ import annotations

import pytest

from connectors.sdk.errors import ConnectorError
from connectors.sdk.remote_protector import RemoteProtector
from ketenhub.core.access_query import access_entries
from ketenhub.core.processing import ActorKind
from ketenhub.core.trust import pin_from_pem
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub
from tests.web.conftest import WebHub, signal_fields, wait_for_decision, wait_until


def _remote(hub: WebHub, partner: str) -> RemoteProtector:
    pin = pin_from_pem(HubFolder(hub.data_dir).keys.public_key_file.read_bytes())
    return RemoteProtector(hub.url, hub.tokens.get(partner) or hub.token(partner), pin)


def _records(hub: WebHub) -> list:  # type: ignore[type-arg]
    with EmbeddedHub(hub.data_dir) as embedded:
        return [e.record for e in access_entries(embedded.access_records())]


def test_a_reported_read_is_sealed_with_the_subjects_of_the_hubs_own_view(
    embedded_web_hub: WebHub,
) -> None:
    """The coordinator's SDK reports a read; access.log names its token, system sdk and the view's pseudonyms."""
    with embedded_web_hub.client("municipal-staff") as staff:
        accepted = staff.post("/api/v1/events", json=signal_fields("case-rep-1")).json()
        wait_for_decision(staff, accepted["event_id"])
    with embedded_web_hub.client("municipality") as coordinator:
        wait_until(lambda: coordinator.get("/api/v1/cases/case-rep-1").status_code == 200, "view")
        persons = coordinator.get("/api/v1/cases/case-rep-1").json()["view"]["signal"]["persons"]
    remote = _remote(embedded_web_hub, "municipality")
    try:
        remote.report_reads("sdk.snapshot", ["case-rep-1"])
    finally:
        remote.close()
    reported = [r for r in _records(embedded_web_hub) if r.actor.system == "sdk"]
    assert len(reported) == 1
    read = reported[0]
    assert (read.operation.value, read.case_id, read.actor.kind) == (
        "sdk.snapshot",
        "case-rep-1",
        ActorKind.PARTNER,
    )
    assert read.actor.partner == "municipality" and read.actor.actor_id.startswith("tok-")
    assert read.subjects == tuple(sorted(persons)) and persons


def test_a_case_outside_the_callers_view_is_refused_and_not_recorded(
    embedded_web_hub: WebHub,
) -> None:
    """The police reporting a read of a case it cannot see is refused (404), and nothing is sealed."""
    with embedded_web_hub.client("municipal-staff") as staff:
        accepted = staff.post("/api/v1/events", json=signal_fields("case-rep-2")).json()
        wait_for_decision(staff, accepted["event_id"])
    before = len(_records(embedded_web_hub))
    remote = _remote(embedded_web_hub, "police")
    try:
        with pytest.raises(ConnectorError, match="HTTP 404"):
            remote.report_reads("sdk.views", ["case-rep-2"])
    finally:
        remote.close()
    assert len(_records(embedded_web_hub)) == before
