"""A real Apache Kafka broker (one combined KRaft node on loopback) for tests and local use.

Stdlib only: it runs before any virtualenv exists. The jars come from Maven Central through
``pom.xml`` beside this file (``fetch``); the JVM runs in its own process group and is always
stopped (``stop``, ``atexit``, and on Linux a parent-death signal).

    python dev/kafka/broker.py fetch
    python dev/kafka/broker.py start [--port 9092] [--foreground]
    python dev/kafka/broker.py status | stop
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
LIB = HERE / "lib"
LOG4J = HERE / "log4j.properties"
MARKER = LIB / ".fetched.json"
DEFAULT_DATA_DIR = HERE / "run"
HOST = "127.0.0.1"
SCRAM_MECHANISM = "SCRAM-SHA-512"
BROKER_USER = "ketenhub-broker"
READY_LINE = "Kafka Server started"
DESCRIPTION = "Fetch, start, stop or query the local Apache Kafka broker (single KRaft node)."
SAFE_CREDENTIAL = re.compile(r"[A-Za-z0-9._@+-]{1,128}")
TOPIC_DEFAULTS = {
    "auto.create.topics.enable": "false",
    "num.partitions": "1",
    "default.replication.factor": "1",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "1",
    "group.initial.rebalance.delay.ms": "0",
}


class LocalKafkaError(RuntimeError):
    """The local Kafka broker could not be fetched, formatted, started or stopped."""


def fetch() -> Path:
    """Copy the broker's runtime jars into ``lib/`` with Maven, unless the pom's jars are there."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    if _fetched(digest):
        return LIB
    LIB.mkdir(exist_ok=True)
    with _file_lock(LIB / ".lock"):
        if _fetched(digest):
            return LIB
        for stale in LIB.glob("*.jar"):
            stale.unlink()
        mvn = shutil.which("mvn")
        if mvn is None:
            msg = "Maven (mvn) is not on PATH: it is needed once to fetch the Kafka jars"
            raise LocalKafkaError(msg)
        cmd = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(POM), "package"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        jars = sorted(p.name for p in LIB.glob("*.jar"))
        if done.returncode != 0 or not any(j.startswith("kafka_2.13-") for j in jars):
            msg = f"fetching Kafka jars with {' '.join(cmd)} failed (exit {done.returncode}):\n"
            raise LocalKafkaError(msg + _tail(done.stdout + done.stderr))
        MARKER.write_text(json.dumps({"pom_sha256": digest, "jars": jars}, indent=1))
    return LIB


