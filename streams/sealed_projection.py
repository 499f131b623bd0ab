"""The sealer's own projection, with one view partition: what it sealed, without reading it back.

As the embedded runtime does, the sealer hands each batch's sealed records, decoded, to the
projector: no hop through audit.log, no second decode. A batch is projected in the background
while the sealer decides the next one (at most one batch in hand, projected in order); the
sealer's inputs are acknowledged once their audit.log and rejected records are stored. The
position it has projected up to (``projected`` in the chain-head table: every record of
audit.log before it has its views stored and its cases' states kept) is written only after
the changelog records of those states are stored, so it is never ahead of them. Records
sealed before a restart or a move of the sealer role (or a failed projection) and not yet
projected are read back from audit.log from that position: before the next batch, or by the
idle timer when no input comes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from ketenhub.pipeline.effects import AppendSealed, Effect
from ketenhub.runtime.kafka.outbox import KafkaOutbox
from ketenhub.runtime.kafka.projection_driver import KafkaProjector, ProjectedBatch
from ketenhub.runtime.kafka.record_batches import started_producer
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames
from streams.tables import keep

PROJECTED_KEY = "projected"  # key of the chain-head table
log = structlog.get_logger("ketenhub.streams.projection")


class SealedProjection:
    """Projects what the sealer sealed, then moves the position; one instance per worker."""

    def __init__(
        self,
        settings: KafkaSettings,
        projector: KafkaProjector,
        tables: tuple[Any, Any],  # case-states, chain-head
        flush_tables: Callable[[], Awaitable[None]],
        serving: Callable[[], bool],
    ) -> None:
        self._settings, self._projector = settings, projector
        self._cases, self._chain = tables
        self._flush_tables, self._serving = flush_tables, serving
        self._producer: Any = None
        self._views = KafkaOutbox(lambda: self._producer, TopicNames(settings.topic_prefix))
        self._in_hand: asyncio.Task[None] | None = None  # the batch being projected
        self.lock = asyncio.Lock()

    async def follow(self, end: int, effects: Sequence[Effect]) -> None:
        """Project a batch's sealed records (``effects``; audit.log then ends at ``end``) in the
        background, once the batch handed over before is projected; raise what that one raised."""
        await self.settled()
        self._in_hand = asyncio.create_task(self.after(end, effects))

    async def settled(self) -> None:
        """Wait until the batch handed over last is projected; raise what its projection raised."""
        task, self._in_hand = self._in_hand, None
        if task is not None:
            await task

    async def after(self, end: int, effects: Sequence[Effect]) -> None:
        """Project the records a batch sealed (``effects``), after any left from before."""
        sealed = [e for e in effects if isinstance(e, AppendSealed)]
        async with self.lock:
            position = await self._backlog(end - len(sealed))
            in_hand = [
                (e.sealed, e.event)
                for e in sealed
                if e.sealed is not None and e.event is not None and e.sequence >= position
            ]
            if in_hand:
                projected = await self._projector.project_sealed(in_hand, self._cases.get)
                await self._write(projected, end)

    async def catch_up_if_idle(self, sealer: KafkaSealer) -> None:
        """Project what was sealed and not projected yet, unless a batch is being handled now."""
        if self.lock.locked() or not sealer.serving() or not self._serving():
            return
        async with self.lock:
            await self._backlog(sealer.sealer.head.next_sequence)

    async def recover(self) -> None:
        """Drop the producer of the view writes after a failed write (the next write starts one)."""
        await self._settled_quietly()
        async with self.lock:
            await self._drop_producer()

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # a producer that cannot flush is dropped all the same
                return

    async def stop(self) -> None:
        """Let the batch in hand finish, then stop the producer of the view writes."""
        await self._settled_quietly()
        async with self.lock:
            if self._producer is not None:
                producer, self._producer = self._producer, None
                await producer.stop()

    async def _settled_quietly(self) -> None:
        """``settled``, a failure of its projection aside: what it did not store is projected
        again from audit.log (the position did not move past it)."""
        try:
            await self.settled()
        except Exception as error:
            log.warning("projection_failed", error=type(error).__name__)

    async def _backlog(self, end: int) -> int:
        """Project audit.log from the position up to ``end``; return the position reached."""
        position = int(self._chain.get(PROJECTED_KEY) or 0)
        while position < end:
            backlog = await self._projector.backlog(position, end)
            if not backlog:  # audit.log ends before ``end``: the sealer reports that itself
                break
            position = backlog[-1].offset + 1
            await self._write(await self._projector.project(backlog, self._cases.get), position)
        return position

    async def _write(self, projected: ProjectedBatch, position: int) -> None:
        """Store the views and the states, then move the position past the records projected.

        The views land while the states are kept; either may be lost with a worker killed
        meanwhile, as neither moves the position: the records are projected again (a record a
        kept state holds re-publishes the case's views).
        """
        if self._producer is None:
            self._producer = await started_producer(self._settings)
        try:
            await asyncio.gather(
                self._views.commit(projected.effects), self._keep_states(projected)
            )
        except Exception:
            await (
                self._drop_producer()
            )  # its sequence numbers may be off: the next write starts one
            raise
        await keep(self._chain, 0, PROJECTED_KEY, str(position))

    async def _keep_states(self, projected: ProjectedBatch) -> None:
        for kept in projected.kept:
            await keep(self._cases, kept.partition, kept.case_id, kept.text)
        await self._flush_tables()
