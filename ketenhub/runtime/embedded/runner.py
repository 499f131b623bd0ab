"""The in-process runner: reads the embedded topic log, calls the pipeline, commits its effects.

One writer per data folder: the hub takes the writer lock (``writer_lock``) around a run. As a
second line of defence, each step opens its write transaction first (SQLite's ``BEGIN
IMMEDIATE``, so no other writer can commit until it ends) and then checks that the committed
chain head, checkpoints and positions are still the ones this process last saw; if another
writer moved them, the step raises ``WriterConflict`` with nothing written.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub import topics
from ketenhub.contract.base import Event
from ketenhub.core.input_ref import InputRef
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.rejection import Rejection
from ketenhub.core.sealer import Sealer
from ketenhub.core.sealing import SealedRecord, decode_sealed
from ketenhub.pipeline.effects import (
    AppendCheckpoint,
    AppendRejected,
    AppendSealed,
    AppendView,
    Effect,
)
from ketenhub.pipeline.outbox import Outbox
from ketenhub.pipeline.sealing_step import Clock, Input, SealingStep, utc_now
from ketenhub.pipeline.view_step import ViewStep
from ketenhub.runtime.embedded.errors import WriterConflict
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from ketenhub.runtime.embedded.sqlite_outbox import SqliteOutbox
from ketenhub.topic_log import LogRecord, TopicLog, read_all

SEALER_GROUP = "hub-sealer"
PROJECTOR_GROUP = "hub-projector"
RUN_GC_THRESHOLD = 100_000  # allocations between collections of the youngest generation
log = structlog.get_logger("ketenhub.runtime.embedded")
Decoded = tuple[SealedRecord, Event]  # a sealed record and its event


@dataclass
class RunStats:
    """What one run of the pipeline did."""

    sealed: int = 0
    rejected: int = 0
    duplicates: int = 0
    checkpoints: int = 0
    views_written: int = 0
    rejections: list[tuple[str, Rejection]] = field(default_factory=list)

    def add(self, other: RunStats) -> None:
        """Add another run's counts to this one."""
        self.sealed += other.sealed
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        self.checkpoints += other.checkpoints
        self.views_written += other.views_written
        self.rejections.extend(other.rejections)


class SealerLoop:
    """Reads ingested messages in arrival order, decides them with the pipeline, commits the effects."""

    def __init__(
        self,
        topic_log: SqliteTopicLog,
        registry: PartnerRegistry,
        signing_key: Ed25519PrivateKey,
        *,
        checkpoint_every: int = 64,
        clock: Clock = utc_now,
    ) -> None:
        self._log, self._registry, self._key = topic_log, registry, signing_key
        self._every, self._clock = checkpoint_every, clock
        self._outbox: Outbox[None] = SqliteOutbox(topic_log, SEALER_GROUP, self._check_unmoved)
        self.sealed: list[Decoded] = []  # what the last step sealed, decoded: for the projector
        self._recover()

    @property
    def sealer(self) -> Sealer:
        """The core sealer behind the pipeline."""
        return self.pipeline.sealer

    def _recover(self) -> None:
        self.pipeline = SealingStep(self._registry, self._key, self._every, self._clock)
        self._positions = {
            topic: self._log.committed(SEALER_GROUP, topic) for topic in self._ingest_topics()
        }
        checkpoints = list(read_all(self._log, topics.CHECKPOINTS))
        rejected = (
            record
            for partner in self._registry.partners  # so an event refused before is refused once
            for record in read_all(self._log, topics.rejected(partner.id))
        )
        self.pipeline.restore(checkpoints, read_all(self._log, topics.AUDIT_LOG), rejected)
        self._checkpoints, self._seen = len(checkpoints), self.sealer.head

    def step(self, limit: int = 256) -> RunStats:
        """Decide up to ``limit`` ingested messages and commit them in one transaction.

        When none is pending, sign a checkpoint over what is not covered yet. Raises
        ``WriterConflict``, with nothing written, when another writer sealed, signed a
        checkpoint or moved a sealer position since this loop last read the log.
        """
        batch = self._log.read_arrivals(self._positions, limit)
        try:
            if batch:
                effects = self.pipeline.decide([self._input(record) for record in batch])
            else:
                effects = self.pipeline.checkpoint()
            self._outbox.commit(effects)
        except BaseException:
            self._recover()  # the transaction rolled back: forget what it did in memory
            raise
        for record in batch:
            self._positions[record.topic] = record.offset + 1
        self.sealed = [
            (e.sealed, e.event)
            for e in effects
            if isinstance(e, AppendSealed) and e.sealed is not None and e.event is not None
        ]
        stats = sealing_stats(effects, len(batch))
        self._checkpoints += stats.checkpoints
        self._seen = self.sealer.head
        return stats

    def _ingest_topics(self) -> list[str]:
        return [topics.ingest(partner.id) for partner in self._registry.partners]

    def _input(self, record: LogRecord) -> Input:
        partner = record.topic.removeprefix("ingest.")
        ref = InputRef(record.topic, 0, record.offset)
        return Input(ref, partner, record.value, record.headers)

    def _check_unmoved(self) -> None:
        """Inside the write transaction: raise WriterConflict unless the log is as last seen."""
        head = self._seen
        end = self._log.end_offset(topics.AUDIT_LOG)
        if end != head.next_sequence:
            what = "the end of audit.log"
            raise WriterConflict(what, head.next_sequence, end)
        if end > 0:
            last = self._log.read(topics.AUDIT_LOG, end - 1, 1)[0]
            found = decode_sealed(last.value or b"", last.offset).hash
            if found != head.last_hash:
                what = f"the last record of audit.log (offset {end - 1})"
                raise WriterConflict(what, f"hash {head.last_hash.hex()}", f"hash {found.hex()}")
        signed = self._log.end_offset(topics.CHECKPOINTS)
        if signed != self._checkpoints:
            what = "the end of audit.checkpoints"
            raise WriterConflict(what, self._checkpoints, signed)
        for topic, seen in self._positions.items():
            committed = self._log.committed(SEALER_GROUP, topic)
            if committed != seen:
                what = f"the sealer's position on {topic}"
                raise WriterConflict(what, seen, committed)


