"""One writer per data folder: the writer lock, and a stale writer refused inside its transaction."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub import topics
from ketenhub.runtime.embedded.errors import WriterBusy, WriterConflict
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.runner import (
    PROJECTOR_GROUP,
    SEALER_GROUP,
    SealerLoop,
    ViewProjector,
)
from ketenhub.runtime.embedded.writer_lock import LOCK_FILE, WriterLock


@pytest.fixture
def hub(tmp_path: Path) -> EmbeddedHub:
    """A hub with 30 signals queued on ingest.municipal-staff and nothing sealed yet."""
    story = Story()
    opened = EmbeddedHub(tmp_path / "hub", create=True, checkpoint_every=8)
    for n in range(30):
        opened.publish(story.signal(case=f"case-{n}"))
    return opened


def snapshot(hub: EmbeddedHub) -> dict[str, int]:
    """End offsets of every topic and the pipeline's positions."""
    ends = {topic: hub.log.end_offset(topic) for topic in hub.log.topics()}
    ingest = topics.ingest("municipal-staff")
    ends["sealer position"] = hub.log.committed(SEALER_GROUP, ingest)
    ends["projector position"] = hub.log.committed(PROJECTOR_GROUP, topics.AUDIT_LOG)
    return ends


def sealer(hub: EmbeddedHub) -> SealerLoop:
    return SealerLoop(hub.log, hub.registry, hub.signing_key, checkpoint_every=8)


def test_a_stale_sealer_is_refused_and_writes_nothing(hub: EmbeddedHub) -> None:
    """Two sealers over one file without the lock: the one whose chain head is stale fails, writing nothing."""
    first, second = sealer(hub), sealer(hub)
    assert first.step(10).sealed == 10
    before = snapshot(hub)
    with pytest.raises(WriterConflict, match=r"audit\.log") as caught:
        second.step(10)
    assert "nothing of this batch was written" in str(caught.value)
    assert snapshot(hub) == before
    assert second.step(10).sealed == 10  # it recovered from the log and continues the one chain
    with pytest.raises(WriterConflict):
        first.step(10)  # now the first one is stale in turn
    assert first.step(10).sealed == 10
    assert hub.verify().records == 30


def test_a_stale_sealer_is_refused_when_only_positions_moved(hub: EmbeddedHub) -> None:
    """A sealer whose positions were moved by another (a refusal, no new record) is refused too."""
    stale = sealer(hub)
    ingest = topics.ingest("municipal-staff")
    hub.log.commit(SEALER_GROUP, ingest, 1)  # as another writer that refused input 0 would
    before = snapshot(hub)
    with pytest.raises(WriterConflict, match=r"position on ingest\.municipal-staff"):
        stale.step(10)
    assert snapshot(hub) == before


def test_a_stale_projector_is_refused_and_writes_nothing(hub: EmbeddedHub) -> None:
    """Two projectors over one file: the one whose position is stale fails and writes no view."""
    sealer(hub).step(30)
    first = ViewProjector(hub.log, hub.registry)
    second = ViewProjector(hub.log, hub.registry)
    assert first.step(10).views_written > 0
    before = snapshot(hub)
    with pytest.raises(WriterConflict, match="projector's position"):
        second.step(10)
    assert snapshot(hub) == before


def test_the_lock_file_is_private_and_holds_only_the_pid(tmp_path: Path) -> None:
    """writer.lock is created 0600 and holds its holder's process id and nothing else."""
    with WriterLock(tmp_path):
        path = tmp_path / LOCK_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text() == f"{os.getpid()}\n"


def test_a_second_writer_waits_then_names_the_holder(hub: EmbeddedHub) -> None:
    """While another writer holds the lock, run() says it waits and then refuses naming the pid."""
    told: list[str] = []
    with WriterLock(hub.data_dir):
        with pytest.raises(WriterBusy) as caught:
            hub.run(wait_s=0.2, notify=told.append)
        assert f"process {os.getpid()}" in str(caught.value)
        assert told == [
            f"waiting for the writer with pid {os.getpid()} to finish sealing {hub.data_dir} "
            "(up to 0.2 s)…"
        ]
        assert hub.log.end_offset(topics.AUDIT_LOG) == 0
    assert hub.run().sealed == 30  # released: the next run goes ahead


def test_run_with_no_wait_refuses_at_once_naming_the_holder(hub: EmbeddedHub) -> None:
    """`ketenhub run --wait 0` while another process holds the lock: one line naming the pid, exit 1, nothing sealed."""
    import subprocess

    with WriterLock(hub.data_dir, wait_s=0):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ketenhub",
                "run",
                "--wait",
                "0",
                "--data-dir",
                str(hub.data_dir),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"process {os.getpid()}" in done.stderr
    assert hub.log.end_offset(topics.AUDIT_LOG) == 0
