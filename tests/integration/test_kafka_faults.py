"""The hub on Kafka under faults: no loss, no duplicates, and views that rebuild from offset 0."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient

from ketenhub.codec.single_object import decode_event
from ketenhub.core.input_ref import InputRef
from ketenhub.core.projection import Projector
from ketenhub.core.sealing import decode_sealed
from ketenhub.demo.scenario import ScenarioMessage, build_year
from ketenhub.errors import CodecError
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from tests.integration.conftest import load_broker_module
from tests.integration.hub_harness import HubUnderTest, view_differences, wait_for

pytestmark = pytest.mark.kafka
YEARS = range(2019, 2026)  # seven synthetic years: about 4,000 messages


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def stream(keys: Path) -> list[ScenarioMessage]:
    """Several thousand messages, including the scenario's deliberately bad ones."""
    HubFolder(keys).keys.create()  # as `ketenhub init` makes them
    protector = HubFolder(keys).protector()
    try:
        return [m for year in YEARS for m in build_year(year, protector=protector)]
    finally:
        protector.close()


def new_hub(bootstrap: str, name: str, keys: Path, folder: Path, **layout: Any) -> HubUnderTest:
    (folder / "keys").symlink_to(keys / "keys")
    return HubUnderTest(bootstrap, folder, name.replace("_", "-"), **layout)


def publish(
    hub: HubUnderTest, messages: list[ScenarioMessage], pause_every: int = 0
) -> list[tuple[ScenarioMessage, InputRef]]:
    """Publish with retries; return each message with the input id the broker gave it."""
    client = hub.client()
    try:
        futures = []
        for n, message in enumerate(messages):
            futures.append(
                (message, client.publish_raw(message.partner, message.value, message.headers))
            )
            if pause_every and n % pause_every == 0:
                time.sleep(0.05)
        client.flush()
        delivered = []
        for message, future in futures:
            meta = future.get(timeout=180)
            delivered.append((message, InputRef(meta.topic, meta.partition, meta.offset)))
        return delivered
    finally:
        client.close()


def publish_while_sealing(
    hub: HubUnderTest, messages: list[ScenarioMessage], sealed_more_than: int, what: str
) -> tuple[Any, list[tuple[ScenarioMessage, InputRef]], int]:
    """Start a worker, publish ``messages`` and wait until audit.log holds more than
    ``sealed_more_than`` records: the worker, what was delivered, and how many were sealed."""
    worker = hub.start_worker()
    hub.wait_until_serving()
    delivered = publish(hub, messages)
    with KafkaLogReader(hub.settings) as reader:
        wait_for(
            lambda: reader.total_records([hub.names.audit_log]) > sealed_more_than,
            300,
            what,
            hub.worker_logs,
        )
        sealed = reader.total_records([hub.names.audit_log])
    return worker, delivered, sealed


def settle(hub: HubUnderTest, timeout: float = 300) -> None:
    """Wait until the workers have committed every input record."""
    admin = KafkaAdminClient(bootstrap_servers=hub.bootstrap)
    try:
        with KafkaLogReader(hub.settings) as reader:
            wait_for(
                lambda: hub.quiescent(reader, admin),
                timeout,
                "the workers to commit everything",
                lambda: f"not committed yet: {hub.lag(reader, admin)}\n{hub.worker_logs()}",
                every=0.5,
            )
    finally:
        admin.close()


def event_id_of(value: bytes | None) -> str | None:
    """The event id of a message's bytes, or None when they are no event."""
    try:
        return str(decode_event(value or b"").event_id)
    except CodecError:
        return None


def check_invariants(hub: HubUnderTest, delivered: list[tuple[ScenarioMessage, InputRef]]) -> None:
    """Chain verifies; every event id sealed once; every message sealed, a duplicate, or rejected; views rebuild."""
    client = hub.client()
    try:
        report = client.verify()
        sealed = [decode_sealed(r.value or b"", r.offset) for r in client.records("audit.log")]
        assert report.records == len(sealed)
        ids = [r.event_id for r in sealed]
        assert len(ids) == len(set(ids)), "an event was sealed twice"
        refusals = [r for p in client.registry.partners for r in client.records(f"rejected.{p.id}")]
        rejected = {InputRef.decode(r.key) for r in refusals if r.key}
        refused_ids = {event_id_of(r.value) for r in refusals} - {None}
        for message, origin in delivered:
            if origin in rejected:
                continue
            event_id = event_id_of(message.value)
            # the same event (id and content) refused at another delivery is not refused twice
            assert event_id in set(ids) or event_id in refused_ids, (
                f"message {origin} ({message.note}) was lost"
            )
        rebuilt = Projector(client.registry)
        for record in sealed:
            rebuilt.apply(record, decode_event(record.payload))
        for partner in client.registry.partners:
            wait_for(
                lambda p=partner.id: client.live_views(p) == rebuilt.views(p),
                120,
                f"the views of {partner.id}",
                lambda p=partner.id: diagnose_views(hub, client.live_views(p), rebuilt.views(p), p),
            )
    finally:
        client.close()


def diagnose_views(
    hub: HubUnderTest, live: dict[str, bytes], expected: dict[str, bytes], partner: str
) -> str:
    """Which cases' views differ, where their records went, and the workers' logs."""
    differing = sorted(k for k in live.keys() | expected.keys() if live.get(k) != expected.get(k))
    trails = "\n".join(hub.case_trail(case, partner) for case in differing[:5])
    return f"{view_differences(live, expected)}\n{trails}\n{hub.worker_logs()}"


