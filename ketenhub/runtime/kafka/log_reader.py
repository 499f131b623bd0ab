"""Reading the hub's topics back from Kafka with kafka-python, as the CLI and the sealer need.

``KafkaLogReader`` is the Kafka runtime's ``TopicReader`` (``ketenhub.topic_log``): ``read``,
``read_values`` and ``end_offset`` address partition 0 of a topic that has one partition (``audit.log``,
``audit.checkpoints``), so ``read_all`` reads it as it reads the embedded log. It does not
implement ``TopicLog``: on Kafka the hub writes through Faust agents and producers.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from ketenhub.errors import LogError
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topic_log import LogRecord, StoredValue, check_read


class KafkaLogReader:
    """Reads topics from a start offset to their end as of the call (never waits for more)."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._consumer: Any = KafkaConsumer(
            **settings.client_config(),
            enable_auto_commit=False,
            group_id=None,
            client_id="ketenhub-reader",
            consumer_timeout_ms=10_000,
        )

    def partitions(self, topic: str) -> list[TopicPartition]:
        """The partitions of a topic (empty when it does not exist)."""
        found = self._consumer.partitions_for_topic(topic) or set()
        if not found and self._settings.sasl_username is not None:
            self._explain_absence(topic)
        return [TopicPartition(topic, p) for p in sorted(found)]

    def _explain_absence(self, topic: str) -> None:
        """kafka-python shows a forbidden topic as an empty one: ask the broker which it is."""
        from ketenhub.runtime.kafka.access import check_topic  # only on SASL brokers
        from ketenhub.runtime.kafka.errors import TopicNotFound

        try:
            check_topic(self._settings, topic)
        except TopicNotFound:
            return

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written, per partition."""
        ends = self._consumer.end_offsets(self.partitions(topic))
        return {tp.partition: offset for tp, offset in ends.items()}

    def end_offsets_of(self, topics: list[str]) -> dict[tuple[str, int], int]:
        """End offsets of every partition of several topics, in one request."""
        partitions = [tp for topic in topics for tp in self.partitions(topic)]
        ends = self._consumer.end_offsets(partitions) if partitions else {}
        return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}

    def start_offsets_of(self, topics: list[str]) -> dict[tuple[str, int], int]:
        """The oldest offset still kept (retention may have deleted older records), per partition."""
        partitions = [tp for topic in topics for tp in self.partitions(topic)]
        starts = self._consumer.beginning_offsets(partitions) if partitions else {}
        return {(tp.topic, tp.partition): offset for tp, offset in starts.items()}

    def topic_names(self) -> set[str]:
        """Every topic of the cluster this client may see."""
        return set(self._consumer.topics())

    def total_records(self, topics: list[str]) -> int:
        """How many records the topics hold together (one request for all their partitions)."""
        partitions = [tp for topic in topics for tp in self.partitions(topic)]
        return sum(self._consumer.end_offsets(partitions).values()) if partitions else 0

    def records(
        self, topic: str, partition: int = 0, start: int = 0, end: int | None = None
    ) -> Iterator[LogRecord]:
        """Yield the records of one partition from ``start`` up to ``end`` (default: its end now)."""
        tp = TopicPartition(topic, partition)
        stop = self.end_offsets(topic).get(partition, 0) if end is None else end
        if start >= stop:
            return
        self._consumer.assign([tp])
        self._consumer.seek(tp, start)
        while self._consumer.position(tp) < stop:
            batch = self._consumer.poll(timeout_ms=1000, max_records=2000).get(tp, [])
            for message in batch:
                if message.offset >= stop:
                    return
                yield log_record(message)

    def end_offset(self, topic: str) -> int:
        """The next offset to be written to a one-partition topic (0 for an unknown topic)."""
        return self._single_partition_end(topic)

    def read(self, topic: str, start: int, limit: int = 1000) -> list[LogRecord]:
        """At most ``limit`` records of a one-partition topic from offset ``start``, ascending."""
        check_read(topic, start, limit)
        stop = min(self._single_partition_end(topic), start + limit)
        return list(islice(self.records(topic, 0, start, stop), limit))

    def read_values(self, topic: str, start: int, limit: int = 1000) -> list[StoredValue]:
        """The offsets and values of what ``read`` returns."""
        return [(record.offset, record.value) for record in self.read(topic, start, limit)]

    def _single_partition_end(self, topic: str) -> int:
        ends = self.end_offsets(topic)
        if len(ends) > 1:
            raise TopicNotSinglePartition(topic, len(ends))
        return ends.get(0, 0)

    def all_records(self, topic: str) -> Iterator[LogRecord]:
        """Yield every record of every partition of a topic, partition by partition."""
        for partition in self.end_offsets(topic):
            yield from self.records(topic, partition)

    def latest_by_key(self, topic: str) -> dict[bytes, LogRecord]:
        """The compacted view of a topic: last record per key; tombstoned keys are absent."""
        latest: dict[bytes, LogRecord] = {}
        for record in self.all_records(topic):
            if record.key is None:
                continue
            if record.value is None:
                latest.pop(record.key, None)
            else:
                latest[record.key] = record
        return latest

    def close(self) -> None:
        """Close the consumer."""
        self._consumer.close()

    def __enter__(self) -> KafkaLogReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class TopicNotSinglePartition(LogError):
    """Reading by offset needs one order: a topic with several partitions has several."""

    def __init__(self, topic: str, partitions: int) -> None:
        self.topic, self.partitions = topic, partitions
        super().__init__(
            f"topic {topic!r} has {partitions} partitions: reading it by offset needs a topic "
            "with one partition (read each partition with KafkaLogReader.records instead)"
        )


def log_record(message: Any) -> LogRecord:
    """The ``LogRecord`` of a message a kafka-python consumer returned."""
    headers = tuple((name, value or b"") for name, value in (message.headers or []))
    return LogRecord(
        topic=message.topic,
        offset=message.offset,
        timestamp_us=int(message.timestamp) * 1000,
        key=message.key,
        value=message.value,
        headers=headers,
    )
