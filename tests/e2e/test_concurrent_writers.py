"""Two pipeline runners on one data folder at once: one chain that verifies, each input decided once.

Each test queues a few thousand synthetic messages, then starts two `ketenhub run` (or two
`ketenhub publish`) processes on the same folder. The processes take turns through the
folder's writer lock; `kill -9` of either, mid-stream, still resumes to the calm result.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_crash_resume import calm_reference, load, outcome, sealed_count, stream

from ketenhub import topics
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.writer_lock import LOCK_FILE, WriterLock
from ketenhub.topic_log import read_all

KETENHUB = [sys.executable, "-m", "ketenhub"]
WAITING = "waiting for the writer with pid"


def start(*args: str, stdout: IO[str] | int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """Start ``ketenhub ARGS`` with its standard error readable line by line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    return subprocess.Popen(
        [*KETENHUB, *args], env=env, stdout=stdout, stderr=subprocess.PIPE, text=True
    )


def wait_until_waiting(process: subprocess.Popen[str]) -> str:
    """Read the process's standard error until it says it waits for the writer lock."""
    assert process.stderr is not None
    for line in process.stderr:
        if WAITING in line:
            return line
    pytest.fail(f"the process ended (exit {process.wait()}) without waiting for the writer lock")


def finish(process: subprocess.Popen[str]) -> None:
    """Wait for a started process; fail on a non-zero exit, showing its error output."""
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]


def decided_exactly_once(data_dir: Path) -> None:
    """Every ingested message has exactly one output (sealed or refused), the chain verifies."""
    with sqlite3.connect(f"file:{data_dir / 'log.sqlite'}?mode=ro", uri=True) as db:
        inputs = db.execute("SELECT COUNT(*) FROM records WHERE topic LIKE 'ingest.%'").fetchone()[
            0
        ]
        rows = db.execute(
            "SELECT headers FROM records WHERE topic = ? OR topic LIKE 'rejected.%'",
            (topics.AUDIT_LOG,),
        ).fetchall()
    origins = Counter(
        value
        for (headers,) in rows
        for name, value in json.loads(headers)
        if name == "ketenhub_input"
    )
    assert len(rows) == inputs
    assert len(origins) == inputs and set(origins.values()) == {1}
    verify(data_dir)


