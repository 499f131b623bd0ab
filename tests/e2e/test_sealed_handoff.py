"""Within one run the projector takes the sealer's decoded records; the output stays byte for byte the same."""

from __future__ import annotations

import datetime as dt
import gc
import shutil
from pathlib import Path

import pytest

from ketenhub import topics
from ketenhub.codec import single_object
from ketenhub.contract.base import Event
from ketenhub.demo.scenario import build_year
from ketenhub.pipeline import view_step
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.runner import RUN_GC_THRESHOLD, RunStats, SealerLoop, ViewProjector

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
Dump = list[tuple[str, int, bytes | None, bytes | None, tuple[tuple[str, bytes], ...]]]


def published(folder: Path) -> Path:
    """A hub holding one synthetic demo year, published and not yet sealed."""
    with EmbeddedHub(folder, create=True) as hub, hub.log.transaction():
        for message in build_year(2025, protector=hub.protector):
            hub.publish_raw(message.partner, message.value, message.headers)
    return folder


def everything(folder: Path) -> tuple[Dump, list[tuple[str, str, int]]]:
    """Every record of every topic (timestamps aside) and every consumer position."""
    with EmbeddedHub(folder) as hub:
        dump = [
            (topic, r.offset, r.key, r.value, r.headers)
            for topic in hub.log.topics()
            for r in hub.records(topic)
        ]
        positions = hub.log._db.execute("SELECT * FROM positions ORDER BY 1, 2").fetchall()
    return dump, positions


def test_one_run_writes_the_same_bytes_as_projecting_from_stored_records(tmp_path: Path) -> None:
    """A run handing decoded records to the projector and one reading audit.log back write the same."""
    template = published(tmp_path / "template")
    handed, stored = tmp_path / "handed", tmp_path / "stored"
    shutil.copytree(template, handed)
    shutil.copytree(template, stored)
    with EmbeddedHub(handed, clock=lambda: NOW) as hub:
        assert hub.run(batch=100).sealed > 500
    with EmbeddedHub(stored, clock=lambda: NOW) as hub:
        sealer = SealerLoop(hub.log, hub.registry, hub.signing_key, clock=lambda: NOW)
        projector = ViewProjector(hub.log, hub.registry)
        while sealer.step(100).sealed:
            projector.step(100)  # nothing handed: it reads and decodes audit.log
        while projector.step(100).views_written:
            pass
    assert everything(handed) == everything(stored)


def test_within_one_run_the_projector_decodes_no_stored_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events the sealer decoded are projected as handed, without decoding audit.log again."""
    folder = published(tmp_path / "hub")
    decoded = count_projector_decodes(monkeypatch)
    with EmbeddedHub(folder, clock=lambda: NOW) as hub:
        assert hub.run(batch=100).sealed > 500
    assert decoded == []


def test_records_sealed_before_a_restart_are_projected_from_audit_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records sealed by a run that stopped before projecting them are read back and projected."""
    folder = published(tmp_path / "hub")
    decoded = count_projector_decodes(monkeypatch)
    with EmbeddedHub(folder, clock=lambda: NOW) as hub:
        sealer = SealerLoop(hub.log, hub.registry, hub.signing_key, clock=lambda: NOW)
        assert sealer.step(50).sealed > 0  # then the process stops before projecting
        hub.run(batch=100)
        total = hub.log.end_offset(topics.AUDIT_LOG)
        assert 0 < len(decoded) < total
        views = {p.id: hub.live_views(p.id) for p in hub.registry.partners}
        rebuilt = hub.rebuilt_views()
    assert views == {p.id: rebuilt.views(p.id) for p in hub.registry.partners}


def count_projector_decodes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Record every event payload the view step decodes from a stored record."""
    decoded: list[bytes] = []

    def counting(value: bytes) -> Event:
        decoded.append(value)
        return single_object.decode_event(value)

    monkeypatch.setattr(view_step, "decode_event", counting)
    return decoded


def test_a_run_collects_garbage_less_often_and_restores_the_thresholds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the pipeline runs the first collector threshold is raised; afterwards it is as before."""
    folder = published(tmp_path / "hub")
    seen: list[int] = []
    step = SealerLoop.step

    def watched(self: SealerLoop, limit: int = 256) -> RunStats:
        seen.append(gc.get_threshold()[0])
        return step(self, limit)

    monkeypatch.setattr(SealerLoop, "step", watched)
    before = gc.get_threshold()
    with EmbeddedHub(folder, clock=lambda: NOW) as hub:
        hub.run(batch=100)
    assert seen and set(seen) == {RUN_GC_THRESHOLD} != {before[0]}
    assert gc.get_threshold() == before
