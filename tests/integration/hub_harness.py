"""Running hub workers as real processes against the test broker, and watching their outputs."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ketenhub.cli.main import cli
from ketenhub.config import load_registry
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.kafka.client import KafkaHub
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames
from ketenhub.web.server import ServerThread, build_app, free_port
from tests.integration.conftest import SaslBroker
from tests.web.conftest import web_settings

PROJECTED = "projected by the sealer"  # a pseudo topic of ``HubUnderTest.lag``
REPO = Path(__file__).parents[2]


def fixed_clock_command(settings: KafkaSettings, clock: dt.datetime) -> list[str]:
    """The command of a hub worker whose pipeline seals at ``clock``
    (``tests.integration.fixed_clock_worker``)."""
    return [
        *(sys.executable, "-m", "tests.integration.fixed_clock_worker"),
        *(settings.model_dump_json(), clock.isoformat()),
    ]


@dataclass
class HubUnderTest:
    """A hub on its own uuid-named topics and consumer group, with its key files in ``data_dir``."""

    bootstrap: str
    data_dir: Path
    name: str
    ingest_partitions: int = 1
    view_partitions: int = 1
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    sasl_username: str | None = None  # the hub's login on a SASL broker (a super user)
    sasl_password: str | None = None
    write_timeout_s: float = 40.0  # how long a worker waits for a write before it recovers

    def __post_init__(self) -> None:
        # as `ketenhub init` makes them; kept if already there
        HubFolder(self.data_dir).keys.create()

    @property
    def settings(self) -> KafkaSettings:
        return KafkaSettings(
            kafka_bootstrap=self.bootstrap,
            data_dir=self.data_dir,
            app_id=f"app-{self.name}",
            topic_prefix=f"{self.name}.",
            ingest_partitions=self.ingest_partitions,
            view_partitions=self.view_partitions,
            checkpoint_every=50,
            checkpoint_interval_s=1.0,
            kafka_write_timeout_s=self.write_timeout_s,
            sasl_username=self.sasl_username,
            sasl_password=self.sasl_password,
        )

    @property
    def names(self) -> TopicNames:
        return TopicNames(self.settings.topic_prefix)

    def env(self) -> dict[str, str]:
        s = self.settings
        return {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")} | {
            "KETENHUB_APP_ID": s.app_id,
            "KETENHUB_TOPIC_PREFIX": s.topic_prefix,
            "KETENHUB_CHECKPOINT_INTERVAL_S": str(s.checkpoint_interval_s),
            "KETENHUB_KAFKA_WRITE_TIMEOUT_S": str(s.kafka_write_timeout_s),
            **self._sasl_env(),
        }

    def _sasl_env(self) -> dict[str, str]:
        if self.sasl_username is None or self.sasl_password is None:
            return {}
        return {
            "KETENHUB_SASL_USERNAME": self.sasl_username,
            "KETENHUB_SASL_PASSWORD": self.sasl_password,
        }

    def start_worker(self, log_level: str = "warning") -> subprocess.Popen[bytes]:
        """Start one `ketenhub serve` process for this hub; its output goes to a log file."""
        command = [
            sys.executable,
            "-m",
            "ketenhub",
            "serve",
            "--kafka",
            self.bootstrap,
            "--data-dir",
            str(self.data_dir),
            "--checkpoint-every",
            "50",
            "--ingest-partitions",
            str(self.ingest_partitions),
            "--view-partitions",
            str(self.view_partitions),
            "--worker-log-level",
            log_level,
        ]
        with (self.data_dir / f"worker-{len(self.workers)}.log").open("ab") as log:
            process = subprocess.Popen(
                command, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
        self.workers.append(process)
        return process

    def start_command(self, command: Sequence[str]) -> subprocess.Popen[bytes]:
        """Start a worker process of this hub from ``command``, run in the repository (as
        ``fixed_clock_command`` makes one); its output goes to a log file."""
        with (self.data_dir / f"worker-{len(self.workers)}.log").open("ab") as log:
            process = subprocess.Popen(
                command, env=self.env(), cwd=REPO, stdout=log, stderr=subprocess.STDOUT
            )
        self.workers.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes], how: int = signal.SIGKILL) -> None:
        process.send_signal(how)
        process.wait(timeout=60)

    def stop_all(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def wait_until_serving(self, timeout: float = 120) -> None:
        """Wait until the worker has created the hub's topics (it does so before consuming)."""
        with KafkaLogReader(self.settings) as reader:
            wait_for(
                lambda: bool(reader.partitions(self.names.view("municipality"))),
                timeout,
                "the hub's topics",
                self.worker_logs,
            )

    def client(self) -> KafkaHub:
        return KafkaHub(self.settings)

    def outputs(self, reader: KafkaLogReader, partners: Sequence[str]) -> int:
        """How many messages were decided into an output so far: sealed plus rejected records."""
        return reader.total_records(
            [self.names.audit_log, *(self.names.rejected(p) for p in partners)]
        )

    def quiescent(self, reader: KafkaLogReader, admin: Any) -> bool:
        """Whether the workers committed every ingested, admitted, sealed and routed record."""
        lag = self.lag(reader, admin)
        return lag is not None and not any(lag.values())

    def lag(self, reader: KafkaLogReader, admin: Any) -> dict[tuple[str, int], int] | None:
        """Records not yet committed, per watched topic partition (None: offsets unreadable)."""
        from kafka.errors import KafkaError

        partners = [p.id for p in self.client_registry().partners]
        watched = [self.names.admitted, *(self.names.ingest(p) for p in partners)]
        if self.view_partitions > 1:  # audit.log is routed by case, then projected
            watched += [self.names.audit_log, self.names.by_case]
        ends = {(t, p): end for t in watched for p, end in reader.end_offsets(t).items()}
        try:
            committed = admin.list_group_offsets({self.settings.app_id: None}).get(
                self.settings.app_id, {}
            )
        except KafkaError:  # e.g. the group coordinator is still being elected
            return None
        done = {(tp.topic, tp.partition): meta.offset for tp, meta in committed.items()}
        lag = {key: max(0, end - max(done.get(key, 0), 0)) for key, end in ends.items()}
        if self.view_partitions == 1:  # the sealer projects what it sealed
            sealed = reader.end_offsets(self.names.audit_log).get(0, 0)
            lag[(PROJECTED, 0)] = max(0, sealed - self.projected(reader))
        return lag

    def projected(self, reader: KafkaLogReader) -> int:
        """How many records of audit.log the sealer has projected, as its chain-head table says."""
        changelog = f"{self.settings.app_id}-chain-head-changelog"
        position = 0
        for record in reader.all_records(changelog):
            if record.key is not None and json.loads(record.key) == "projected":
                position = int(json.loads(record.value or b"0"))
        return position

    def case_trail(self, case_id: str, partner: str) -> str:
        """Where a case's records went: sequences on the by-case stream, and those of the records
        on the partner's view topic (``-`` marks a tombstone)."""
        key = case_id.encode()
        with KafkaLogReader(self.settings) as reader:
            routed = [
                _sequence_of(r.value)
                for r in reader.all_records(self.names.by_case)
                if r.key == key
            ]
            viewed = [
                ("-" if r.value is None else "")
                + dict(r.headers).get("ketenhub_sequence", b"?").decode()
                for r in reader.all_records(self.names.view(partner))
                if r.key == key
            ]
        return f"{case_id}: by-case {routed}; view.{partner} {viewed}"

    def client_registry(self) -> object:
        from ketenhub.config import load_registry

        return load_registry()

    def worker_logs(self, most: int = 40) -> str:
        """Each worker's warnings, errors and anything not logged as JSON (tracebacks), newest last."""
        shown = []
        for path in sorted(self.data_dir.glob("worker-*.log")):
            lines = path.read_text(errors="replace").splitlines()
            notable = [line[:2000] for line in lines if _notable(line)]
            shown.append(f"--- {path.name}: {len(notable)} notable line(s) of {len(lines)}")
            shown.extend(notable[-most:])
        return "\n".join(shown)


