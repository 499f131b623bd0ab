"""The framework's own limit: one Faust agent passing raw bytes from one topic to another.

Measured on the same broker and the same values as the hub, in the same run, so the hub's
Kafka rate can be stated as a ratio of what Faust itself can do on this machine. Two modes:
``per-event`` (``async for event in stream.events(): await out.send(...)``, Faust's defaults)
and ``batched`` (``take_events`` + ``send_soon``, producer linger 10 ms, a large commit
interval), as in the broker notes. ``python -m bench.faust_passthrough worker ...`` is the
worker process; :func:`passthrough_rate` drives it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from bench.waiting import wait_until
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings

MODES = ("per-event", "batched")
PASSTHROUGH = "the Faust passthrough"


@dataclass(frozen=True)
class Measured:
    """A rate through a worker process and the CPU time that process spent per message."""

    rate: float
    cpu_per_message_s: float


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a running process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _app(bootstrap: str, source: str, target: str, mode: str, datadir: str) -> Any:
    import faust  # only the worker process needs Faust

    batched = mode == "batched"
    tuned: dict[str, Any] = {"producer_linger_ms": 10, "broker_commit_every": 10_000}
    app = faust.App(
        f"passthrough-{uuid.uuid4().hex[:8]}",
        broker=f"kafka://{bootstrap}",
        store="memory://",
        topic_disable_leader=True,
        table_standby_replicas=0,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        datadir=datadir,
        **(tuned if batched else {}),
    )
    raw: dict[str, Any] = {
        "key_type": bytes,
        "value_type": bytes,
        "key_serializer": "raw",
        "value_serializer": "raw",
    }
    inbound, outbound = app.topic(source, **raw), app.topic(target, **raw)

    if batched:

        @app.agent(inbound)
        async def forward_batches(stream: Any) -> None:
            async for events in stream.take_events(1000, within=0.05):
                for event in events:
                    outbound.send_soon(value=event.value)

    else:

        @app.agent(inbound)
        async def forward_each(stream: Any) -> None:
            async for event in stream.events():
                await outbound.send(value=event.value)

    return app


def run_worker(bootstrap: str, source: str, target: str, mode: str) -> None:
    """Run the passthrough agent until SIGTERM."""
    import faust

    with tempfile.TemporaryDirectory() as datadir:
        app = _app(bootstrap, source, target, mode, datadir)
        faust.Worker(app, loglevel="error", quiet=True).execute_from_commandline()


def passthrough_rate(bootstrap: str, values: list[bytes], mode: str) -> Measured:
    """Messages per second through one Faust agent: from the first send to the last copy seen."""
    source, target = (f"bench-pass-{uuid.uuid4().hex[:8]}-{side}" for side in ("in", "out"))
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(t, 1, 1) for t in (source, target)])
    finally:
        admin.close()
    command = [
        sys.executable,
        "-m",
        "bench.faust_passthrough",
        "worker",
        bootstrap,
        source,
        target,
        mode,
    ]
    worker = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    settings = KafkaSettings(kafka_bootstrap=bootstrap)
    try:
        with KafkaLogReader(settings) as reader:
            producer.send(source, value=b"warm-up").get(timeout=60)
            wait_until(lambda: reader.total_records([target]) >= 1, 180, PASSTHROUGH, 0.02)
            cpu_before, start = cpu_seconds(worker.pid), time.perf_counter()
            for value in values:
                producer.send(source, value=value)
            producer.flush()
            wait_until(
                lambda: reader.total_records([target]) >= len(values) + 1, 600, PASSTHROUGH, 0.02
            )
            elapsed, cpu = time.perf_counter() - start, cpu_seconds(worker.pid) - cpu_before
            return Measured(len(values) / elapsed, cpu / len(values))
    finally:
        producer.close()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()


def main() -> None:
    """``worker BOOTSTRAP SOURCE TARGET MODE``: run the agent; ``measure BOOTSTRAP``: print rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="run the passthrough agent (used by measure)")
    for name in ("bootstrap", "source", "target"):
        worker.add_argument(name)
    worker.add_argument("mode", choices=MODES)
    measure = commands.add_parser("measure", help="measure both modes on 300-byte values")
    measure.add_argument("bootstrap")
    measure.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    if args.command == "worker":
        run_worker(args.bootstrap, args.source, args.target, args.mode)
        return
    values = [os.urandom(300) for _ in range(args.count)]
    for mode in MODES:
        measured = passthrough_rate(args.bootstrap, values, mode)
        print(
            f"faust passthrough, {mode:<9}: {measured.rate:>9,.0f} msg/s, "
            f"worker CPU {measured.cpu_per_message_s * 1e6:.0f} µs per message"
        )


if __name__ == "__main__":
    main()
