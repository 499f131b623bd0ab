"""The hub's checkpoint topic on Kafka, read by a partner to witness the hub's history.

Every partner may read ``audit.checkpoints`` (its ACLs say so): the records hold tree sizes,
roots, signing times, signatures and a key id, never personal data. The reader assigns the
topic's single partition without a consumer group (nothing is committed: the partner's
witness file says where it stands) and reads from a given offset to the end as of the call.
The sealer writes with an idempotent producer outside transactions, so no isolation level
is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from connectors.sdk.errors import TransportError
from connectors.sdk.kafka_errors import translated
from ketenhub.core.checkpoint_records import decode_chained_checkpoint
from ketenhub.core.checkpoints import ChainedCheckpoint
from ketenhub.runtime.kafka.access import check_topic
from ketenhub.runtime.kafka.settings import KafkaSettings

_POLL_MS = 500
_EMPTY_POLLS_ALLOWED = 20  # about 10 s without a record while the end is not reached


class KafkaCheckpointReader:
    """A consumer of partition 0 of the checkpoint topic, opened on first use."""

    def __init__(self, settings: KafkaSettings, topic: str) -> None:
        self._settings, self._topic = settings, topic
        self._partition = TopicPartition(topic, 0)
        self._consumer: Any = None

    def _opened(self) -> Any:
        if self._consumer is None:
            with translated(self._settings, "read", topic=self._topic):
                consumer = KafkaConsumer(
                    **self._settings.client_config(),
                    group_id=None,
                    client_id="partner-witness",
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                )
                if not consumer.partitions_for_topic(self._topic):
                    consumer.close()
                    check_topic(self._settings, self._topic, "read")  # forbidden says so
                    msg = (
                        f"topic {self._topic} has no partitions on {self._settings.kafka_bootstrap}"
                    )
                    raise TransportError(msg)
                consumer.assign([self._partition])
            self._consumer = consumer
        return self._consumer

    def end(self) -> int:
        """The offset after the newest checkpoint record."""
        consumer = self._opened()
        with translated(self._settings, "read", topic=self._topic):
            return int(consumer.end_offsets([self._partition])[self._partition])

    def records_from(self, offset: int) -> Iterator[tuple[int, ChainedCheckpoint]]:
        """The checkpoint records from ``offset`` (or the oldest kept) to the end as of the call."""
        consumer, end = self._opened(), self.end()
        found: list[tuple[int, ChainedCheckpoint]] = []
        with translated(self._settings, "read", topic=self._topic):
            consumer.seek(self._partition, offset)
            empty = 0
            while consumer.position(self._partition) < end:
                batch = consumer.poll(timeout_ms=_POLL_MS).get(self._partition, [])
                empty = 0 if batch else empty + 1
                if empty > _EMPTY_POLLS_ALLOWED:
                    msg = f"reading {self._topic} from offset {offset}: no record arrived before offset {end}"
                    raise TransportError(msg)
                for message in batch:
                    if message.offset < end:
                        record = decode_chained_checkpoint(message.value or b"", message.offset)
                        found.append((message.offset, record))
        return iter(found)

    def close(self) -> None:
        """Close the consumer."""
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None
