"""``ketenhub serve`` says on start-up what it serves: the cluster, the worker, the topics and partitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.hub_harness import HubUnderTest, wait_for

pytestmark = pytest.mark.kafka


def test_a_starting_worker_names_its_cluster_worker_and_topics(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The first lines of a worker's output name the broker, the worker id and each hub topic."""
    hub = HubUnderTest(kafka_bootstrap, tmp_path, unique_name, view_partitions=2)
    try:
        hub.start_worker()
        hub.wait_until_serving()
        output = (tmp_path / "worker-0.log").read_text(errors="replace")
    finally:
        hub.stop_all()
    first = output.splitlines()[0]
    assert first.startswith("ketenhub worker ") and f"on Kafka at {kafka_bootstrap}" in first
    names = hub.names
    assert f"  {names.audit_log}: 1 partition(s)" in output
    assert f"  {names.view('police')}: 2 partition(s)" in output
    assert f"  {names.ingest('municipality')}: 1 partition(s)" in output


def test_a_worker_logs_one_json_object_per_line_without_escape_codes(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """Below the start-up summary every line is a JSON event, Faust's and aiokafka's included."""
    hub = HubUnderTest(kafka_bootstrap, tmp_path, unique_name)
    log = tmp_path / "worker-0.log"
    try:
        hub.start_worker(log_level="info")
        hub.wait_until_serving()
        wait_for(
            lambda: '"logger": "faust' in log.read_text(errors="replace"),
            120,
            "Faust's first log line",
        )
        output = log.read_text(errors="replace")
    finally:
        hub.stop_all()
    assert "\x1b" not in output, "a terminal escape code in the worker's output"
    lines = output.splitlines()
    summary_end = lines.index("stop with Ctrl+C or SIGTERM")
    events = [json.loads(line) for line in lines[summary_end + 1 :] if line.strip()]
    assert events and all(
        isinstance(event, dict) and {"event", "level"} <= event.keys() for event in events
    )