def test_a_worker_killed_mid_stream_resumes_without_loss_or_duplicates(
    kafka_bootstrap: str,
    unique_name: str,
    keys: Path,
    stream: list[ScenarioMessage],
    tmp_path: Path,
) -> None:
    """SIGKILL the worker while thousands of events flow; a new worker continues the chain exactly."""
    hub = new_hub(kafka_bootstrap, unique_name, keys, tmp_path)
    try:
        first, delivered, sealed_at_kill = publish_while_sealing(
            hub, stream, len(stream) // 3, "a third sealed"
        )
        hub.kill(first, signal.SIGKILL)
        assert sealed_at_kill < len(stream) * 0.9, "the kill must land mid-stream"
        hub.start_worker()
        settle(hub)
        check_invariants(hub, delivered)
    finally:
        hub.stop_all()


def test_poison_messages_are_rejected_and_the_agents_keep_going(
    kafka_bootstrap: str,
    unique_name: str,
    keys: Path,
    stream: list[ScenarioMessage],
    tmp_path: Path,
) -> None:
    """Undecodable bytes and an unknown fingerprint land in rejected.<partner>; the next event is sealed."""
    hub = new_hub(kafka_bootstrap, unique_name, keys, tmp_path)
    try:
        hub.start_worker()
        hub.wait_until_serving()
        first_signal = next(
            m for m in stream if m.expect == "ACCEPT" and m.partner == "municipal-staff"
        )
        client = hub.client()
        client.publish_raw("police", b"\x00\xffnot avro at all", ())
        client.publish_raw("police", b"\xc3\x01" + bytes.fromhex("0badf00d0badf00d") + b"\x02", ())
        client.publish_raw(first_signal.partner, first_signal.value, first_signal.headers)
        client.close()
        settle(hub)
        client = hub.client()
        codes = [
            dict(r.headers)["ketenhub_rejection_code"] for r in client.records("rejected.police")
        ]
        assert codes == [b"UNDECODABLE", b"UNKNOWN_SCHEMA"]
        assert (
            next(r.value for r in client.records("rejected.police")) == b"\x00\xffnot avro at all"
        )
        assert len(list(client.records("audit.log"))) == 1
        client.close()
    finally:
        hub.stop_all()


def test_the_broker_restarting_while_producers_send_loses_nothing(
    unique_name: str,
    keys: Path,
    stream: list[ScenarioMessage],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Stop and restart the broker mid-stream: producers retry, the worker recovers, nothing is lost.

    The worker waits at most 3 s for a write, shorter than the broker is away: writes in flight
    fail, and each agent writes again (the sealer after reading back what landed).
    """
    broker = load_broker_module().LocalKafkaBroker(tmp_path_factory.mktemp("restarting-kafka"))
    bootstrap = broker.start()
    hub = new_hub(bootstrap, unique_name, keys, tmp_path, write_timeout_s=3.0)
    result: dict[str, Any] = {}
    try:
        hub.start_worker()
        hub.wait_until_serving()
        messages = stream[: len(stream) // 2]
        sender = threading.Thread(
            target=lambda: result.update(delivered=publish(hub, messages, pause_every=20))
        )
        sender.start()
        time.sleep(3)
        assert sender.is_alive(), "the broker must stop while producers are still sending"
        broker.stop()
        time.sleep(5)
        broker.start()
        sender.join(timeout=400)
        assert "delivered" in result, "the producer gave up"
        settle(hub)
        check_invariants(hub, result["delivered"])
    finally:
        hub.stop_all()
        broker.stop()


STOP_BOUND_S = 20  # a behaviour bound (the worker stops, not hangs), far above its graces


def stop_with_sigterm(hub: HubUnderTest, worker: Any) -> None:
    """SIGTERM a worker; it exits on its own, with status 0, well within ``STOP_BOUND_S``."""
    worker.send_signal(signal.SIGTERM)
    try:
        code = worker.wait(timeout=STOP_BOUND_S)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)
        raise AssertionError(
            f"the worker ignored SIGTERM for {STOP_BOUND_S} s\n{hub.worker_logs()}"
        ) from None
    assert code == 0, f"the worker exited with {code}\n{hub.worker_logs()}"


def test_a_worker_stopped_mid_stream_exits_promptly_and_a_new_one_loses_nothing(
    kafka_bootstrap: str,
    unique_name: str,
    keys: Path,
    stream: list[ScenarioMessage],
    tmp_path: Path,
) -> None:
    """SIGTERM the worker while thousands of events flow: it stops on its own, and after a
    restart every message is sealed once or rejected, the chain verifies and the views rebuild."""
    hub = new_hub(kafka_bootstrap, unique_name, keys, tmp_path)
    try:
        first, delivered, _ = publish_while_sealing(
            hub, stream, len(stream) // 4, "a quarter sealed"
        )
        stop_with_sigterm(hub, first)
        hub.start_worker()
        settle(hub)
        check_invariants(hub, delivered)
    finally:
        hub.stop_all()


def test_a_worker_stopped_while_the_broker_is_away_exits_promptly_and_loses_nothing(
    unique_name: str,
    keys: Path,
    stream: list[ScenarioMessage],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Stop the broker while the worker seals, then SIGTERM the worker: it does not wait for the
    cluster (writes in flight, the idle checkpoint, the final commit), and once the broker is
    back a new worker seals every message that was published."""
    broker = load_broker_module().LocalKafkaBroker(tmp_path_factory.mktemp("stopping-kafka"))
    bootstrap = broker.start()
    hub = new_hub(bootstrap, unique_name, keys, tmp_path)
    try:
        first, delivered, _ = publish_while_sealing(
            hub, stream[: len(stream) // 2], 100, "the first records sealed"
        )
        broker.stop()
        time.sleep(2)  # the worker notices: writes and requests fail or wait
        stop_with_sigterm(hub, first)
        broker.start()
        hub.start_worker()
        settle(hub)
        check_invariants(hub, delivered)
    finally:
        hub.stop_all()
        broker.stop()