def verify(data_dir: Path) -> None:
    """`ketenhub verify` accepts the folder's chain (trusting its key when it asks for a pin)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    helptext = subprocess.run(
        [*KETENHUB, "verify", "--help"], env=env, capture_output=True, text=True, check=True
    ).stdout
    trust = ["--trust-on-first-use"] if "--trust-on-first-use" in helptext else []
    done = subprocess.run(
        [*KETENHUB, "verify", "--data-dir", str(data_dir), *trust],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_concurrent_runs_take_turns(tmp_path: Path) -> None:
    """Two `ketenhub run` started together on queued messages: one waits, each input is decided once."""
    data_dir = tmp_path / "hub"
    load(data_dir, stream())
    with WriterLock(data_dir):  # hold the folder, so that both runs start while it is taken
        runs = [start("run", "--data-dir", str(data_dir)) for _ in range(2)]
        for run in runs:
            assert f"{WAITING} {os.getpid()}" in wait_until_waiting(run)
    for run in runs:
        finish(run)
    decided_exactly_once(data_dir)


def test_two_concurrent_publishes_take_turns(tmp_path: Path) -> None:
    """Two `ketenhub publish` at once: both append while the folder is taken, then seal in turn."""
    data_dir = tmp_path / "hub"
    load(data_dir, stream(refusals=False))
    files = []
    for name in ("a", "b"):
        line = {
            "type": "SignalReceived",
            "occurred_at": "2025-11-05T10:00:00+01:00",
            "case_id": f"case-publish-{name}",
            "channel": "INTERNAL_ROUTE",
            "reporter_role": "ENFORCER",
            "exploitation_forms": ["LABOUR"],
            "indicators": ["LIVES_AT_WORK"],
            "location": {"municipality_code": "GM1916", "area_code": "2264"},
            "persons": [],
        }
        files.append(tmp_path / f"{name}.jsonl")
        files[-1].write_text(json.dumps(line) + "\n")
    ingest = topics.ingest("municipal-staff")
    with WriterLock(data_dir), EmbeddedHub(data_dir) as hub:
        queued = hub.log.end_offset(ingest)
        publishes = [
            start("publish", "--as", "municipal-staff", str(f), "--data-dir", str(data_dir))
            for f in files
        ]
        for publish in publishes:
            wait_until_waiting(publish)
        assert hub.log.end_offset(ingest) == queued + 2  # publishing goes on while a writer runs
    for publish in publishes:
        finish(publish)
    decided_exactly_once(data_dir)


@pytest.mark.parametrize("victim", ["holder", "waiter"])
def test_a_killed_concurrent_runner_resumes_cleanly(tmp_path: Path, victim: str) -> None:
    """SIGKILL of the lock's holder or of the waiting runner mid-stream: the result equals a calm run."""
    crashed, expected = calm_reference(tmp_path)
    total = len(expected[0])
    runs = [start("run", "--data-dir", str(crashed)) for _ in range(2)]
    threshold = random.randrange(total // 5, 4 * total // 5)
    while (count := sealed_count(crashed)) < threshold and all(r.poll() is None for r in runs):
        time.sleep(0.005)
    holder = int((crashed / LOCK_FILE).read_text())
    target = next(r for r in runs if (r.pid == holder) == (victim == "holder"))
    os.kill(target.pid, signal.SIGKILL)
    target.communicate(timeout=60)
    assert threshold <= count < total, "the kill must land mid-stream"
    survivor = next(r for r in runs if r is not target)
    finish(survivor)
    with EmbeddedHub(crashed) as hub:
        hub.run()
        assert outcome(hub) == expected
    decided_exactly_once(crashed)


def ingested_count(data_dir: Path, partner: str) -> int:
    """How many messages ``ingest.<partner>`` holds so far."""
    with sqlite3.connect(f"file:{data_dir / 'log.sqlite'}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM records WHERE topic = ?", (topics.ingest(partner),)
        ).fetchone()
    return int(row[0])


def signal_lines(path: Path, prefix: str, count: int, **fields: str) -> set[str]:
    """Write ``count`` signals of distinct cases to ``path``; return their case ids."""
    cases = {f"case-{prefix}-{n:04d}" for n in range(count)}
    path.write_text(
        "".join(
            json.dumps(
                {
                    "type": "SignalReceived",
                    "occurred_at": "2025-11-05T10:00:00+01:00",
                    "case_id": case,
                    "channel": "INTERNAL_ROUTE",
                    "reporter_role": "ENFORCER",
                    "exploitation_forms": ["LABOUR"],
                    "indicators": [],
                    "location": {"municipality_code": "GM1916", "area_code": "2264"},
                    "persons": [],
                    **fields,
                }
            )
            + "\n"
            for case in sorted(cases)
        )
    )
    return cases


def test_a_publish_killed_mid_file_beside_another_resumes_when_published_again(
    tmp_path: Path,
) -> None:
    """SIGKILL of one of two concurrent `publish`es at a random line: publishing its file again
    seals each line's event once (those already in are ignored duplicates), and it verifies."""
    data_dir = tmp_path / "hub"
    subprocess.run(
        [*KETENHUB, "init", "--data-dir", str(data_dir)], check=True, capture_output=True
    )
    lines = 400
    killed_file, other_file = tmp_path / "killed.jsonl", tmp_path / "other.jsonl"
    police = {"channel": "POLICE", "reporter_role": "POLICE_OFFICER"}
    expected = signal_lines(killed_file, "killed", lines) | signal_lines(
        other_file, "other", lines, **police
    )
    killed = start(
        "publish", "--as", "municipal-staff", str(killed_file), "--data-dir", str(data_dir)
    )
    other = start("publish", "--as", "police", str(other_file), "--data-dir", str(data_dir))
    threshold = random.randrange(lines // 4, 3 * lines // 4)
    while (count := ingested_count(data_dir, "municipal-staff")) < threshold:
        assert killed.poll() is None, "the publish to be killed ended early"
        time.sleep(0.002)
    os.kill(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=60)
    assert count < lines, "the kill must land mid-file"
    finish(other)

    again = start(
        "publish", "--as", "municipal-staff", str(killed_file), "--data-dir", str(data_dir)
    )
    finish(again)

    with EmbeddedHub(data_dir) as hub:
        sealed = [
            decode_sealed(r.value or b"", r.offset).case_id
            for r in read_all(hub.log, topics.AUDIT_LOG)
        ]
        refused = sum(hub.log.end_offset(topics.rejected(p)) for p in ("municipal-staff", "police"))
    assert sorted(c or "" for c in sealed) == sorted(expected)  # every line sealed, none twice
    assert refused == 0  # lines published again were duplicates, ignored, never refused
    verify(data_dir)  # every input sealed, refused or an ignored duplicate, exactly once
