"""The in-process runner: drives ingest -> admit -> seal -> project over the embedded topic log.

One writer per data folder: the hub takes the writer lock (``writer_lock``) around a run. As a
second line of defence, each step opens its write transaction first (SQLite's ``BEGIN
IMMEDIATE``, so no other writer can commit until it ends) and then checks that the committed
chain head, checkpoints and positions are still the ones this process last saw; if another
writer moved them, the step raises ``WriterConflict`` with nothing written.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub import topics
from ketenhub.codec.single_object import decode_event
from ketenhub.core.checkpoint_records import decode_checkpoint, encode_checkpoint
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import Projector
from ketenhub.core.rejection import Rejection
from ketenhub.core.sealer import Refused, Sealed, Sealer
from ketenhub.core.sealing import decode_sealed, encode_sealed
from ketenhub.embedded.errors import WriterConflict
from ketenhub.topic_log import LogRecord, TopicLog, read_all

SEALER_GROUP = "hub-sealer"
PROJECTOR_GROUP = "hub-projector"
Clock = Callable[[], dt.datetime]
log = structlog.get_logger("ketenhub.embedded")


def utc_now() -> dt.datetime:
    """The hub's clock."""
    return dt.datetime.now(dt.UTC)


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
    """Feeds ingested messages, in timestamp order, to the core sealer; one transaction per batch."""

    def __init__(
        self,
        topic_log: TopicLog,
        registry: PartnerRegistry,
        signing_key: Ed25519PrivateKey,
        *,
        checkpoint_every: int = 64,
        clock: Clock = utc_now,
    ) -> None:
        self._log, self._registry, self._key = topic_log, registry, signing_key
        self._every, self._clock = checkpoint_every, clock
        self._recover()

    def _recover(self) -> None:
        self.sealer = Sealer(self._registry, self._key, self._every)
        self._positions = {
            topic: self._log.committed(SEALER_GROUP, topic) for topic in self._ingest_topics()
        }
        self._checkpoints = 0  # checkpoints first: the sealer keeps only the leaves after them
        for stored in read_all(self._log, topics.CHECKPOINTS):
            self.sealer.restore_checkpoint(decode_checkpoint(stored.value or b"", stored.offset))
            self._checkpoints = stored.offset + 1
        for stored in read_all(self._log, topics.AUDIT_LOG):
            self.sealer.restore_sealed(stored.offset, stored.value or b"", stored.headers)
        for partner in self._registry.partners:  # so an event refused before is refused once
            for stored in read_all(self._log, topics.rejected(partner.id)):
                self.sealer.restore_refused(stored.headers, stored.value)

    def step(self, limit: int = 256) -> RunStats:
        """Process up to ``limit`` ingested messages in one transaction; return what happened.

        Raises ``WriterConflict``, with nothing written, when another writer sealed, signed
        a checkpoint or moved a sealer position since this loop last read the log.
        """
        stats = RunStats()
        try:
            with self._log.transaction():
                self._check_unmoved()
                batch = self._next_batch(limit)
                for record in batch:
                    self._process(record, stats)
                    self._log.commit(SEALER_GROUP, record.topic, record.offset + 1)
                if not batch:
                    self._checkpoint(stats)
        except BaseException:
            self._recover()  # the transaction rolled back: forget what it did in memory
            raise
        for record in batch:
            self._positions[record.topic] = record.offset + 1
        self._checkpoints += stats.checkpoints
        return stats

    def _ingest_topics(self) -> list[str]:
        return [topics.ingest(partner.id) for partner in self._registry.partners]

    def _check_unmoved(self) -> None:
        """Inside the write transaction: raise WriterConflict unless the log is as last seen."""
        head = self.sealer.head
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

    def _next_batch(self, limit: int) -> list[LogRecord]:
        heads = [self._log.read(topic, start, limit) for topic, start in self._positions.items()]
        merged = heapq.merge(*heads, key=lambda r: (r.timestamp_us, r.topic, r.offset))
        return [record for _, record in zip(range(limit), merged, strict=False)]

    def _process(self, record: LogRecord, stats: RunStats) -> None:
        partner = self._registry.get(record.topic.removeprefix("ingest."))
        where = (record.topic, 0, record.offset)
        decision = self.sealer.decide(
            partner, record.value or b"", record.headers, where, self._clock()
        )
        if isinstance(decision, Sealed):
            self._log.append(
                topics.AUDIT_LOG, encode_sealed(decision.record), headers=decision.headers
            )
            stats.sealed += 1
            if self.sealer.checkpoint_due():
                self._checkpoint(stats)
        elif isinstance(decision, Refused):
            self._log.append(
                topics.rejected(partner.id), record.value, key=record.key, headers=decision.headers
            )
            stats.rejected += 1
            stats.rejections.append((partner.id, decision.rejection))
            log.info(
                "event_rejected",
                partner=partner.id,
                code=decision.rejection.code.value,
                offset=record.offset,
            )
        else:
            stats.duplicates += 1
            log.info("message_ignored", partner=partner.id, offset=record.offset, why=decision.why)

    def _checkpoint(self, stats: RunStats) -> None:
        checkpoint = self.sealer.checkpoint(self._clock())
        if checkpoint is not None:
            self._log.append(topics.CHECKPOINTS, encode_checkpoint(checkpoint))
            stats.checkpoints += 1


class ViewProjector:
    """Projects audit.log into ``view.<partner>``; state rebuilt from the committed prefix."""

    def __init__(self, topic_log: TopicLog, registry: PartnerRegistry) -> None:
        self._log, self._registry = topic_log, registry
        self._recover()

    def _recover(self) -> None:
        self.projector = Projector(self._registry)
        self.position = self._log.committed(PROJECTOR_GROUP, topics.AUDIT_LOG)
        for stored in read_all(self._log, topics.AUDIT_LOG, 0, self.position):
            record = decode_sealed(stored.value or b"", stored.offset)
            self.projector.apply(record, decode_event(record.payload))

    def step(self, limit: int = 256) -> RunStats:
        """Project up to ``limit`` sealed records in one transaction.

        Raises ``WriterConflict``, with nothing written, when another projector moved the
        committed position since this one last read it.
        """
        stats = RunStats()
        try:
            with self._log.transaction():
                committed = self._log.committed(PROJECTOR_GROUP, topics.AUDIT_LOG)
                if committed != self.position:
                    what = "the projector's position on audit.log"
                    raise WriterConflict(what, self.position, committed)
                batch = self._log.read(topics.AUDIT_LOG, self.position, limit)
                for stored in batch:
                    record = decode_sealed(stored.value or b"", stored.offset)
                    for change in self.projector.apply(record, decode_event(record.payload)):
                        self._log.append(
                            topics.view(change.partner),
                            change.view,
                            key=change.case_id.encode(),
                            headers=(("ketenhub_sequence", str(record.sequence).encode()),),
                        )
                        stats.views_written += 1
                    self._log.commit(PROJECTOR_GROUP, topics.AUDIT_LOG, stored.offset + 1)
        except BaseException:
            self._recover()
            raise
        self.position += len(batch)
        return stats


def run_until_idle(sealer: SealerLoop, projector: ViewProjector, *, batch: int = 256) -> RunStats:
    """Seal and project until no ingested message and no sealed record is left; return totals."""
    total = RunStats()
    while True:
        sealed = sealer.step(batch)
        projected = projector.step(batch)
        total.add(sealed)
        total.add(projected)
        progressed = (
            sealed.sealed or sealed.rejected or sealed.duplicates or projected.views_written
        )
        if not progressed and projector.position >= sealer.sealer.head.next_sequence:
            return total
