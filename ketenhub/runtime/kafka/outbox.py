"""The pipeline's outbox on Kafka: effects written in record batches with a producer, each landing awaited.

A checkpoint is sent only after every record before it has landed (a checkpoint never covers
unstored records): a batch's records are written first, then its checkpoints. ``commit``
returns once every effect is stored, so the caller acknowledges its inputs only after their
outputs: the sealer's audit.log, rejected and checkpoint records (its idempotent producer)
and the projector's view records alike. Input positions are not
written here: Faust commits the consumer offsets, and a restarted sealer reads its outputs
back (``ketenhub_input``) so that no input is decided twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ketenhub.pipeline.effects import (
    AppendCheckpoint,
    AppendRejected,
    AppendSealed,
    AppendView,
    Effect,
)
from ketenhub.runtime.kafka.record_batches import Landed, Outgoing, write_batched
from ketenhub.topics import TopicNames

LandedEffects = list[tuple[Effect, Landed]]  # each written effect with where it was stored


def record_of(names: TopicNames, effect: Effect) -> Outgoing | None:
    """The record an effect writes (None: nothing to send)."""
    if isinstance(effect, AppendSealed):
        return Outgoing(names.audit_log, effect.record, None, effect.headers)
    if isinstance(effect, AppendRejected):
        return Outgoing(names.rejected(effect.partner), effect.value, effect.key, effect.headers)
    if isinstance(effect, AppendCheckpoint):
        return Outgoing(names.checkpoints, effect.checkpoint)
    if isinstance(effect, AppendView):
        key = effect.case_id.encode()
        return Outgoing(names.view(effect.partner), effect.value, key, effect.headers)
    return None


async def _nothing_to_check(_: LandedEffects) -> None:
    return None


class KafkaOutbox:
    """Writes effects with a producer and hands what landed to ``on_landed`` before each checkpoint."""

    def __init__(
        self,
        producer: Callable[[], Any],
        names: TopicNames,
        on_landed: Callable[[LandedEffects], Awaitable[None]] = _nothing_to_check,
    ) -> None:
        self._producer, self._names, self._on_landed = producer, names, on_landed

    async def commit(self, effects: Sequence[Effect]) -> None:
        """Write ``effects`` and wait until every one of them is stored.

        The records go first, in order, then the checkpoints, in order, once every record of
        the batch has landed (and passed ``on_landed``): two round trips a batch, however many
        checkpoints its records are due.
        """
        records: list[tuple[Effect, Outgoing]] = []
        checkpoints: list[tuple[Effect, Outgoing]] = []
        for effect in effects:
            if (record := record_of(self._names, effect)) is not None:
                signed = isinstance(effect, AppendCheckpoint)
                (checkpoints if signed else records).append((effect, record))
        await self._land(records)
        await self._land(checkpoints)

    async def _land(self, pending: list[tuple[Effect, Outgoing]]) -> None:
        if not pending:
            return
        landed = await write_batched(self._producer(), [record for _, record in pending])
        await self._on_landed(
            [(effect, where) for (effect, _), where in zip(pending, landed, strict=True)]
        )
