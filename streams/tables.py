"""Keeping a value in a Faust table so that it survives a worker killed right after."""

from __future__ import annotations

from typing import Any


async def keep(table: Any, partition: int, key: str, value: str) -> None:
    """Set a table key and hand its changelog record to the producer before the input is acked.

    ``table[key] = value`` queues the changelog record in Faust's send-soon buffer, and the
    commit's flush of that buffer may give up after 0.1 s with records still queued: a worker
    killed then keeps its committed offset but loses the state, so a case silently misses a
    fold. An awaited send reaches the Kafka producer, which every offset commit flushes first.
    """
    table.data[key] = value
    await table.changelog_topic.send(
        key=key,
        value=value,
        partition=partition,
        key_serializer=table.key_serializer,
        value_serializer=table.value_serializer,
    )
