"""The hub's HTTP side reports health and audit-log status, and nothing about cases."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.hub_harness import HubUnderTest, wait_for
from tests.unit.synthetic import Story

pytestmark = pytest.mark.kafka


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_and_status_over_http(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """/health answers, /status counts sealed and rejected records and names the last checkpoint; 404 explains."""
    hub = HubUnderTest(kafka_bootstrap, tmp_path, unique_name)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ketenhub",
            "http",
            "--kafka",
            kafka_bootstrap,
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ],
        env=hub.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        hub.start_worker()
        hub.wait_until_serving()
        client = hub.client()
        client.publish(Story().signal())
        client.publish_raw("police", b"garbage", ())
        client.close()
        base = f"http://127.0.0.1:{port}"
        wait_for(
            lambda: _status(base).get("sealed_records") == 1 and _rejected(base) == 1,
            120,
            "status to count",
            hub.worker_logs,
        )
        wait_for(
            lambda: _status(base).get("last_checkpoint") is not None,
            60,
            "a checkpoint",
            hub.worker_logs,
        )
        assert get(f"{base}/health") == (200, {"status": "ok"})
        code, body = get(f"{base}/cases")
        assert code == 404 and "/status" in str(body["error"])
        status = _status(base)
        assert status["last_checkpoint"]["tree_size"] == 1  # type: ignore[index]
        assert "case-1" not in json.dumps(status)
    finally:
        server.terminate()
        server.wait(timeout=30)
        hub.stop_all()


def _status(base: str) -> dict[str, object]:
    try:
        code, body = get(f"{base}/status")
    except OSError:
        return {}
    return body if code == 200 else {}


def _rejected(base: str) -> int:
    counts = _status(base).get("rejected_messages") or {}
    return int(counts.get("police", 0))  # type: ignore[union-attr]
