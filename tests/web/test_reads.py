"""Who read what: every case read through the API is one `case_read` log event, with ids only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.server import free_port
from ketenhub.web.tokens import TokenStore
from tests.web.conftest import signal_fields, wait_for_decision, wait_until


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


def test_every_case_read_is_recorded_with_ids_only(tmp_path: Path) -> None:
    """List and detail reads log partner, token, case and purpose; no content, pseudonym or token secret."""
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
    lines = log_file.read_text().splitlines()
    reads: list[dict[str, Any]] = [
        event
        for event in map(json.loads, lines)
        if event.get("event") == "case_read" and event["partner"] != "municipal-staff"
    ]
    assert [(r["case_id"], r["purpose"]) for r in reads] == [
        ("case-read-1", "api.cases.list"),
        ("case-read-1", "api.cases.get"),
    ]
    for read in reads:
        assert read["partner"] == "municipality"
        assert read["token_id"] == coordinator.record.token_id
        assert read["at"] and read["user_id"] is None
    text = log_file.read_text()
    persons = detail["view"]["signal"]["persons"]
    assert persons and not any(person in text for person in persons)
    assert coordinator.token not in text and staff not in text
    assert "storage room" not in text
