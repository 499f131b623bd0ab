"""Benchmark: the hub on a real Kafka broker — sustained rate and publish-to-view latency.

Printed beside the framework's own limit (one Faust agent passing the same values from one
topic to another on the same broker, per event and batched), the embedded pipeline's rate and
the raw fastavro decode rate of the same events, all measured in this one run, as ratios —
of wall-clock rates, and of the CPU time the worker process spends per message, which other
load on the machine does not inflate. The hub (a fresh worker on fresh topics) and the
passthrough are measured back to back in each of several rounds, and the best of each compared:
other work on a shared machine slows a run down, never speeds it up. Uses the broker at
KETENHUB_KAFKA_BOOTSTRAP, else starts one from dev/kafka (Java and Maven needed).
``python -m bench.kafka_pipeline``.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer

from bench.embedded_pipeline import _raw_decode_rates
from bench.faust_passthrough import MODES, Measured, cpu_seconds, passthrough_rate
from bench.waiting import wait_until
from ketenhub.contract import models as m
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
SUSTAINED_P99_S = 0.1
QUIET_S = 3.0  # nothing new on any output for this long: everything was decided and projected


@dataclass(frozen=True)
class Latencies:
    """Publish-to-view latencies at one offered rate, and the rate the publisher achieved."""

    offered: float
    achieved: float
    sorted_s: list[float]

    def p(self, quantile: float) -> float:
        """The quantile of the latencies, in seconds."""
        if quantile == 0.5:
            return statistics.median(self.sorted_s)
        return self.sorted_s[min(len(self.sorted_s) - 1, int(quantile * len(self.sorted_s)))]


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


def _new_signal(hub: KafkaHub) -> m.SignalReceived:
    """A fresh signal of a new case (synthetic), which the coordinator's view shows once projected."""
    return m.SignalReceived(
        event_id=uuid.uuid4(),
        occurred_at=time.time_ns() // 1000 / 1e6,
        recorded_by=hub.registry.get("municipal-staff").id,
        case_id=new_opaque_id("bench"),
        channel=m.Channel.INTERNAL_ROUTE,
        reporter_role=m.ReporterRole.ENFORCER,
        exploitation_forms=[m.ExploitationForm.LABOUR],
        indicators=[],
        location=m.Location(municipality_code="GM1916", area_code="2261"),
        persons=[],
    )


def _warm_up(settings: KafkaSettings) -> None:
    """Wait until the worker serves: one new signal published and seen in the coordinator's view."""
    names = TopicNames(settings.topic_prefix)
    with KafkaHub(settings) as hub, KafkaLogReader(settings) as reader:
        wait_until(lambda: bool(reader.partitions(names.view("municipality"))), 600, HUB)
        hub.publish(_new_signal(hub))
        hub.flush()
        wait_until(lambda: reader.total_records([names.view("municipality")]) > 0, 600, HUB)


def _sustained(settings: KafkaSettings, worker: int, messages: list[ScenarioMessage]) -> Measured:
    """Publish everything at once; time until the last sealed, rejected or view record appears."""
    names = TopicNames(settings.topic_prefix)
    hub = KafkaHub(settings)
    outputs = [names.audit_log, *(names.rejected(p.id) for p in hub.registry.partners)]
    outputs += [names.view(p.id) for p in hub.registry.partners]
    hub.prepare_publishing()
    with KafkaLogReader(settings) as reader:
        cpu_before, start = cpu_seconds(worker), time.perf_counter()
        for message in messages:
            hub.publish_raw(message.partner, message.value, message.headers)
        hub.flush()
        last = {"total": -1.0, "at": time.perf_counter(), "cpu": cpu_seconds(worker)}

        def settled() -> bool:
            total, now = reader.total_records(outputs), time.perf_counter()
            if total != last["total"]:
                last.update(total=total, at=now, cpu=cpu_seconds(worker))
            return total > 0 and now - last["at"] > QUIET_S

        wait_until(settled, 600, HUB)
    hub.close()
    elapsed, cpu = last["at"] - start, last["cpu"] - cpu_before
    return Measured(len(messages) / elapsed, cpu / len(messages))


