"""GET /api/v1/views/stream: a partner's view changes as server-sent events, resumable with Last-Event-ID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.web.conftest import WebHub, signal_fields, wait_for_decision


@dataclass(frozen=True)
class ServerEvent:
    """One server-sent event."""

    id: str
    kind: str
    data: dict[str, Any]


class EventReader:
    """Reads the events of an open stream one by one (comment lines are skipped)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def next(self) -> ServerEvent:
        fields: dict[str, str] = {}
        for line in self._lines:
            if line == "" and fields:
                return ServerEvent(fields["id"], fields["event"], json.loads(fields["data"]))
            if line.startswith(":") or not line:
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        raise AssertionError("the stream ended")


@contextmanager
def stream(hub: WebHub, partner: str, last_event_id: str | None = None) -> Iterator[EventReader]:
    """An open view stream of ``partner`` (read timeouts fail the test instead of hanging it)."""
    headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
    with (
        hub.client(partner) as client,
        client.stream(
            "GET", "/api/v1/views/stream", headers=headers, timeout=httpx.Timeout(10, read=90)
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response.iter_lines())


def _publish(hub: WebHub, partner: str, fields: dict[str, Any]) -> None:
    with hub.client(partner) as client:
        response = client.post("/api/v1/events", json=fields)
        assert response.status_code == 202, response.text
        assert wait_for_decision(client, response.json()["event_id"])["status"] == "sealed"


def test_changes_stream_live_and_resume_after_the_last_event(web_hub: WebHub) -> None:
    """ready gives a cursor; a new case streams; resuming from ready replays it, from it only what came later."""
    with stream(web_hub, "municipality") as events:
        ready = events.next()
        assert ready.kind == "ready"
        _publish(web_hub, "municipal-staff", signal_fields("case-stream-1"))
        first = events.next()
    assert first.kind == "case-changed" and first.data["case_id"] == "case-stream-1"
    assert first.data["view"]["signal"]["channel"] == "INTERNAL_ROUTE"
    with stream(web_hub, "municipality", ready.id) as events:
        again = events.next()
    assert (again.kind, again.data["case_id"], again.id) == (
        "case-changed",
        "case-stream-1",
        first.id,
    )
    with stream(web_hub, "municipality", first.id) as events:
        _publish(web_hub, "municipal-staff", signal_fields("case-stream-2"))
        later = events.next()
    assert later.data["case_id"] == "case-stream-2"


def test_a_partner_streams_only_its_own_view_and_learns_when_a_case_leaves(web_hub: WebHub) -> None:
    """Police see a case once it is shared with them, and a case-removed event when sharing is revoked."""
    sharing = {
        "occurred_at": "2025-11-03T11:00:00+01:00",
        "case_id": "case-stream-3",
        "decision_id": "d1",
        "partner": "police",
        "purpose": "JOINT_CONTROL",
        "legal_basis": "Wpg art. 20",
    }
    with stream(web_hub, "police") as events:
        events.next()  # ready
        _publish(web_hub, "municipal-staff", signal_fields("case-stream-3"))
        _publish(web_hub, "municipality", sharing | {"type": "SharingDecided"})
        shared = events.next()
        assert (shared.kind, shared.data["case_id"]) == ("case-changed", "case-stream-3")
        assert "visible_because" in shared.data["view"]
        _publish(
            web_hub,
            "municipality",
            sharing | {"type": "SharingRevoked", "occurred_at": "2025-11-03T12:00:00+01:00"},
        )
        removed = events.next()
    assert (removed.kind, removed.data) == ("case-removed", {"case_id": "case-stream-3"})


def test_a_last_event_id_that_this_stream_never_sent_is_a_400(web_hub: WebHub) -> None:
    """A resume id that is not a cursor is refused before the stream starts."""
    with web_hub.client("police") as police:
        for bad in ("abc", "1..2", "-1", "1" * 40):
            response = police.get("/api/v1/views/stream", headers={"Last-Event-ID": bad})
            assert response.status_code == 400, bad
            assert response.json()["type"] == "urn:ketenhub:problem:invalid-request"


def _next_or_end(events: EventReader) -> ServerEvent | None:
    """The next event, or None once the stream ended."""
    try:
        return events.next()
    except (AssertionError, httpx.TransportError):  # the stream ended, or was cut
        return None


def test_a_stream_ends_when_its_token_is_revoked_and_sends_nothing_after(
    embedded_web_hub: WebHub,
) -> None:
    """A token revoked (or rotated) while its stream is open: the next change is not sent, the stream ends."""
    from ketenhub.web.tokens import TokenStore, token_id_of

    embedded_web_hub.token("police", "publisher")  # police's default token, for publishing
    token = embedded_web_hub.token("police", "stream")
    with (
        httpx.Client(base_url=embedded_web_hub.url, timeout=30) as client,
        client.stream(
            "GET",
            "/api/v1/views/stream",
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(10, read=90),
        ) as response,
    ):
        assert response.status_code == 200
        events = EventReader(response.iter_lines())
        assert events.next().kind == "ready"
        revoked = token_id_of(token)
        assert revoked is not None
        TokenStore(embedded_web_hub.data_dir).revoke(revoked)
        police_signal = signal_fields(
            "case-after-revocation", channel="POLICE", reporter_role="POLICE_OFFICER"
        )
        _publish(embedded_web_hub, "police", police_signal)  # with police's other token
        after_revocation = _next_or_end(events)
    assert after_revocation is None, "nothing is sent after the token was revoked"
