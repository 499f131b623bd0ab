"""Fixtures for the web tier: a hub served over HTTP on 127.0.0.1, with partner tokens.

``web_hub`` serves a fresh embedded hub (its pipeline run by the web tier, as `ketenhub web`
does) with ``ServerThread``; ``WebHub.token(partner)`` makes a token as `ketenhub partners
token add` does, and ``WebHub.client(partner)`` an httpx client that sends it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.server import ServerThread, build_app
from ketenhub.web.settings import WebSettings
from ketenhub.web.tokens import TokenStore

Settings = Callable[..., WebSettings]


def web_settings(data_dir: Path, **overrides: object) -> WebSettings:
    """Settings of a test server: limits high enough for tests unless overridden."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "web_token_burst": 10_000,
        "web_report_burst": 1_000,
        "web_stream_poll_s": 0.05,
        "writer_wait_s": 60,
    }
    return WebSettings(**(values | overrides))  # type: ignore[arg-type]


@dataclass
class WebHub:
    """A hub served over HTTP, and the tokens made for it."""

    data_dir: Path
    url: str
    backend: str
    tokens: dict[str, str] = field(default_factory=dict)
    harness: Any = None  # the Kafka hub's HubUnderTest

    def token(self, partner: str, label: str = "test") -> str:
        """A new token of ``partner`` (also kept as its default token)."""
        from ketenhub.hub_folder import HubFolder

        issued = TokenStore(self.data_dir).add(HubFolder(self.data_dir).registry(), partner, label)
        self.tokens.setdefault(partner, issued.token)
        return issued.token

    def client(self, partner: str | None = None, **kwargs: object) -> httpx.Client:
        """An httpx client of the server, sending ``partner``'s default token if a partner is named."""
        headers = {}
        if partner is not None:
            token = self.tokens.get(partner) or self.token(partner)
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


@contextmanager
def serve_embedded(data_dir: Path, **overrides: object) -> Iterator[WebHub]:
    """The embedded hub in ``data_dir`` (created if missing) served by the web tier."""
    if not data_dir.exists():
        create_hub(data_dir)
    app = build_app(data_dir, web_settings(data_dir, **overrides))
    with ServerThread(app) as server:
        yield WebHub(data_dir, server.url, "embedded")


@contextmanager
def serve_kafka(bootstrap: str, data_dir: Path, name: str, **overrides: object) -> Iterator[WebHub]:
    """A hub on the test broker (one worker) served by the web tier; keys in ``data_dir``."""
    from tests.integration.hub_harness import HubUnderTest

    hub = HubUnderTest(bootstrap, data_dir, name)
    try:
        hub.start_worker()
        hub.wait_until_serving()
        app = build_app(data_dir, web_settings(data_dir, **overrides), hub.settings)
        with ServerThread(app) as server:
            yield WebHub(data_dir, server.url, "kafka", harness=hub)
    finally:
        hub.stop_all()


@pytest.fixture
def embedded_web_hub(tmp_path: Path) -> Iterator[WebHub]:
    """A fresh embedded hub served by the web tier on a free loopback port."""
    with serve_embedded(tmp_path / "hub") as hub:
        yield hub


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def web_hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WebHub]:
    """A fresh hub served by the web tier: embedded, and on the real broker (marked kafka)."""
    if request.param == "embedded":
        with serve_embedded(tmp_path / "hub") as hub:
            yield hub
        return
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    name = request.getfixturevalue("unique_name")
    with serve_kafka(bootstrap, tmp_path / "hub", name) as hub:
        yield hub


def signal_fields(case_id: str, **overrides: Any) -> dict[str, Any]:
    """The JSON of one synthetic internal-route signal (as a line of `ketenhub publish`)."""
    fields: dict[str, Any] = {
        "type": "SignalReceived",
        "occurred_at": "2025-11-03T09:15:00+01:00",
        "case_id": case_id,
        "channel": "INTERNAL_ROUTE",
        "reporter_role": "CASEWORKER_WMO",
        "exploitation_forms": ["LABOUR"],
        "indicators": ["LIVES_AT_WORK"],
        "location": {"municipality_code": "GM1916", "area_code": "2264"},
        "persons": ["example-person-1"],
        "free_text": "Workers say they sleep in the storage room.",
    }
    return fields | overrides


def wait_for_decision(
    client: httpx.Client, event_id: str, timeout_s: float = 120
) -> dict[str, Any]:
    """Poll the decision on an event until it is no longer pending (bounded in time)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(f"/api/v1/decisions/{event_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] != "pending":
            return body
        assert time.monotonic() < deadline, f"event {event_id} still pending after {timeout_s} s"
        time.sleep(0.05)


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def ingested(hub: WebHub, partner: str) -> int:
    """How many messages the partner's ingest topic holds."""
    from ketenhub import topics

    if hub.harness is not None:
        client = hub.harness.client()
        try:
            return sum(1 for _ in client.records(topics.ingest(partner)))
        finally:
            client.close()
    from ketenhub.runtime.embedded.hub import EmbeddedHub

    with EmbeddedHub(hub.data_dir) as embedded:
        return sum(1 for _ in embedded.records(topics.ingest(partner)))