def _latency(settings: KafkaSettings, rate: float, seconds: float) -> Latencies:
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
    hub.prepare_publishing()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                for record in records:
                    seen.setdefault(record.key, time.perf_counter())

    watcher = threading.Thread(target=watch)
    watcher.start()
    sent: dict[bytes, float] = {}
    began = time.perf_counter()
    for n in range(int(rate * seconds)):
        event = _new_signal(hub)
        sent[event.case_id.encode()] = time.perf_counter()
        hub.publish(event)  # the producer lingers at most 5 ms; no flush per event
        time.sleep(max(0.0, began + (n + 1) / rate - time.perf_counter()))
    hub.flush()
    achieved = len(sent) / (time.perf_counter() - began)
    wait_until(lambda: all(k in seen for k in sent), 120, HUB)
    stop.set()
    watcher.join()
    consumer.close()
    hub.close()
    return Latencies(rate, achieved, sorted(seen[k] - t for k, t in sent.items()))


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--years", type=int, default=4, help="synthetic demo years published at once"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of the hub and the passthrough, alternated (the best of each is compared)",
    )
    parser.add_argument(
        "--rates",
        default="50,100,200,400,800",
        help="offered rates (events per second, comma-separated) for the latency runs; empty: none",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each latency run")
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
        raw, _ = _raw_decode_rates(
            [m.value for m in messages if m.expect in ("ACCEPT", "DUPLICATE")]
        )
        offered = [float(r) for r in args.rates.split(",") if r.strip()]
        bootstrap, broker = _broker(folder)
        try:
            rounds = [
                _round(bootstrap, folder, messages, offered if n == 0 else [], args.seconds)
                for n in range(args.rounds)
            ]
        finally:
            if broker is not None:
                broker.stop()
    _report(len(messages), rounds, embedded_rate, raw)


@dataclass(frozen=True)
class Round:
    """One round: the hub's sustained rate, then the passthrough's in each mode, back to back."""

    hub: Measured
    passthrough: dict[str, Measured]
    latencies: list[Latencies]


def _round(
    bootstrap: str,
    folder: Path,
    messages: list[ScenarioMessage],
    offered: list[float],
    seconds: float,
) -> Round:
    """The hub on fresh topics with a fresh worker, then the passthrough on the same values."""
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    settings = KafkaSettings(
        kafka_bootstrap=bootstrap,
        data_dir=folder,
        app_id=prefix.rstrip("."),
        topic_prefix=prefix,
    )
    worker = _worker(settings)
    try:
        _warm_up(settings)
        hub = _sustained(settings, worker.pid, messages)
        latencies = [_latency(settings, rate, seconds) for rate in offered]
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    values = [msg.value for msg in messages]
    passthrough = {mode: passthrough_rate(bootstrap, values, mode) for mode in MODES}
    return Round(hub, passthrough, latencies)


def _report(published: int, rounds: list[Round], embedded_rate: float, raw: float) -> None:
    print(f"events published at once:           {published:>9,}")
    for n, run in enumerate(rounds, 1):
        limits = ", ".join(
            f"{mode} {m.rate:,.0f} msg/s ({m.cpu_per_message_s * 1e6:,.0f} µs)"
            for mode, m in run.passthrough.items()
        )
        print(
            f"round {n}: hub {run.hub.rate:,.0f} events/s ({run.hub.cpu_per_message_s * 1e6:,.0f} "
            f"µs CPU per event); passthrough {limits}"
        )
    kafka = _best([r.hub for r in rounds])
    print(
        f"kafka, publish to sealed+projected:  {kafka.rate:>9,.0f} events/s "
        f"(worker CPU {kafka.cpu_per_message_s * 1e6:,.0f} µs per event; best of {len(rounds)})"
    )
    print(f"embedded pipeline (same events):     {embedded_rate:>9,.0f} events/s")
    print(f"raw fastavro decode (same events):   {raw:>9,.0f} events/s")
    for mode in MODES:
        limit = _best([r.passthrough[mode] for r in rounds])
        print(
            f"faust passthrough, {mode:<9} (limit): {limit.rate:>8,.0f} msg/s "
            f"(worker CPU {limit.cpu_per_message_s * 1e6:,.0f} µs per message)"
        )
        print(
            f"ratio kafka / passthrough {mode:<9}: {kafka.rate / limit.rate:>9.3f} "
            f"(on worker CPU: {limit.cpu_per_message_s / kafka.cpu_per_message_s:.3f})"
        )
    print(f"ratio kafka / embedded:              {kafka.rate / embedded_rate:>9.3f}")
    print(f"ratio kafka / raw decode:            {kafka.rate / raw:>9.4f}")
    latencies = [run for r in rounds for run in r.latencies]
    for run in latencies:
        print(
            f"publish-to-view latency at {run.offered:>5.0f}/s offered ({run.achieved:,.0f}/s "
            f"achieved, {len(run.sorted_s)} events): p50 {run.p(0.5) * 1000:.0f} ms, "
            f"p99 {run.p(0.99) * 1000:.0f} ms"
        )
    if latencies:
        sustained = [run.offered for run in latencies if run.p(0.99) <= SUSTAINED_P99_S]
        highest = f"{max(sustained):.0f}/s" if sustained else "none of the offered rates"
        print(f"highest offered rate with p99 <= {SUSTAINED_P99_S * 1000:.0f} ms: {highest}")


def _best(measured: list[Measured]) -> Measured:
    """The highest rate of several runs, with the lowest CPU time per message among them."""
    return Measured(max(m.rate for m in measured), min(m.cpu_per_message_s for m in measured))


if __name__ == "__main__":
    main()
