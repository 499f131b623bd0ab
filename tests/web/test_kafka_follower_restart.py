"""The web tier on Kafka follows the view topics on after the broker restarts (it used to stop for good)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import load_broker_module
from tests.web.conftest import WebHub, serve_kafka, signal_fields, wait_for_decision, wait_until

pytestmark = pytest.mark.kafka


def _seal_signal(hub: WebHub, case: str) -> None:
    with hub.client("municipal-staff") as staff:
        event_id = staff.post("/api/v1/events", json=signal_fields(case)).json()["event_id"]
        assert wait_for_decision(staff, event_id)["status"] == "sealed"


def _shown(hub: WebHub, case: str) -> bool:
    with hub.client("municipality") as coordinator:
        return coordinator.get(f"/api/v1/cases/{case}").status_code == 200


def test_the_web_tier_follows_on_after_the_broker_restarts(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A case sealed after the broker was away shows in the API, as one sealed before did."""
    broker = load_broker_module().LocalKafkaBroker(tmp_path_factory.mktemp("web-restart-kafka"))
    bootstrap = broker.start()
    try:
        name = f"wrs-{uuid.uuid4().hex[:10]}"
        with serve_kafka(bootstrap, tmp_path / "hub", name) as hub:
            _seal_signal(hub, "case-before-restart")
            wait_until(lambda: _shown(hub, "case-before-restart"), "the case sealed before")
            broker.stop()
            time.sleep(4)
            broker.start()
            _seal_signal(hub, "case-after-restart")
            wait_until(lambda: _shown(hub, "case-after-restart"), "the case sealed after")
    finally:
        broker.stop()
