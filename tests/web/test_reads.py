"""Who read what: every case read through the API is a processing record sealed into access.log first."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ketenhub.core.access_query import access_entries
from ketenhub.core.processing import ActorKind
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub, create_hub
from ketenhub.web.server import free_port
from ketenhub.web.tokens import TokenStore
from tests.web.conftest import serve_embedded, signal_fields, wait_for_decision, wait_until


def _serve(data_dir: Path, port: int, log_file: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    with log_file.open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ketenhub",
                "--log-level",
                "INFO",
                "web",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def _wait_until_serving(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def test_every_case_read_is_sealed_into_access_log(tmp_path: Path) -> None:
    """List and detail reads are sealed into access.log: partner, token, case, operation, purpose, subjects only."""
    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    registry = HubFolder(data_dir).registry()
    staff = TokenStore(data_dir).add(registry, "municipal-staff").token
    coordinator = TokenStore(data_dir).add(registry, "municipality")
    port, log_file = free_port(), tmp_path / "server.log"
    server = _serve(data_dir, port, log_file)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {staff}"}) as client:
            accepted = client.post("/api/v1/events", json=signal_fields("case-read-1")).json()
            wait_for_decision(client, accepted["event_id"])
            # the view follows the seal; the staff's own reads are left out below
            wait_until(lambda: client.get("/api/v1/cases/case-read-1").status_code == 200, "view")
        headers = {"Authorization": f"Bearer {coordinator.token}"}
        with httpx.Client(base_url=url, headers=headers) as client:
            listed = client.get("/api/v1/cases").json()["cases"]
            detail = client.get("/api/v1/cases/case-read-1").json()
            hidden = client.get("/api/v1/cases/case-read-none")
        assert [c["case_id"] for c in listed] == ["case-read-1"] and hidden.status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)
    with EmbeddedHub(data_dir) as hub:
        hub.verify_access()
        entries = [e.record for e in access_entries(hub.access_records())]
    reads = [r for r in entries if r.actor.partner != "municipal-staff"]
    assert [(r.case_id, r.operation.value) for r in reads] == [
        ("case-read-1", "api.cases.list"),
        ("case-read-1", "api.cases.get"),
    ]
    persons = detail["view"]["signal"]["persons"]
    for read in reads:
        assert read.actor.kind is ActorKind.PARTNER and read.actor.system == "web"
        assert read.actor.partner == "municipality"
        assert read.actor.actor_id == coordinator.record.token_id
        assert (read.purpose, read.legal_basis) == ("CASE_COORDINATION", "AVG art. 6(1)(e)")
        assert read.subjects == tuple(sorted(persons))
    stored = (data_dir / "access.sqlite").read_bytes() + _wal(data_dir)
    for clear in (b"example-person-1", b"storage room", coordinator.token.encode(), staff.encode()):
        assert clear not in stored
    text = log_file.read_text()
    assert persons and not any(person in text for person in persons)
    assert coordinator.token not in text and staff not in text
    assert "storage room" not in text


def _wal(data_dir: Path) -> bytes:
    wal = data_dir / "access.sqlite-wal"
    return wal.read_bytes() if wal.exists() else b""


def test_a_read_that_cannot_be_recorded_answers_503_without_the_case(tmp_path: Path) -> None:
    """While access.sqlite stays locked by another writer, reading a case is a 503 problem that shows nothing of it."""
    data_dir = tmp_path / "hub"
    with serve_embedded(data_dir) as web:
        with web.client("municipal-staff") as client:
            accepted = client.post("/api/v1/events", json=signal_fields("case-read-2")).json()
            wait_for_decision(client, accepted["event_id"])
            wait_until(lambda: client.get("/api/v1/cases/case-read-2").status_code == 200, "view")
        holder = sqlite3.connect(data_dir / "access.sqlite", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of its write, and stuck
        try:
            with web.client("municipality") as client:
                one = client.get("/api/v1/cases/case-read-2")
                many = client.get("/api/v1/cases")
        finally:
            holder.close()
        with web.client("municipality") as client:  # the other writer is gone: reads go on
            assert client.get("/api/v1/cases/case-read-2").status_code == 200
    for refused in (one, many):
        assert refused.status_code == 503
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "access log" in refused.json()["detail"]
        body = refused.json()
        assert "view" not in body and "cases" not in body  # the problem only: no case, no view
        assert "psn-" not in refused.text and "storage room" not in refused.text
