"""Keeping a value in a Faust table so that it survives a worker killed right after."""

from __future__ import annotations

from typing import Any

from ketenhub.runtime.kafka.record_batches import Outgoing


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


def changelog_record(table: Any, partition: int, key: str, value: str) -> Outgoing:
    """Set a table key and return its changelog record, to be written with other outputs.

    The record holds the key and value serialized as Faust serializes the table's own
    changelog records, so the table recovers it from the changelog like any other; the caller
    writes it (``write_batched``) and waits until it is stored before acknowledging anything
    that depends on it.
    """
    table.data[key] = value
    topic = table.changelog_topic
    key_bytes, _ = topic.prepare_key(key, table.key_serializer)
    value_bytes, _ = topic.prepare_value(value, table.value_serializer)
    return Outgoing(topic.get_topic_name(), value_bytes, key_bytes, partition=partition)