def sealing_stats(effects: Sequence[Effect], inputs: int) -> RunStats:
    """Count what a batch of sealing effects does, and log each rejection."""
    stats = RunStats()
    for effect in effects:
        if isinstance(effect, AppendSealed):
            stats.sealed += 1
        elif isinstance(effect, AppendRejected):
            stats.rejected += 1
            stats.rejections.append((effect.partner, effect.rejection))
            code = effect.rejection.code.value
            log.info("event_rejected", partner=effect.partner, code=code)
        elif isinstance(effect, AppendCheckpoint):
            stats.checkpoints += 1
    stats.duplicates = inputs - stats.sealed - stats.rejected
    return stats


class ViewProjector:
    """Reads audit.log, projects it with the pipeline, commits the views with the position."""

    def __init__(self, topic_log: TopicLog, registry: PartnerRegistry) -> None:
        self._log, self._registry = topic_log, registry
        self._outbox: Outbox[None] = SqliteOutbox(topic_log, PROJECTOR_GROUP, self._check_unmoved)
        self._recover()

    def _recover(self) -> None:
        self.pipeline = ViewStep(self._registry)
        self.position = self._log.committed(PROJECTOR_GROUP, topics.AUDIT_LOG)
        self.pipeline.restore(read_all(self._log, topics.AUDIT_LOG, 0, self.position))
        self._handed: dict[int, Decoded] = {}

    def hand(self, sealed: Sequence[Decoded]) -> None:
        """Take records the sealer of this process committed to audit.log, with their events.

        The next steps project them as handed instead of reading and decoding them again;
        records not handed are read from audit.log.
        """
        for passed in [offset for offset in self._handed if offset < self.position]:
            del self._handed[passed]  # read from audit.log meanwhile
        for record, event in sealed:
            if record.sequence >= self.position:
                self._handed[record.sequence] = (record, event)

    def step(self, limit: int = 256) -> RunStats:
        """Project up to ``limit`` sealed records in one transaction.

        Raises ``WriterConflict``, with nothing written, when another projector moved the
        committed position since this one last read it.
        """
        try:
            handed = self._take_handed(limit)
            if handed:
                effects, count = self.pipeline.project_decoded(handed), len(handed)
            else:
                batch = self._log.read(topics.AUDIT_LOG, self.position, limit)
                effects, count = self.pipeline.project(batch), len(batch)
            self._outbox.commit(effects)
        except BaseException:
            self._recover()
            raise
        self.position += count
        return RunStats(views_written=sum(isinstance(e, AppendView) for e in effects))

    def _take_handed(self, limit: int) -> list[Decoded]:
        """The handed records from the position on, as many as follow each other (up to ``limit``)."""
        taken: list[Decoded] = []
        while len(taken) < limit and (self.position + len(taken)) in self._handed:
            taken.append(self._handed.pop(self.position + len(taken)))
        return taken

    def _check_unmoved(self) -> None:
        committed = self._log.committed(PROJECTOR_GROUP, topics.AUDIT_LOG)
        if committed != self.position:
            what = "the projector's position on audit.log"
            raise WriterConflict(what, self.position, committed)


def run_until_idle(sealer: SealerLoop, projector: ViewProjector, *, batch: int = 256) -> RunStats:
    """Seal and project until no ingested message and no sealed record is left; return totals."""
    with fewer_collections():
        return _run_until_idle(sealer, projector, batch)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the garbage collector less often while the pipeline runs.

    The sealer's ledger and the projector's case states grow and are kept; each full
    collection walks all of them for nothing. A larger first threshold makes collections
    rare; the thresholds in force before are restored afterwards.
    """
    before = gc.get_threshold()
    gc.set_threshold(RUN_GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _run_until_idle(sealer: SealerLoop, projector: ViewProjector, batch: int) -> RunStats:
    total = RunStats()
    while True:
        sealed = sealer.step(batch)
        projector.hand(sealer.sealed)
        projected = projector.step(batch)
        total.add(sealed)
        total.add(projected)
        progressed = (
            sealed.sealed or sealed.rejected or sealed.duplicates or projected.views_written
        )
        if not progressed and projector.position >= sealer.sealer.head.next_sequence:
            return total
