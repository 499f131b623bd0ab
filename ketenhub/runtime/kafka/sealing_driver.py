"""The sealer on Kafka: decides ingested messages in batches, writes with an idempotent producer,
and re-synchronises with its own outputs (audit.log is the source of truth) before each batch.

Only the newest claimant of the sealer role writes: a zombie sealer is fenced before its next
batch (``ketenhub.runtime.kafka.sealer_fence``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import structlog
from aiokafka import TopicPartition
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.sealer import Sealer
from ketenhub.errors import ChainBroken
from ketenhub.pipeline.effects import AppendRejected, AppendSealed, Effect
from ketenhub.pipeline.outbox import Outbox
from ketenhub.pipeline.sealing_step import Clock, Input, SealingStep, utc_now
from ketenhub.runtime.kafka.idle_work import IdleWork
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.outbox import KafkaOutbox, LandedEffects
from ketenhub.runtime.kafka.record_batches import (
    end_offsets_client,
    idempotent_producer,
    stop_within,
)
from ketenhub.runtime.kafka.sealer_fence import (
    FENCE_KEY,
    SealerFenced,
    SealerOverlap,
    claim_value,
    fence_topic,
)
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics
from ketenhub.runtime.kafka.transient import transient, until_stored
from ketenhub.topic_log import LogRecord
from ketenhub.topics import TopicNames

log = structlog.get_logger("ketenhub.streams.sealer")


class KafkaSealer:
    """The core sealer driven from Faust: one instance per worker, active where its input is assigned."""

    def __init__(
        self,
        settings: KafkaSettings,
        registry: PartnerRegistry,
        key: Ed25519PrivateKey,
        clock: Clock = utc_now,
    ) -> None:
        self._settings, self._registry, self._key, self._clock = settings, registry, key, clock
        self._names = TopicNames(settings.topic_prefix)
        self.pipeline = SealingStep(registry, key, settings.checkpoint_every, clock)
        self._outbox: Outbox[Awaitable[None]] = KafkaOutbox(
            lambda: self._producer, self._names, self._landed
        )
        self._positions: dict[tuple[str, int], int] = {}
        self._producer: Any = None
        self._reader: KafkaLogReader | None = None
        self._offsets: Any = None  # an aiokafka client asking for end offsets
        self._fence = fence_topic(settings)
        self.epoch: int | None = None  # the offset of this sealer's claim on the fence topic
        self.fenced: SealerFenced | None = None
        self._stale = False  # a write of the idle timer failed: renew before writing again
        self._idle = IdleWork()  # the idle checkpoint under way, which ``stop`` preempts
        self._starting = False  # ``start`` is reading back (or waiting for the cluster)
        self._claim_when_started = False  # the input was assigned while ``start`` ran
        self.lock = asyncio.Lock()

    @property
    def sealer(self) -> Sealer:
        """The core sealer behind the pipeline."""
        return self.pipeline.sealer

    async def start(self) -> None:
        """Start the idempotent producer and read back everything written so far.

        Under the sealer's lock, as every step that reads the log back or writes: two read-backs
        at once (the seal agent starting while the idle timer checkpoints) would restore the
        same records twice. With the cluster out of reach (a worker starting while the broker
        restarts) it tries again, waiting longer each time: the seal agent does not end.
        """
        self._starting = True
        try:
            async with self.lock:
                await until_stored("start", self._start, _nothing)
                if self._claim_when_started:
                    self._claim_when_started = False
                    await self._claim_or_postpone()
        finally:
            self._starting = False

    async def stop(self) -> None:
        """Flush and stop the producer (within ``STOP_FLUSH_S``); close the reader.

        An idle checkpoint under way is cancelled first: with the cluster out of reach it would
        hold the lock until its requests time out (``kafka_write_timeout_s``), and a stopping
        worker would wait for it. Whether or not it landed, the next sealer reads it back.
        """
        self._idle.preempt()
        async with self.lock:
            await self._stop(stop_within)

    async def _start(self) -> None:
        if self.fenced is not None:
            raise self.fenced
        if self._producer is not None:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, ensure_topics, self._settings, [self._fence])
            self._producer = idempotent_producer(self._settings)
            await self._producer.start()
            await self._catch_up()
        except BaseException:  # a start that failed part-way leaves nothing half-read behind
            await self._forget()
            raise

    async def _forget(self) -> None:
        """Drop the clients and everything read back or decided in memory (audit.log is read
        back again by the next start)."""
        try:
            await self._stop(stop_within)
        except Exception as error:  # a producer that cannot flush is dropped all the same
            log.warning("sealer_producer_dropped", error=type(error).__name__)
        self.pipeline = SealingStep(
            self._registry, self._key, self._settings.checkpoint_every, self._clock
        )
        self._positions = {}

    async def _stop(self, stop_producer: Callable[[Any], Awaitable[None]] | None = None) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await (producer.stop() if stop_producer is None else stop_producer(producer))
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._offsets is not None:
            offsets, self._offsets = self._offsets, None
            await offsets.stop()

    async def recover(self) -> None:
        """Start afresh from the log after a write that may have failed part-way.

        Whatever the failed batch left in memory is dropped: audit.log, the checkpoints and the
        rejections are read back (what landed counts, its inputs recognised by their origin),
        and a new producer is started. The claim on the role stays; the fence is checked before
        the next batch as always.
        """
        async with self.lock:
            await self._renew()

    async def _renew(self) -> None:
        self._stale = True  # until it has succeeded: a renewal that fails is tried again first
        await self._forget()
        await self._start()
        self._stale = False
        log.info("sealer_recovered", next_sequence=self.sealer.head.next_sequence)

    def serving(self) -> bool:
        """Whether this sealer claimed the role, is started and was not fenced since."""
        return self.epoch is not None and self.fenced is None and self._producer is not None

    async def claim(self) -> None:
        """Claim the sealer role (on assignment of its input): every earlier claimant is fenced.

        An assignment makes this worker the owner again even if it was fenced before (the
        partition moved away and back): it then starts afresh from the log and claims anew.
        A cluster out of reach postpones the claim (``sealer_claim_postponed``): the sealer
        claims before its first batch anyway, with a new producer (the claim may have landed).
        A sealer that never claimed and is still starting claims once started: waiting for its
        start here held up the consumer group's rebalance (Faust runs this in it) until the
        group dropped the worker, which then had to join again.
        """
        if self._starting and self.epoch is None:
            self._claim_when_started = True
            return
        async with self.lock:
            if self.fenced is not None:
                log.info("sealer_role_reclaimed", fenced_epoch=self.fenced.epoch)
                self.fenced, self.epoch = None, None
            await self._claim_or_postpone()

    async def _claim_or_postpone(self) -> None:
        try:
            await self._claim()
        except Exception as error:
            if not transient(error):
                raise
            self._stale = True
            log.warning("sealer_claim_postponed", error=type(error).__name__)

    async def _claim(self) -> None:
        await self._start()
        stored = await self._producer.send_and_wait(
            self._fence.name, value=claim_value(), key=FENCE_KEY
        )
        self.epoch = stored.offset
        log.info("sealer_role_claimed", epoch=self.epoch)

    async def _catch_up(self) -> dict[tuple[str, int], int]:
        """Read outputs this instance has not seen (after a restart, or written by another worker).

        Returns the end offsets it read up to, the fence topic's included. The ends are asked
        for on the event loop, in one request; the records, when there are any to read, are
        read in a thread.
        """
        ends = await self._ends()
        if self._behind(ends):
            await asyncio.get_running_loop().run_in_executor(None, self._restore, ends)
        return ends

    async def _ends(self) -> dict[tuple[str, int], int]:
        """The end offsets of the topics the sealer writes and of the fence (one partition each)."""
        if self._offsets is None:
            self._offsets = end_offsets_client(self._settings)
            await self._offsets.start()
        rejected = [self._names.rejected(p.id) for p in self._registry.partners]
        topics = [self._names.audit_log, self._names.checkpoints, *rejected, self._fence.name]
        found = await self._offsets.end_offsets([TopicPartition(t, 0) for t in topics])
        return {(tp.topic, tp.partition): end for tp, end in found.items()}

    def _behind(self, ends: dict[tuple[str, int], int]) -> bool:
        """Whether a topic the sealer writes holds records this instance has not seen."""
        for (topic, partition), end in ends.items():
            if topic == self._names.audit_log:
                seen = self.sealer.head.next_sequence
            else:
                seen = self._positions.get((topic, partition), 0)
            if topic != self._fence.name and seen < end:
                return True
        return False

    async def _check_fence(self, ends: dict[tuple[str, int], int]) -> None:
        """Stop for good, writing nothing, when a sealer claimed the role after this one."""
        newest = ends.get((self._fence.name, 0), 0) - 1
        if self.epoch is None or newest > self.epoch:
            await self._stop_fenced(SealerFenced(self.epoch, newest))

    async def _stop_fenced(self, fenced: SealerFenced) -> None:
        self.fenced = fenced
        log.error("sealer_fenced", epoch=fenced.epoch, newest=fenced.newest, error=str(fenced))
        await self._stop()
        raise fenced

    def _restore(self, ends: dict[tuple[str, int], int]) -> None:
        if self._reader is None:
            self._reader = KafkaLogReader(self._settings)
        rejected = [self._names.rejected(p.id) for p in self._registry.partners]
        # checkpoints first: the sealer keeps only the leaf hashes sealed after the last one
        self.pipeline.restore(
            self._new(self._names.checkpoints, ends),
            self._new(self._names.audit_log, ends),
            (record for topic in rejected for record in self._new(topic, ends)),
        )

    def _new(self, topic: str, ends: dict[tuple[str, int], int]) -> Iterator[LogRecord]:
        """Records of ``topic`` this instance has not seen: not written by it, or before its start."""
        assert self._reader is not None
        for (name, partition), end in ends.items():
            if name != topic:
                continue
            start = self._positions.get((topic, partition), 0)
            if topic == self._names.audit_log:
                start = self.sealer.head.next_sequence
            if start < end:
                yield from self._reader.records(topic, partition, start, end)
            self._positions[(topic, partition)] = end

    def _written(self, stored: Sequence[Any]) -> None:
        """Remember our own writes, so that catching up does not read them back."""
        for meta in stored:
            key = (meta.topic, meta.partition)
            if self._positions.get(key, 0) == meta.offset:
                self._positions[key] = meta.offset + 1

    def chain_head(self) -> str:
        """The chain head as stored in the changelog-backed ``chain-head`` table."""
        head = self.sealer.head
        return json.dumps({"next_sequence": head.next_sequence, "last_hash": head.last_hash.hex()})

    def check_chain_head(self, stored: str | None) -> None:
        """Refuse to continue when the table recorded more sealed records than audit.log holds.

        A restarted or moved sealer continues from audit.log (the single total order); the
        table, kept in its own changelog, witnesses where the chain stood. If the table is
        ahead, records were lost from audit.log, and sealing on would hide that.
        """
        if stored is None:
            return
        recorded = json.loads(stored)
        head = self.sealer.head
        if recorded["next_sequence"] > head.next_sequence:
            raise ChainBroken(
                head.next_sequence,
                f"the chain-head table recorded {recorded['next_sequence']} sealed records but "
                f"audit.log holds {head.next_sequence}: records were lost; refusing to continue",
            )
        if (
            recorded["next_sequence"] == head.next_sequence
            and recorded["last_hash"] != head.last_hash.hex()
        ):
            raise ChainBroken(
                head.next_sequence - 1,
                "the last record of audit.log is not the one the chain-head table recorded",
            )

    async def decide_batch(
        self, inputs: Sequence[Input], chain_head: str | None = None
    ) -> dict[str, int]:
        """Decide a batch of inputs (``decide``); how many were sealed, rejected, ignored."""
        return decision_counts(await self.decide(inputs, chain_head), len(inputs))

    async def decide(self, inputs: Sequence[Input], chain_head: str | None = None) -> list[Effect]:
        """Decide a batch of inputs in the order given, write every output and wait until all are stored.

        Returns the effects written. Raises ``SealerFenced``, having written nothing, when
        another sealer claimed the role since this one did (this sealer then stays stopped).
        """
        async with self.lock:
            if self.fenced is not None:
                raise self.fenced
            if self._stale:
                await self._renew()
            if self.epoch is None:
                await self._claim()
            await self._check_fence(await self._catch_up())
            self.check_chain_head(chain_head)
            effects = self.pipeline.decide(inputs)
            await self._outbox.commit(effects)
        return effects

    async def checkpoint_if_idle(self) -> bool:
        """Sign a checkpoint over everything sealed, unless a batch is being decided right now.

        When this fails part-way (the cluster out of reach), the checkpoint may or may not have
        landed and the producer's sequence numbers may be off: before its next write the sealer
        starts afresh from the log with a new producer, as after a failed batch (``recover``).
        ``stop`` cancels it (then it returns False).
        """
        if self.lock.locked() or self.epoch is None:
            return False
        return await self._idle.run(self._checkpoint_idle(), preempted=False)

    async def _checkpoint_idle(self) -> bool:
        if self.lock.locked():
            return False  # a batch started meanwhile
        async with self.lock:
            if self.fenced is not None or (self._producer is None and not self._stale):
                return False  # fenced, or stopped
            try:
                if self._stale:
                    await self._renew()
                await self._check_fence(await self._catch_up())
                effects = self.pipeline.checkpoint()
                await self._outbox.commit(effects)
            except SealerFenced:
                return False  # logged where it was found; the seal agent stops on its next batch
            except BaseException:  # failed or cancelled part-way: renew before writing again
                self._stale = True
                raise
            return bool(effects)

    async def _landed(self, landed: LandedEffects) -> None:
        """Remember our own writes; stop for good when a sealed record landed off its sequence."""
        self._written([meta for _, meta in landed])
        for effect, meta in landed:
            if isinstance(effect, AppendSealed) and meta.offset != effect.sequence:
                await self._stop_fenced(SealerOverlap(self.epoch, effect.sequence, meta.offset))


async def _nothing() -> None:
    """No recovery step: a failed start already dropped what it had begun."""


def decision_counts(effects: Sequence[Effect], inputs: int) -> dict[str, int]:
    """How many inputs a batch sealed, rejected and ignored; each rejection is logged."""
    sealed = sum(isinstance(e, AppendSealed) for e in effects)
    rejected = [e for e in effects if isinstance(e, AppendRejected)]
    for effect in rejected:
        log.info("event_rejected", partner=effect.partner, code=effect.rejection.code.value)
    ignored = inputs - sealed - len(rejected)
    return {"sealed": sealed, "rejected": len(rejected), "ignored": ignored}
