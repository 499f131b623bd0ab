"""Parity without waves: partners publish concurrently on Kafka; the embedded hub, fed the same arrivals, agrees.

Both runtimes drive the same pipeline and decide inputs in arrival order; with one injected,
fixed clock on both sides, the same arrival sequence gives a byte-identical audit.log.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from ketenhub import topics
from ketenhub.demo.scenario import ScenarioMessage, build_year
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.topic_log import LogRecord
from tests.integration.fixed_clock_worker import recorded_arrivals
from tests.integration.hub_harness import HubUnderTest, wait_for, wait_until_checkpointed
from tests.integration.test_kafka_hub import (
    assert_same_evaluation_csvs,
    kafka_outcome,
    outcome_of,
)

pytestmark = pytest.mark.kafka
FIXED = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the one clock of both runtimes
REPO = Path(__file__).parents[2]


def start_fixed_clock_worker(hub: HubUnderTest) -> None:
    """Start a worker of ``hub`` whose pipeline seals at FIXED."""
    command = [
        sys.executable,
        "-m",
        "tests.integration.fixed_clock_worker",
        hub.settings.model_dump_json(),
        FIXED.isoformat(),
    ]
    with (hub.data_dir / f"worker-{len(hub.workers)}.log").open("ab") as log:
        process = subprocess.Popen(
            command, env=hub.env(), cwd=REPO, stdout=log, stderr=subprocess.STDOUT
        )
    hub.workers.append(process)


def publish_concurrently(hub: HubUnderTest, messages: list[ScenarioMessage]) -> None:
    """Every partner publishes its own messages in its own order, all partners at once."""
    by_partner: dict[str, list[ScenarioMessage]] = defaultdict(list)
    for message in messages:
        by_partner[message.partner].append(message)
    failures: list[BaseException] = []

    def publish(own: list[ScenarioMessage]) -> None:
        client = hub.client()
        try:
            for message in own:
                client.publish_raw(message.partner, message.value, message.headers)
            client.flush()
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=publish, args=(own,)) for own in by_partner.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures


def settle(hub: HubUnderTest) -> None:
    """Wait until the worker committed every ingested, admitted, sealed and routed record."""
    admin = KafkaAdminClient(bootstrap_servers=hub.bootstrap)
    try:
        with KafkaLogReader(hub.settings) as reader:
            wait_for(lambda: hub.quiescent(reader, admin), 300, "a quiescent hub", hub.worker_logs)
    finally:
        admin.close()


def received(hub: HubUnderTest) -> list[tuple[str, LogRecord]]:
    """The messages Kafka's sealer received, in the order it received them, with their partner."""
    partners = {hub.names.ingest(p.id): p.id for p in hub.client_registry().partners}  # type: ignore[attr-defined]
    with KafkaLogReader(hub.settings) as reader:
        stored = {(topic, r.offset): r for topic in partners for r in reader.records(topic)}
    return [
        (partners[ref.topic], stored[(ref.topic, ref.offset)])
        for ref in recorded_arrivals(hub.data_dir)
    ]


@pytest.fixture(scope="module")
def runs(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    """The demo year published concurrently on Kafka, and the embedded hub fed Kafka's arrivals."""
    keys = tmp_path_factory.mktemp("keys")
    HubFolder(keys).keys.create()
    protector = HubFolder(keys).protector()
    try:
        messages = build_year(2025, protector=protector)
    finally:
        protector.close()
    kafka_dir = tmp_path_factory.mktemp("kafka")
    (kafka_dir / "keys").symlink_to(keys / "keys")
    hub = HubUnderTest(kafka_bootstrap, kafka_dir, f"parity-{uuid.uuid4().hex[:12]}")
    start_fixed_clock_worker(hub)
    try:
        hub.wait_until_serving()
        publish_concurrently(hub, messages)
        settle(hub)
        arrivals = received(hub)
        embedded_dir = tmp_path_factory.mktemp("embedded")
        (embedded_dir / "keys").symlink_to(keys / "keys")
        with EmbeddedHub(embedded_dir, create=True, clock=lambda: FIXED) as embedded:
            for partner, stored in arrivals:
                embedded.publish_raw(partner, stored.value or b"", stored.headers)
            embedded.run()
            reference = outcome_of(
                embedded.registry.partners,
                embedded.live_views,
                lambda t: list(embedded.records(t)),
            )
            audit = [r.value for r in embedded.records(topics.AUDIT_LOG)]
        yield {
            "hub": hub,
            "embedded": reference,
            "embedded_audit": audit,
            "embedded_dir": embedded_dir,
            "arrivals": len(arrivals),
            "published": len(messages),
        }
    finally:
        hub.stop_all()


def test_concurrent_partners_give_the_same_events_views_rejections_and_evaluation(
    runs: dict[str, object], tmp_path: Path
) -> None:
    """Published by all partners at once (no waves), Kafka and embedded seal the same events, views, rejections."""
    hub, embedded = runs["hub"], runs["embedded"]
    assert isinstance(hub, HubUnderTest) and isinstance(embedded, dict)
    arrivals, published = runs["arrivals"], runs["published"]
    assert isinstance(arrivals, int) and isinstance(published, int)
    assert arrivals == published, "the sealer received every published message, each once"
    wait_for(
        lambda: kafka_outcome(hub)["views"] == embedded["views"],
        120,
        "the views to match",
        hub.worker_logs,
    )
    got = kafka_outcome(hub)
    assert set(got["sealed"]) == set(embedded["sealed"])  # type: ignore[call-overload]
    assert got["rejected"] == embedded["rejected"]
    assert got["views"] == embedded["views"]
    wait_until_checkpointed(hub)
    assert_same_evaluation_csvs(hub, runs["embedded_dir"], tmp_path)  # type: ignore[arg-type]


def test_the_same_arrivals_give_a_byte_identical_audit_log(runs: dict[str, object]) -> None:
    """Fed the sequence Kafka's sealer received, the embedded hub writes the same audit.log bytes."""
    hub = runs["hub"]
    assert isinstance(hub, HubUnderTest)
    with KafkaLogReader(hub.settings) as reader:
        kafka_audit = [r.value for r in reader.records(hub.names.audit_log)]
    assert kafka_audit, "Kafka sealed nothing"
    assert kafka_audit == runs["embedded_audit"]