def _notable(line: str) -> bool:
    """A worker log line worth showing when a test gives up: not an info or debug event, not
    a line of the start-up summary."""
    if line.startswith("{") and ('"level": "info"' in line or '"level": "debug"' in line):
        return False
    summary = line.startswith(("ketenhub worker ", "serving ", "stop with ")) or (
        line.startswith("  ") and line.endswith("partition(s)")
    )
    return bool(line.strip()) and not summary


def _sequence_of(value: bytes | None) -> int:
    """The sequence of a sealed record's bytes (for diagnostics)."""
    from ketenhub.core.sealing import decode_sealed

    return decode_sealed(value or b"", -1).sequence


def view_differences(live: dict[str, bytes], expected: dict[str, bytes], most: int = 5) -> str:
    """Which cases' views differ between a live view topic and the views rebuilt from audit.log."""
    cases = sorted(k for k in live.keys() | expected.keys() if live.get(k) != expected.get(k))
    lines = [f"{len(cases)} case(s) differ"]
    for case in cases[:most]:
        lines.append(
            f"  {case}\n    live:     {live.get(case)!r:.600}\n    expected: {expected.get(case)!r:.600}"
        )
    return "\n".join(lines)


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    diagnostics: Callable[[], str] = lambda: "",
    every: float = 0.05,
) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` (and diagnostics) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{diagnostics()}")


def wait_until_checkpointed(hub: HubUnderTest, timeout: float = 60) -> None:
    """Wait until a signed checkpoint covers every record of audit.log (the idle timer signs it)."""
    from ketenhub import topics
    from ketenhub.core.checkpoint_records import decode_checkpoint

    def covered() -> bool:
        client = hub.client()
        try:
            sealed = len(list(client.records(topics.AUDIT_LOG)))
            signed = [
                decode_checkpoint(r.value or b"", r.offset).tree_size
                for r in client.records(topics.CHECKPOINTS)
            ]
        finally:
            client.close()
        return max(signed, default=0) == sealed

    wait_for(covered, timeout, "a checkpoint over every sealed record", hub.worker_logs)


@dataclass(frozen=True)
class PartnerFolderHub:
    """A running SASL hub whose partners were provisioned with folders of their own."""

    hub: HubUnderTest
    folders: Path  # one folder per partner: ``folders / "police"``
    provisioned: str  # what `ketenhub partners provision` printed


@contextmanager
def partner_folder_hub(
    broker: SaslBroker, tmp_path: Path, prefix: str
) -> Iterator[PartnerFolderHub]:
    """A hub on the SASL ``broker`` (topics and users named ``<prefix>-<uuid>``): every partner
    provisioned by `ketenhub partners provision --partner-folders` with a synthetic password,
    one worker serving, and the hub's web tier (the partners' protection service) on loopback.
    The web tier and the worker stop when the block ends."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    hub_dir, folders = tmp_path / "hub", tmp_path / "partner-folders"
    hub = HubUnderTest(
        broker.bootstrap,
        hub_dir,
        name,
        sasl_username=broker.hub.username,
        sasl_password=broker.hub.password,
    )
    passwords = {p.id: f"{p.id}-synthetic-{uuid.uuid4().hex[:8]}" for p in load_registry().partners}
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[passwords]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in passwords.items()))
    secrets.chmod(0o600)
    port = free_port()
    provisioned = CliRunner().invoke(
        cli,
        ["partners", "provision", "--kafka", hub.bootstrap, "--topic-prefix", f"{name}.",
         "--user-prefix", f"{name}-", "--sasl-username", broker.hub.username,
         "--sasl-password", broker.hub.password, "--secrets", str(secrets),
         "--data-dir", str(hub_dir), "--partner-folders", str(folders),
         "--protection-url", f"http://127.0.0.1:{port}"],
    )  # fmt: skip
    assert provisioned.exit_code == 0, provisioned.output
    hub.start_worker()
    try:
        hub.wait_until_serving()
        app = build_app(hub_dir, web_settings(hub_dir), hub.settings)
        with ServerThread(app, port=port):
            yield PartnerFolderHub(hub, folders, provisioned.stdout)
    finally:
        hub.stop_all()
