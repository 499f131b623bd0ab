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
idle timer when no input comes (never while a batch is being sealed or projected: that batch
is projected from what the sealer holds).

A batch's views, the changelog records of its cases' states and the sealer's chain head go in
one write (one produce request of the projection's producer); the position follows in a
second write once that one is stored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import structlog

from ketenhub.pipeline.effects import AppendSealed, Effect
from ketenhub.runtime.kafka.idle_work import IdleWork, cancelling_itself
from ketenhub.runtime.kafka.outbox import record_of
from ketenhub.runtime.kafka.projection_driver import KafkaProjector, ProjectedBatch
from ketenhub.runtime.kafka.record_batches import (
    STOP_FLUSH_S,
    Outgoing,
    started_producer,
    stop_within,
    write_batched,
)
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames
from streams.tables import changelog_record

HEAD_KEY = "head"  # key of the chain-head table: where the chain stood after the last batch
PROJECTED_KEY = "projected"  # key of the chain-head table
log = structlog.get_logger("ketenhub.streams.projection")


class SealedProjection:
    """Projects what the sealer sealed, then moves the position; one instance per worker."""

    def __init__(
        self,
        settings: KafkaSettings,
        projector: KafkaProjector,
        tables: tuple[Any, Any],  # case-states, chain-head
        serving: Callable[[], bool],
    ) -> None:
        self._settings, self._projector = settings, projector
        self._cases, self._chain = tables
        self._serving = serving
        self._producer: Any = None
        self._names = TopicNames(settings.topic_prefix)
        self._in_hand: asyncio.Task[None] | None = None  # the batch being projected
        self._head: str | None = None  # the chain head not yet stored in its changelog
        self._position: asyncio.Future[None] | None = None  # the position's write under way
        self._sealing = False  # a batch is being decided and handed over
        self._idle = IdleWork()  # catching up when idle, which ``stop`` preempts
        self.lock = asyncio.Lock()

    @contextlib.contextmanager
    def sealing(self) -> Iterator[None]:
        """Mark a batch being decided: until it is handed over, the idle timer projects nothing
        (what the batch seals is projected from what the sealer holds, not read back)."""
        self._sealing = True
        try:
            yield
        finally:
            self._sealing = False

    async def follow(self, end: int, effects: Sequence[Effect], head: str) -> None:
        """Project a batch's sealed records (``effects``; audit.log then ends at ``end`` and the
        chain stands at ``head``) in the background, once the batch handed over before is
        projected; raise what that one raised.

        The chain head is set in the table at once and stored with the batch's views.
        """
        await self.settled()
        self._chain.data[HEAD_KEY] = self._head = head
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
        """Project what was sealed and not projected yet, and store a chain head not stored yet,
        unless a batch is being sealed or projected now."""
        if self._busy() or not sealer.serving() or not self._serving():
            return
        await self._idle.run(self._catch_up(sealer.sealer.head.next_sequence), preempted=None)

    async def _catch_up(self, end: int) -> None:
        if self._busy():
            return  # a batch started meanwhile
        async with self.lock:
            await self._backlog(end)
            if self._head is not None:
                await self._write(ProjectedBatch([], []), None)

    def _busy(self) -> bool:
        in_hand = self._in_hand is not None and not self._in_hand.done()
        return self._sealing or in_hand or self.lock.locked()

    async def recover(self) -> None:
        """Drop the producer of the view writes after a failed write (the next write starts one)."""
        await _quietly(self.settled(), "projection_failed")
        async with self.lock:
            await _quietly(self._position_stored(), "projected_position_not_stored")
            await self._drop_producer()

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # a producer that cannot flush is dropped all the same
                return

    async def stop(self) -> None:
        """Let the batch in hand and the position's write finish, then stop the producer of the
        view writes; all within ``STOP_FLUSH_S`` (the idle catch-up is preempted): what they did
        not store is projected again from audit.log after a restart."""
        self._idle.preempt()
        deadline = asyncio.get_running_loop().time() + STOP_FLUSH_S
        await _finished_by(self._in_hand, deadline)
        await _quietly(self.settled(), "projection_failed")
        async with self.lock:
            await _finished_by(self._position, deadline)
            await _quietly(self._position_stored(), "projected_position_not_stored")
            if self._producer is not None:
                producer, self._producer = self._producer, None
                await stop_within(producer)

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

    async def _write(self, projected: ProjectedBatch, position: int | None) -> None:
        """Store the views, the states and the chain head, then move the position past the
        records projected (``None``: it stays).

        Views, states and head go in one write; either may be lost with a worker killed
        meanwhile, as none moves the position: the records are projected again (a record a
        kept state holds re-publishes the case's views). The position's own write, sent once
        they are stored, is awaited before the next write (or when stopping), not here.
        """
        await self._position_stored()
        if self._producer is None:
            self._producer = await started_producer(self._settings)
        records = [r for e in projected.effects if (r := record_of(self._names, e)) is not None]
        records += [
            changelog_record(self._cases, kept.partition, kept.case_id, kept.text)
            for kept in projected.kept
        ]
        head = self._head
        if head is not None:
            records.append(changelog_record(self._chain, 0, HEAD_KEY, head))
        await self._written(records)
        if self._head == head:
            self._head = None  # stored; a later batch's head may have been set meanwhile
        if position is not None:
            moved = changelog_record(self._chain, 0, PROJECTED_KEY, str(position))
            self._position = asyncio.ensure_future(self._written([moved]))

    async def _position_stored(self) -> None:
        """Wait until the position written last is stored; raise what its write raised."""
        task, self._position = self._position, None
        if task is not None:
            await task

    async def _written(self, records: list[Outgoing]) -> None:
        """Write ``records`` and wait until they are stored; drop the producer when that fails
        (its sequence numbers may be off: the next write starts one)."""
        if not records:
            return
        try:
            await write_batched(self._producer, records)
        except Exception:
            await self._drop_producer()
            raise


async def _finished_by(task: asyncio.Future[None] | None, deadline: float) -> None:
    """Wait for ``task`` until ``deadline`` (event-loop time), then cancel it if still running."""
    if task is not None:
        await asyncio.wait({task}, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
        task.cancel()


async def _quietly(step: Awaitable[None], failed: str) -> None:
    """Await ``step``, its failure (or stop's cancellation of what it awaited) logged as
    ``failed`` and set aside: the projected position then did not move past what was not
    stored, so that is projected again from audit.log (the same views, re-published)."""
    try:
        await step
    except asyncio.CancelledError:
        if cancelling_itself():
            raise
    except Exception as error:
        log.warning(failed, error=type(error).__name__)
