"""Writing records to Kafka in record batches, one per topic partition, and learning where each landed.

A producer's ``send`` costs a coroutine, a future and a partition lookup per record; appending
to a batch builder costs a fraction of that. Records keep their order within a partition;
a record with a key goes to the partition Kafka's default partitioner (murmur2, as every Kafka
client and Faust use) gives that key, so a compacted topic keeps one record per key, unless
the record names its partition (a table's changelog record goes to its table partition).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from ketenhub.runtime.kafka.settings import KafkaSettings

Headers = Sequence[tuple[str, bytes]]
MAX_BATCH_BYTES = 512 * 1024  # under the broker's default message.max.bytes (1 MiB)
_PARTITIONER = DefaultPartitioner()
STOP_FLUSH_S = 2.0  # how long a stopping worker lets a producer flush what it holds
log = structlog.get_logger("ketenhub.streams")


@dataclass(frozen=True)
class Outgoing:
    """One record to write: its topic, value (None: a tombstone), key, headers and partition
    (None: the partition its key gives)."""

    topic: str
    value: bytes | None
    key: bytes | None = None
    headers: Headers = ()
    partition: int | None = None


@dataclass(frozen=True)
class Landed:
    """Where a record was stored."""

    topic: str
    partition: int
    offset: int


def idempotent_producer(settings: KafkaSettings) -> Any:
    """An idempotent producer (acks from every replica) for ``write_batched``, not started yet."""
    return AIOKafkaProducer(
        **settings.client_config(),
        acks="all",
        enable_idempotence=True,
        max_batch_size=MAX_BATCH_BYTES,
        request_timeout_ms=int(settings.kafka_write_timeout_s * 1000),
    )


def end_offsets_client(settings: KafkaSettings) -> Any:
    """A consumer of no group, for asking where partitions end (``end_offsets``), not started yet."""
    return AIOKafkaConsumer(
        **settings.client_config(),
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=int(settings.kafka_write_timeout_s * 1000),
    )


async def started_producer(settings: KafkaSettings) -> Any:
    """``idempotent_producer``, started."""
    producer = idempotent_producer(settings)
    await producer.start()
    return producer


class RenewableProducer:
    """An idempotent producer that a failed write can replace.

    After a write timed out the producer's sequence numbers may no longer match the broker's
    (its next write fails with ``OutOfOrderSequenceNumber``); ``renew`` drops it, and the next
    ``get`` starts a new one, with new sequence numbers.
    """

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._producer: Any = None

    async def get(self) -> Any:
        """The producer, started when there is none."""
        if self._producer is None:
            self._producer = await started_producer(self._settings)
        return self._producer

    @property
    def current(self) -> Any:
        """The producer started last (None before the first ``get`` and after ``renew``)."""
        return self._producer

    async def renew(self) -> None:
        """Drop the producer (the next ``get`` starts another)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):  # one that cannot flush is dropped all the same
                await producer.stop()

    async def close(self) -> None:
        """Stop the producer for good, flushing what it holds for at most ``STOP_FLUSH_S``."""
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):  # one that cannot flush is dropped all the same
                await stop_within(producer)

    async def write(self, records: Sequence[Outgoing]) -> list[Landed]:
        """``write_batched`` with the current producer."""
        return await write_batched(await self.get(), records)


async def stop_within(producer: Any, seconds: float = STOP_FLUSH_S) -> None:
    """Stop an aiokafka producer, letting it flush what it holds for at most ``seconds``.

    With the cluster out of reach a producer's ``stop`` waits until every record it holds is
    stored or its request timed out. After ``seconds`` it is closed at once instead: what it
    still held is not stored (the inputs behind it were not acknowledged), and nothing of it
    is sent later, behind the records of whoever writes next.
    """
    stopping = asyncio.ensure_future(producer.stop())
    await asyncio.wait({stopping}, timeout=seconds)
    if stopping.done():
        stopping.result()
        return
    stopping.cancel()
    sender = getattr(getattr(producer, "_sender", None), "sender_task", None)
    if sender is not None:  # aiokafka's sender would retry what it holds until its timeout
        sender.cancel()
    with contextlib.suppress(Exception):  # closing a producer that cannot reach the cluster
        await producer.client.close()
    log.warning("producer_closed_unflushed", waited_s=seconds)


@contextlib.asynccontextmanager
async def batch_producer(settings: KafkaSettings) -> AsyncIterator[RenewableProducer]:
    """A ``RenewableProducer``, stopped after (within ``STOP_FLUSH_S``)."""
    producer = RenewableProducer(settings)
    try:
        yield producer
    finally:
        await producer.close()


@dataclass
class _Batch:
    topic: str
    partition: int
    builder: Any
    positions: list[int]  # the index of each appended record in the caller's sequence


async def write_batched(producer: Any, records: Sequence[Outgoing]) -> list[Landed]:
    """Write ``records`` with an aiokafka producer and wait until every one is stored.

    Returns where each record landed, in the order given.
    """
    batches = await _batches(producer, records)
    sent = [await producer.send_batch(b.builder, b.topic, partition=b.partition) for b in batches]
    stored = await asyncio.gather(*sent)
    landed: list[Landed | None] = [None] * len(records)
    for batch, meta in zip(batches, stored, strict=True):
        for relative, position in enumerate(batch.positions):
            landed[position] = Landed(batch.topic, batch.partition, meta.offset + relative)
    return [where for where in landed if where is not None]


async def _batches(producer: Any, records: Sequence[Outgoing]) -> list[_Batch]:
    """The records appended to closed batch builders, in order within each partition."""
    partitions: dict[str, list[int]] = {}
    open_batches: dict[tuple[str, int], _Batch] = {}
    batches: list[_Batch] = []
    for position, record in enumerate(records):
        if record.topic not in partitions:
            partitions[record.topic] = sorted(await producer.partitions_for(record.topic))
        partition = record.partition
        if partition is None:
            every = partitions[record.topic]
            partition = every[0] if len(every) == 1 else _PARTITIONER(record.key, every, every)
        batch = open_batches.get((record.topic, partition))
        if batch is None or not _append(batch, record):
            batch = _Batch(record.topic, partition, producer.create_batch(), [])
            open_batches[(record.topic, partition)] = batch
            batches.append(batch)
            _append(batch, record)  # the first record always fits
        batch.positions.append(position)
    for batch in batches:
        batch.builder.close()  # closed: sent at once, without lingering
    return batches


def _append(batch: _Batch, record: Outgoing) -> bool:
    added = batch.builder.append(
        timestamp=None, key=record.key, value=record.value, headers=list(record.headers)
    )
    return added is not None
