"""The web server starts on either way a user starts it, answers /health, and serves no CDN asset."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.server import free_port
from tests.web.conftest import WebHub


def test_health_answers(embedded_web_hub: WebHub) -> None:
    """/health names the backend; it needs no token."""
    with embedded_web_hub.client() as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["backend"] == "embedded"


def test_ketenhub_web_serves_on_the_port_given(tmp_path: Path) -> None:
    """`ketenhub web --data-dir DIR --port N` serves the hub on 127.0.0.1:N until stopped."""
    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "ketenhub", "web", "--data-dir", str(data_dir), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = _wait_for_health(f"http://127.0.0.1:{port}/health", server)
        assert body["backend"] == "embedded"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output


def test_ketenhub_web_takes_host_and_port_from_the_environment(tmp_path: Path) -> None:
    """KETENHUB_HTTP_PORT sets the port when --port is not given."""
    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    env |= {"KETENHUB_HTTP_PORT": str(port), "KETENHUB_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "ketenhub", "web"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for_health(f"http://127.0.0.1:{port}/health", server)["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_ketenhub_web_without_a_hub_stops_with_one_line(tmp_path: Path) -> None:
    """An empty folder is no hub: the command says how to make one, without a stack trace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", "web", "--data-dir", str(tmp_path / "none")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "ketenhub init" in done.stderr
    assert "Traceback" not in done.stderr


def _wait_for_health(url: str, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped before it served"
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 60 s")


@pytest.mark.kafka
def test_ketenhub_web_on_kafka_serves_the_hub_its_workers_run(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """`ketenhub web --kafka --topic-prefix` publishes to the workers' hub and shows their decision."""
    from ketenhub.hub_folder import HubFolder
    from ketenhub.web.tokens import TokenStore
    from tests.integration.hub_harness import HubUnderTest
    from tests.web.conftest import signal_fields, wait_for_decision

    hub = HubUnderTest(kafka_bootstrap, tmp_path, unique_name)
    token = TokenStore(tmp_path).add(HubFolder(tmp_path).registry(), "municipal-staff").token
    port = free_port()
    hub.start_worker()
    command = [sys.executable, "-m", "ketenhub", "web", "--kafka", kafka_bootstrap]
    command += ["--topic-prefix", hub.settings.topic_prefix, "--data-dir", str(tmp_path)]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        env={k: v for k, v in hub.env().items() if k != "KETENHUB_TOPIC_PREFIX"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        hub.wait_until_serving()
        assert _wait_for_health(f"http://127.0.0.1:{port}/health", server)["backend"] == "kafka"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            accepted = client.post("/api/v1/events", json=signal_fields("case-cli-kafka-1"))
            assert accepted.status_code == 202, accepted.text
            assert wait_for_decision(client, accepted.json()["event_id"])["status"] == "sealed"
    finally:
        server.terminate()
        server.wait(timeout=60)
        hub.stop_all()


def test_health_fails_when_decisions_would_no_longer_follow_writes(tmp_path: Path) -> None:
    """With the pipeline's thread gone, /health answers 503 naming it, instead of a silent ok."""
    from ketenhub.web.server import ServerThread, build_app
    from tests.web.conftest import web_settings

    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    app = build_app(data_dir, web_settings(data_dir))
    with ServerThread(app) as server:
        assert httpx.get(f"{server.url}/health").status_code == 200
        hub = app.state.web.hub
        hub.call_blocking(lambda: hub.backend._worker.stop())  # the thread ends, as on a crash
        failing = httpx.get(f"{server.url}/health")
    assert failing.status_code == 503
    assert failing.json()["status"] == "failing" and "pipeline" in failing.json()["detail"]
