"""Benchmark: the hub on a real Kafka broker — sustained rate and publish-to-view latency.

Printed beside the framework's own limit (one Faust agent passing the same values from one
topic to another on the same broker, per event and batched), the embedded pipeline's rate and
the raw fastavro decode rate of the same events, all measured in this one run, as ratios.
Uses the broker at KETENHUB_KAFKA_BOOTSTRAP, else starts one from dev/kafka (Java and Maven
needed). ``python -m bench.kafka_pipeline``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer

from bench.embedded_pipeline import _raw_decode_rate
from bench.faust_passthrough import MODES, passthrough_rate
from bench.waiting import wait_until
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.demo.scenario import ScenarioMessage, build_year
from ketenhub.hub_folder import HubFolder
from ketenhub.observability import configure_logging
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.kafka.client import KafkaHub
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames

REPO = Path(__file__).resolve().parents[1]
HUB = "the hub"


def _broker(folder: Path) -> tuple[str, Any]:
    external = os.environ.get("KETENHUB_KAFKA_BOOTSTRAP")
    if external:
        return external, None
    spec = importlib.util.spec_from_file_location(
        "bench_broker", REPO / "dev" / "kafka" / "broker.py"
    )
    if spec is None or spec.loader is None:
        msg = "cannot load dev/kafka/broker.py"
        raise SystemExit(msg)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    broker = module.LocalKafkaBroker(folder / "kafka")
    return broker.start(), broker


def _worker(settings: KafkaSettings) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    env |= {"KETENHUB_APP_ID": settings.app_id, "KETENHUB_TOPIC_PREFIX": settings.topic_prefix}
    command = [
        sys.executable,
        "-m",
        "ketenhub",
        "serve",
        "--kafka",
        settings.kafka_bootstrap,
        "--data-dir",
        str(settings.data_dir),
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _sustained(settings: KafkaSettings, messages: list[ScenarioMessage]) -> float:
    """Publish everything at once; time until the last sealed, rejected or view record appears."""
    names = TopicNames(settings.topic_prefix)
    hub = KafkaHub(settings)
    outputs = [names.audit_log, *(names.rejected(p.id) for p in hub.registry.partners)]
    outputs += [names.view(p.id) for p in hub.registry.partners]
    with KafkaLogReader(settings) as reader:
        wait_until(lambda: bool(reader.partitions(names.view("municipality"))), 600, HUB)
        start = time.perf_counter()
        for message in messages:
            hub.publish_raw(message.partner, message.value, message.headers)
        hub.flush()
        last = {"total": -1, "at": time.perf_counter()}

        def settled() -> bool:
            total, now = reader.total_records(outputs), time.perf_counter()
            if total != last["total"]:
                last.update(total=total, at=now)
            return (
                total > 0 and now - last["at"] > 3.0
            )  # nothing new for 3 s: all decided and projected

        wait_until(settled, 600, HUB)
    hub.close()
    return len(messages) / (last["at"] - start)


def _latency(settings: KafkaSettings, rate: float, seconds: float) -> list[float]:
    """Publish new signals at a steady rate; time each until the coordinator's view shows it."""
    names = TopicNames(settings.topic_prefix)
    hub = KafkaHub(settings)
    seen: dict[bytes, float] = {}
    consumer = KafkaConsumer(
        names.view("municipality"),
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="latest",
        group_id=None,
    )
    consumer.poll(timeout_ms=2000)
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                for record in records:
                    seen.setdefault(record.key, time.perf_counter())

    watcher = threading.Thread(target=watch)
    watcher.start()
    sent: dict[bytes, float] = {}
    from ketenhub.contract import models as m  # the bench builds its own fresh signals

    staff = hub.registry.get("municipal-staff")
    began = time.perf_counter()
    for n in range(int(rate * seconds)):
        case = new_opaque_id("bench")
        event = m.SignalReceived(
            event_id=uuid.uuid4(),
            occurred_at=time.time_ns() // 1000 / 1e6,
            recorded_by=staff.id,
            case_id=case,  # type: ignore[arg-type]
            channel=m.Channel.INTERNAL_ROUTE,
            reporter_role=m.ReporterRole.ENFORCER,
            exploitation_forms=[m.ExploitationForm.LABOUR],
            indicators=[],
            location=m.Location(municipality_code="GM1916", area_code="2261"),
            persons=[],
        )
        sent[case.encode()] = time.perf_counter()
        hub.publish(event)
        hub.flush()
        time.sleep(max(0.0, began + (n + 1) / rate - time.perf_counter()))
    wait_until(lambda: all(k in seen for k in sent), 120, HUB)
    stop.set()
    watcher.join()
    consumer.close()
    hub.close()
    return sorted(seen[k] - t for k, t in sent.items())


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--years", type=int, default=4, help="synthetic demo years published at once"
    )
    parser.add_argument(
        "--rates",
        default="50,100,200,400",
        help="offered rates (events per second, comma-separated) for the latency runs",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the latency run")
    args = parser.parse_args()
    configure_logging("ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        HubFolder(folder).keys.create()
        protector = HubFolder(folder).protector()
        messages = [
            msg
            for y in range(2025 - args.years + 1, 2026)
            for msg in build_year(y, protector=protector)
        ]
        protector.close()
        with EmbeddedHub(folder / "embedded", create=True) as embedded:
            for msg in messages:
                embedded.publish_raw(msg.partner, msg.value, msg.headers)
            start = time.perf_counter()
            embedded.run(batch=512)
            embedded_rate = len(messages) / (time.perf_counter() - start)
        raw = _raw_decode_rate([m.value for m in messages if m.expect in ("ACCEPT", "DUPLICATE")])
        bootstrap, broker = _broker(folder)
        prefix = f"bench-{uuid.uuid4().hex[:8]}."
        settings = KafkaSettings(
            kafka_bootstrap=bootstrap,
            data_dir=folder,
            app_id=prefix.rstrip("."),
            topic_prefix=prefix,
        )
        worker = _worker(settings)
        try:
            kafka_rate = _sustained(settings, messages)
            offered = [float(r) for r in args.rates.split(",")]
            latencies = {rate: _latency(settings, rate, args.seconds) for rate in offered}
            values = [msg.value for msg in messages]
            passthrough = {mode: passthrough_rate(bootstrap, values, mode) for mode in MODES}
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
            if broker is not None:
                broker.stop()
    print(f"events published at once:          {len(messages):>9,}")
    print(f"kafka, publish to sealed+projected: {kafka_rate:>9,.0f} events/s")
    print(f"embedded pipeline (same events):    {embedded_rate:>9,.0f} events/s")
    print(f"raw fastavro decode (same events):  {raw:>9,.0f} events/s")
    for mode, rate in passthrough.items():
        print(f"faust passthrough, {mode:<9} (limit): {rate:>9,.0f} msg/s")
        print(f"ratio kafka / passthrough {mode:<9}: {kafka_rate / rate:>9.3f}")
    print(f"ratio kafka / embedded:             {kafka_rate / embedded_rate:>9.3f}")
    print(f"ratio kafka / raw decode:           {kafka_rate / raw:>9.4f}")
    sustained = [rate for rate, times in latencies.items() if _p(times, 0.99) <= SUSTAINED_P99_S]
    for rate, times in latencies.items():
        print(
            f"publish-to-view latency at {rate:>5.0f}/s offered ({len(times)} events): "
            f"p50 {_p(times, 0.5) * 1000:.0f} ms, p99 {_p(times, 0.99) * 1000:.0f} ms"
        )
    highest = f"{max(sustained):.0f}/s" if sustained else "none of the offered rates"
    print(f"highest offered rate with p99 <= {SUSTAINED_P99_S * 1000:.0f} ms: {highest}")


SUSTAINED_P99_S = 0.1


def _p(sorted_times: list[float], quantile: float) -> float:
    """The quantile of already sorted latencies."""
    if quantile == 0.5:
        return statistics.median(sorted_times)
    return sorted_times[min(len(sorted_times) - 1, int(quantile * len(sorted_times)))]


if __name__ == "__main__":
    main()
