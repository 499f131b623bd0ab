"""The pipeline's outbox on Kafka: effects sent in order with the sealer's idempotent producer.

A checkpoint is sent only after every record before it has landed (a checkpoint never covers
unstored records). Input positions are not written here: Faust commits the consumer offsets,
and a restarted sealer reads its outputs back (``ketenhub_input``) so that no input is
decided twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ketenhub.pipeline.effects import (
    AppendCheckpoint,
    AppendRejected,
    AppendSealed,
    AppendView,
    Effect,
)
from ketenhub.topics import TopicNames

Landed = list[tuple[Effect, Any]]  # each sent effect with the record metadata Kafka returned
Record = tuple[str, bytes | None, bytes | None, Sequence[tuple[str, bytes]]]


def record_of(names: TopicNames, effect: Effect) -> Record | None:
    """The topic, value, key and headers an effect writes (None: nothing to send)."""
    if isinstance(effect, AppendSealed):
        return names.audit_log, effect.record, None, effect.headers
    if isinstance(effect, AppendRejected):
        return names.rejected(effect.partner), effect.value, effect.key, effect.headers
    if isinstance(effect, AppendCheckpoint):
        return names.checkpoints, effect.checkpoint, None, ()
    if isinstance(effect, AppendView):
        return names.view(effect.partner), effect.value, effect.case_id.encode(), effect.headers
    return None


class KafkaOutbox:
    """Sends effects with a producer and hands what landed to ``on_landed`` before each checkpoint."""

    def __init__(
        self,
        producer: Callable[[], Any],
        names: TopicNames,
        on_landed: Callable[[Landed], Awaitable[None]],
    ) -> None:
        self._producer, self._names, self._on_landed = producer, names, on_landed

    async def commit(self, effects: Sequence[Effect]) -> None:
        """Send ``effects`` in order and wait until every one of them is stored."""
        pending: list[tuple[Effect, Any]] = []
        for effect in effects:
            if isinstance(effect, AppendCheckpoint):
                await self._land(pending)
                pending = []
            if (record := record_of(self._names, effect)) is not None:
                topic, value, key, headers = record
                sent = await self._producer().send(
                    topic, value=value, key=key, headers=list(headers)
                )
                pending.append((effect, sent))
        await self._land(pending)

    async def _land(self, pending: list[tuple[Effect, Any]]) -> None:
        stored = await asyncio.gather(*(future for _, future in pending))
        await self._on_landed(
            [(effect, meta) for (effect, _), meta in zip(pending, stored, strict=True)]
        )
