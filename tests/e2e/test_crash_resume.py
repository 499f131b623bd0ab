"""Crash and resume: the runner killed with SIGKILL mid-stream and restarted loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub import topics
from ketenhub.contract.base import Event
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import read_all

CASES = 600


def stream(*, refusals: bool = True) -> list[Event]:
    """3,000+ events: 600 cases taken to an action plan, with some refusals mixed in."""
    story, events = Story(), []
    for n in range(CASES):
        case = f"case-{n:04d}"
        events += [*story.through_research(case), story.plan(case, owners=("police", "heit"))]
        if refusals and n % 50 == 0:
            events.append(story.intake(case))  # out of order: refused
    return events


def load(data_dir: Path, events: list[Event]) -> None:
    with EmbeddedHub(data_dir, create=True) as hub, hub.log.transaction():
        for event in events:
            hub.publish(event)


def sealed_count(data_dir: Path) -> int:
    with sqlite3.connect(f"file:{data_dir / 'log.sqlite'}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM records WHERE topic = ?", (topics.AUDIT_LOG,)
        ).fetchone()
    return int(row[0])


def kill_when_sealed(data_dir: Path, threshold: int) -> int:
    """Start `ketenhub run`, SIGKILL it once ``threshold`` records are sealed; return the count then."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ketenhub", "run", "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline and process.poll() is None:
        count = sealed_count(data_dir)
        if count >= threshold:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    process.wait(timeout=30)
    return count


def outcome(hub: EmbeddedHub) -> tuple[list[str], dict[str, dict[str, bytes]], list[bytes | None]]:
    order = [
        decode_sealed(r.value or b"", r.offset).event_id
        for r in read_all(hub.log, topics.AUDIT_LOG)
    ]
    views = {p.id: hub.live_views(p.id) for p in hub.registry.partners}
    rejected = [r.value for r in read_all(hub.log, topics.rejected("municipality"))]
    return order, views, rejected


def calm_reference(
    tmp_path: Path,
) -> tuple[Path, tuple[list[str], dict[str, dict[str, bytes]], list[bytes | None]]]:
    """Two hubs loaded with the same stream: the outcome of an uninterrupted run of one, and the other."""
    events = stream()
    calm, crashed = tmp_path / "calm", tmp_path / "crashed"
    load(calm, events)
    load(crashed, events)
    with EmbeddedHub(calm) as hub:
        hub.run()
        return crashed, outcome(hub)


def test_killed_runner_resumes_to_the_same_result(tmp_path: Path) -> None:
    """Two SIGKILLs mid-stream, then a restart: same order, views and rejections as an uninterrupted run."""
    crashed, expected = calm_reference(tmp_path)
    total = len(expected[0])
    first = kill_when_sealed(crashed, total // 3)
    second = kill_when_sealed(crashed, 2 * total // 3)
    assert 0 < first < second < total, "the kills must land mid-stream"
    with EmbeddedHub(crashed) as hub:
        hub.run()
        got = outcome(hub)
        assert hub.verify().records == total
    assert len(set(got[0])) == len(got[0]) == total  # every event sealed exactly once
    assert got == expected
