"""The contract every ``TopicReader`` honours (the embedded log and the Kafka reader), as one class.

Subclass ``TopicReaderContract`` in a ``test_*.py`` module, name the subclass ``Test…`` and
implement ``make_reader``; every test below then runs against that implementation. Replay
and verification read a log through ``read_all`` over this port, so what they see cannot
depend on the runtime that wrote it.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from ketenhub.topic_log import InvalidOffset, LogRecord, TopicReader, read_all, read_all_values

Stored = tuple[bytes | None, bytes, tuple[tuple[str, bytes], ...]]
RECORDS: list[Stored] = [
    (b"case-%d" % n if n % 2 else None, b"value-%d" % n, (("ce_id", b"id-%d" % n),))
    for n in range(7)
]


class TopicReaderContract(abc.ABC):
    """Tests that hold for every implementation of ``TopicReader``."""

    @abc.abstractmethod
    def make_reader(
        self, tmp_path: Path, topics: dict[str, Sequence[Stored]]
    ) -> AbstractContextManager[TopicReader]:
        """Store ``topics`` (one partition each, records in order) and open a reader on them."""

    @pytest.fixture
    def topic(self) -> str:
        """A topic name of its own for this test."""
        return f"reader-{uuid.uuid4().hex[:12]}"

    @pytest.fixture
    def reader(self, tmp_path: Path, topic: str) -> Iterator[TopicReader]:
        """A reader on ``topic`` holding ``RECORDS``."""
        with self.make_reader(tmp_path, {topic: RECORDS}) as reader:
            yield reader

    def test_implements_the_protocol(self, reader: TopicReader) -> None:
        """The implementation structurally satisfies ``TopicReader``."""
        assert isinstance(reader, TopicReader)

    def test_read_all_gives_every_record_in_offset_order(
        self, reader: TopicReader, topic: str
    ) -> None:
        """Offsets 0..n-1 come back with the keys, values and headers stored."""
        records = list(read_all(reader, topic))
        assert [r.offset for r in records] == list(range(len(RECORDS)))
        assert [_stored(r) for r in records] == RECORDS
        assert {r.topic for r in records} == {topic}

    def test_values_are_the_offsets_and_values_of_the_records(
        self, reader: TopicReader, topic: str
    ) -> None:
        """``read_values`` and ``read_all_values`` give each record's offset and value, as
        ``read`` and ``read_all`` give the records."""
        expected = [(r.offset, r.value) for r in read_all(reader, topic)]
        assert expected == [(n, value) for n, (_, value, _) in enumerate(RECORDS)]
        assert list(read_all_values(reader, topic)) == expected
        assert list(read_all_values(reader, topic, 1, 4)) == expected[1:4]
        assert reader.read_values(topic, 2, 3) == expected[2:5]
        assert reader.read_values(topic, len(RECORDS)) == []

    def test_end_offset_is_the_next_offset_to_be_written(
        self, reader: TopicReader, topic: str
    ) -> None:
        """A topic of n records ends at offset n."""
        assert reader.end_offset(topic) == len(RECORDS)

    def test_read_starts_at_the_offset_and_keeps_to_the_limit(
        self, reader: TopicReader, topic: str
    ) -> None:
        """``read(topic, 2, 3)`` gives offsets 2, 3 and 4; a read past the end gives nothing."""
        assert [r.offset for r in reader.read(topic, 2, 3)] == [2, 3, 4]
        assert reader.read(topic, len(RECORDS)) == []

    def test_read_all_keeps_to_the_range_given(self, reader: TopicReader, topic: str) -> None:
        """``read_all(reader, topic, 1, 4)`` gives offsets 1, 2 and 3."""
        assert [r.offset for r in read_all(reader, topic, 1, 4)] == [1, 2, 3]

    def test_a_negative_start_is_refused(self, reader: TopicReader, topic: str) -> None:
        """A read from offset -1 raises ``InvalidOffset`` naming the topic."""
        with pytest.raises(InvalidOffset, match=topic):
            reader.read(topic, -1)

    def test_an_empty_topic_reads_as_empty(self, tmp_path: Path) -> None:
        """A topic without records ends at 0 and ``read_all`` yields nothing."""
        empty = f"reader-{uuid.uuid4().hex[:12]}"
        with self.make_reader(tmp_path, {empty: []}) as reader:
            assert reader.end_offset(empty) == 0
            assert list(read_all(reader, empty)) == []


def _stored(record: LogRecord) -> Stored:
    return record.key, record.value or b"", record.headers