class LocalKafkaBroker:
    """One combined broker+controller KRaft node on 127.0.0.1, its data under ``data_dir``."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        scram_users: Mapping[str, str] | None = None,
        super_users: Sequence[str] = (),
        controller_port: int | None = None,
        start_timeout: float = 90.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.controller_port = controller_port
        self.scram_users = dict(scram_users or {})
        self.super_users = tuple(u if u.startswith("User:") else f"User:{u}" for u in super_users)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.security_protocol = "SASL_PLAINTEXT" if scram_users else "PLAINTEXT"
        self.sasl_mechanism: str | None = SCRAM_MECHANISM if scram_users else None
        self.log_path = self.data_dir / "broker.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        for name, password in self.scram_users.items():
            if not (SAFE_CREDENTIAL.fullmatch(name) and SAFE_CREDENTIAL.fullmatch(password)):
                msg = f"SCRAM user {name!r}: name and password must match {SAFE_CREDENTIAL.pattern}"
                raise LocalKafkaError(msg)

    @property
    def bootstrap(self) -> str:
        """The bootstrap address clients use, ``127.0.0.1:PORT``."""
        if self.port is None:
            msg = "the broker has no port yet: call start() first"
            raise LocalKafkaError(msg)
        return f"{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether this object's JVM is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, *, detach: bool = False) -> str:
        """Format on first use, start the JVM, wait until it answers clients; return bootstrap.

        ``detach`` leaves the broker running after this Python process exits (CLI background).
        """
        if self._proc is not None:
            return self.bootstrap
        fetch()
        java = _java()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        running = read_pid_file(self.data_dir)
        if running is not None:
            msg = f"a broker already runs on {self.data_dir} (pid {running[0]}, {running[1]})"
            raise LocalKafkaError(msg)
        self._choose_ports()
        props = self.data_dir / "server.properties"
        state = self._formatted_state()
        props.write_text(self._server_properties(state["broker_password"]))
        if not (self.data_dir / "kraft" / "meta.properties").exists():
            self._format(java, props, state)
        proc = self._launch(java, props, detach=detach)
        try:
            self._wait_until_ready(proc)
        except BaseException:
            self.stop()
            raise
        return self.bootstrap

    def stop(self) -> None:
        """Stop the JVM: SIGTERM to its process group, wait, then SIGKILL. Idempotent."""
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None:
            terminate_group(proc.pid, lambda: proc.poll() is not None, self.stop_timeout)
            proc.wait()
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / "broker.pid").unlink()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalKafkaBroker:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _launch(self, java: str, props: Path, *, detach: bool) -> subprocess.Popen[bytes]:
        """Start the JVM in its own process group, logging to ``broker.log``; write the pid file."""
        self._log = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            _jvm(java, "-Xms256m", "-Xmx512m", "kafka.Kafka", str(props)),
            cwd=self.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=None if detach else _parent_death_signal(),
        )
        if not detach:
            atexit.register(self.stop)
        pid_file = self.data_dir / "broker.pid"
        pid_file.write_text(json.dumps({"pid": self._proc.pid, "bootstrap": self.bootstrap}))
        return self._proc

    def _choose_ports(self) -> None:
        taken = {p for p in (self.port, self.controller_port) if p is not None}
        for port in taken:
            if not _port_is_free(port):
                msg = f"port {port} on {HOST} is in use: choose another --port/--controller-port"
                raise LocalKafkaError(msg)
        self.port = self.port or _free_port(taken)
        self.controller_port = self.controller_port or _free_port(taken | {self.port})

    def _formatted_state(self) -> dict[str, str]:
        """Read (or create) the cluster identity; refuse a data dir formatted for other users."""
        wanted = hashlib.sha256(json.dumps(sorted(self.scram_users.items())).encode()).hexdigest()
        path = self.data_dir / "cluster.json"
        if path.exists() and (self.data_dir / "kraft" / "meta.properties").exists():
            state: dict[str, str] = json.loads(path.read_text())
            if state.get("users_sha256") != wanted:
                msg = (
                    f"{self.data_dir} was formatted with other SCRAM users: remove the "
                    "directory or use another --data-dir"
                )
                raise LocalKafkaError(msg)
            return state
        shutil.rmtree(self.data_dir / "kraft", ignore_errors=True)
        return {
            "cluster_id": _cluster_id(),
            "users_sha256": wanted,
            "broker_password": base64.b32encode(os.urandom(20)).decode().lower(),
        }

    def _format(self, java: str, props: Path, state: dict[str, str]) -> None:
        tool = ("kafka.tools.StorageTool", "format", "-t", state["cluster_id"], "-c", str(props))
        cmd = _jvm(java, "-Xmx256m", *tool)
        if self.scram_users:
            users = {**self.scram_users, BROKER_USER: state["broker_password"]}
            for name, password in users.items():
                cmd += ["--add-scram", f"{SCRAM_MECHANISM}=[name={name},password={password}]"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            msg = f"formatting {self.data_dir / 'kraft'} failed (exit {done.returncode}):\n"
            raise LocalKafkaError(msg + _tail(done.stdout + done.stderr))
        (self.data_dir / "cluster.json").write_text(json.dumps(state, indent=1))

    def _server_properties(self, broker_password: str) -> str:
        protocol = self.security_protocol
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{HOST}:{self.controller_port}",
            "listeners": f"CLIENT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}",
            "advertised.listeners": f"CLIENT://{HOST}:{self.port}",
            "listener.security.protocol.map": f"CLIENT:{protocol},CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "CLIENT",
            "controller.listener.names": "CONTROLLER",
            "log.dirs": str(self.data_dir / "kraft"),
            **TOPIC_DEFAULTS,
        }
        if self.scram_users:
            props |= self._sasl_properties(broker_password)
        return "".join(f"{key}={value}\n" for key, value in props.items())

    def _sasl_properties(self, secret: str) -> dict[str, str]:
        """SCRAM for clients; PLAIN with one static user between broker and controller.

        The controller cannot use SCRAM (its credentials live in the metadata it serves), and a
        PLAINTEXT controller listener would make ``User:ANONYMOUS`` a required super user.
        """
        user, login = BROKER_USER, "org.apache.kafka.common.security"
        credentials = f'username="{user}" password="{secret}"'
        return {
            "listener.security.protocol.map": "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": SCRAM_MECHANISM,
            "listener.name.client.sasl.enabled.mechanisms": SCRAM_MECHANISM,
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "sasl.mechanism.inter.broker.protocol": SCRAM_MECHANISM,
            "sasl.mechanism.controller.protocol": "PLAIN",
            f"listener.name.client.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": (
                f"{login}.scram.ScramLoginModule required {credentials};"
            ),
            "listener.name.controller.plain.sasl.jaas.config": (
                f'{login}.plain.PlainLoginModule required {credentials} user_{user}="{secret}";'
            ),
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": ";".join(dict.fromkeys([f"User:{user}", *self.super_users])),
        }

    def _wait_until_ready(self, proc: subprocess.Popen[bytes]) -> None:
        """Wait for the "started" log line and an answered ApiVersions request."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            code = proc.poll()
            if code is not None:
                msg = f"the Kafka JVM exited with code {code} while starting; {self.log_path}:\n"
                raise LocalKafkaError(msg + _tail(self._read_log()))
            if READY_LINE in self._read_log() and api_versions_answered(HOST, self.port or 0):
                return
            if time.monotonic() > deadline:
                msg = (
                    f"Kafka did not answer on {self.bootstrap} within "
                    f"{self.start_timeout:.0f} s; {self.log_path}:\n"
                )
                raise LocalKafkaError(msg + _tail(self._read_log()))
            time.sleep(0.2)

    def _read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def api_versions_answered(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether a Kafka listener answers an ApiVersions v0 request without error."""
    client_id = b"ketenhub-probe"
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
            correlation_id, error_code = struct.unpack(">ih", _recv_exactly(sock, min(size, 6)))
    except (OSError, struct.error):
        return False
    return bool(correlation_id == 7 and error_code == 0)


def read_pid_file(data_dir: Path) -> tuple[int, str] | None:
    """The (pid, bootstrap) of the broker that runs on ``data_dir``, if one does."""
    try:
        info: dict[str, Any] = json.loads((data_dir / "broker.pid").read_text())
        cmdline = Path(f"/proc/{int(info['pid'])}/cmdline").read_bytes()
    except (OSError, ValueError, KeyError):
        return None
    if b"kafka.Kafka" not in cmdline or str(data_dir).encode() not in cmdline:
        return None
    return int(info["pid"]), str(info["bootstrap"])


def terminate_group(pid: int, exited: Callable[[], bool], timeout: float) -> None:
    """SIGTERM the process group ``pid`` leads, wait for ``exited()``, then SIGKILL it."""
    for sig, wait_s in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if exited():
                return
            time.sleep(0.1)
    msg = f"the Kafka JVM (pid {pid}) survived SIGKILL"
    raise LocalKafkaError(msg)


def _fetched(digest: str) -> bool:
    try:
        marker: dict[str, Any] = json.loads(MARKER.read_text())
    except (OSError, ValueError):
        return False
    jars: list[str] = marker.get("jars") or []
    complete = bool(jars) and all((LIB / jar).exists() for jar in jars)
    return complete and str(marker.get("pom_sha256")) == digest


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl  # POSIX only, like the rest of this script

    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _jvm(java: str, *args: str) -> list[str]:
    """The command line of a JVM on the Kafka jars; ``args`` are heap flags, class, arguments."""
    log4j = f"-Dlog4j.configuration={LOG4J.as_uri()}"
    return [java, "-Djava.awt.headless=true", log4j, "-cp", f"{LIB}/*", *args]


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        msg = "java (17 or newer) is not on PATH nor in JAVA_HOME: the Kafka broker needs it"
        raise LocalKafkaError(msg)
    return java


def _cluster_id() -> str:
    """A random KRaft cluster id, as ``kafka-storage random-uuid`` makes it."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _free_port(avoid: set[int]) -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if port not in avoid:
            return port


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM binds
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook that SIGKILLs the JVM when this process dies (Linux, main thread only).

    The kernel sends the signal when the *thread* that forked exits, so it is only set up from
    the main thread; ctypes is resolved here, not in the forked child.
    """
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def hook() -> None:
        prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG

    return hook


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            msg = "connection closed"
            raise OSError(msg)
        data += chunk
    return data


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: fetch, start, stop or status of the local broker; returns the exit code."""
    args = _parser().parse_args(argv)
    data_dir: Path = args.data_dir.resolve()
    if args.command == "fetch":
        print(fetch())
        return 0
    if args.command == "status":
        return _status(data_dir)
    if args.command == "stop":
        return _stop(data_dir)
    broker = LocalKafkaBroker(
        data_dir,
        args.port,
        controller_port=args.controller_port,
        scram_users=dict(spec.split("=", 1) for spec in args.scram_user),
        super_users=args.super_user,
    )
    try:
        bootstrap = broker.start(detach=not args.foreground)
    except LocalKafkaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Kafka {broker.security_protocol} on {bootstrap} (log {broker.log_path})", flush=True)
    return _run_in_foreground(broker) if args.foreground else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("command", choices=["fetch", "start", "stop", "status"])
    parser.add_argument(
        "--port", type=int, default=9092, help="client port (default 9092; 0 = any free port)"
    )
    parser.add_argument("--controller-port", type=int, default=9093, help="default 9093")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"cluster data, broker.log, pid (default {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--foreground", action="store_true", help="start: run until Ctrl-C, not in the background"
    )
    parser.add_argument(
        "--scram-user",
        action="append",
        default=[],
        metavar="NAME=PASSWORD",
        help="start: SASL_PLAINTEXT/SCRAM-SHA-512 with ACLs (users are set when first formatted)",
    )
    parser.add_argument("--super-user", action="append", default=[], metavar="NAME")
    return parser


def _status(data_dir: Path) -> int:
    running = read_pid_file(data_dir)
    if running is None:
        print(f"not running ({data_dir})")
        return 1
    host, _, port = running[1].rpartition(":")
    answers = api_versions_answered(host, int(port))
    print(f"running: pid {running[0]}, bootstrap {running[1]}, answering: {answers}")
    return 0


def _stop(data_dir: Path) -> int:
    running = read_pid_file(data_dir)
    if running is not None:
        terminate_group(running[0], lambda: read_pid_file(data_dir) is None, 30.0)
        (data_dir / "broker.pid").unlink(missing_ok=True)
    print("stopped" if running else f"not running ({data_dir})")
    return 0


def _run_in_foreground(broker: LocalKafkaBroker) -> int:
    stop_requested: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: stop_requested.append(signum))
    while broker.running and not stop_requested:
        time.sleep(0.5)
    broker.stop()
    return 0 if stop_requested else 1


if __name__ == "__main__":
    sys.exit(main())
