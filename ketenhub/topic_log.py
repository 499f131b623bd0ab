"""The topic log port: durable, offset-addressed topics and consumer positions, and reading them back.

Two protocols, and what implements each:

- ``TopicReader`` (``read``, ``read_values`` and ``end_offset``): reading a one-partition
  topic by offset. ``read_all`` reads a whole topic, or a range of it, through it, and
  ``read_all_values`` its offsets and values only (what replay needs of audit.log, without
  the headers); replay and verification need nothing more. The embedded
  ``ketenhub.runtime.embedded.sqlite_log.SqliteTopicLog`` and the Kafka runtime's
  ``ketenhub.runtime.kafka.log_reader.KafkaLogReader`` (partition 0 of a topic that has one
  partition) implement it.
- ``TopicLog`` (a ``TopicReader`` that also appends, commits positions, runs transactions
  and compacts): only the embedded ``SqliteTopicLog`` implements it. On Kafka the broker is
  the log, written by Faust agents and producers, not through this interface.

Their rules:

- Offsets per topic are dense, start at 0 and are never reused; a reader that finds one
  missing below the end raises ``RecordsMissing`` rather than skip it.
- ``read`` returns records with offsets >= ``start`` in ascending order; ``read_values``
  the same records' offsets and values (each type-checked as ``read`` checks it).
- A position is the next offset a consumer group will consume (0 if never committed).
- Appends and commits inside ``transaction()`` become visible together or not at all.
  Nested calls join the outer transaction; if any block inside raises, the whole
  transaction is rolled back, even when an outer block catches the exception (committing
  it then raises ``TransactionAborted``).
- ``latest_by_key`` is the compacted view of a topic: the last record per key; keys whose
  last record is a tombstone (value ``None``) are absent, and records without a key are
  not part of it.

This module is pure: it holds the interfaces, the checks both backends share and ``read_all``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Protocol, TypeVar, runtime_checkable

from ketenhub.errors import LogError

Headers = tuple[tuple[str, bytes], ...]
StoredValue = tuple[int, bytes | None]  # a record's offset and value, without the rest
_Read = TypeVar("_Read")


@dataclass(frozen=True)
class LogRecord:
    """One record of a topic, addressed by its offset."""

    topic: str
    offset: int
    timestamp_us: int
    key: bytes | None
    value: bytes | None
    headers: Headers


@runtime_checkable
class TopicReader(Protocol):
    """Reading one-partition topics by offset: what replay and verification need of a log."""

    def read(self, topic: str, start: int, limit: int = 1000) -> list[LogRecord]:
        """Return at most ``limit`` records of ``topic`` with offsets >= ``start``, ascending."""
        ...

    def read_values(self, topic: str, start: int, limit: int = 1000) -> list[StoredValue]:
        """Return the offsets and values of what ``read`` returns, without the other fields."""
        ...

    def end_offset(self, topic: str) -> int:
        """Return the next offset to be written (0 for an empty or unknown topic)."""
        ...


@runtime_checkable
class TopicLog(TopicReader, Protocol):
    """A set of append-only topics with consumer-group positions and atomic transactions."""

    def append(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] = (),
        timestamp_us: int | None = None,
    ) -> int:
        """Append one record to ``topic`` and return its offset."""
        ...

    def topics(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the topics that start with ``prefix``."""
        ...

    def committed(self, group: str, topic: str) -> int:
        """Return the next offset ``group`` will consume from ``topic`` (0 if never committed)."""
        ...

    def commit(self, group: str, topic: str, next_offset: int) -> None:
        """Set the next offset ``group`` will consume from ``topic``."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Make the appends and commits inside the block visible atomically, all or nothing."""
        ...

    def latest_by_key(self, topic: str) -> dict[bytes, LogRecord]:
        """Return the compacted view of ``topic``: the last record per key, tombstones removed."""
        ...

    def close(self) -> None:
        """Release the log's resources; an open transaction is rolled back."""
        ...


class InvalidOffset(LogError):
    """An offset, position or read range lies outside what the topic holds."""

    def __init__(self, topic: str, offset: int, rule: str) -> None:
        self.topic = topic
        self.offset = offset
        self.rule = rule
        super().__init__(f"offset {offset} for topic {topic!r} is invalid: {rule}")


class InvalidRecord(LogError):
    """A record to append is not made of the types a topic holds."""

    def __init__(self, topic: str, detail: str) -> None:
        self.topic = topic
        self.detail = detail
        super().__init__(f"cannot append to topic {topic!r}: {detail}")


def offset_range(first: int, last: int) -> str:
    """``offset 4`` or ``offsets 4-7``."""
    return f"offset {first}" if first == last else f"offsets {first}-{last}"


class RecordsMissing(LogError):
    """Records of a topic are missing: deleted from its end, or a gap inside it."""

    def __init__(self, topic: str, first: int, last: int, end: int, *, at_end: bool) -> None:
        self.topic, self.first, self.last, self.end = topic, first, last, end
        one = first == last
        missing = f"the record{'' if one else 's'} at {offset_range(first, last)}"
        if at_end:
            detail = (
                f"its recorded end is offset {end} but its records stop before offset {first}: "
                f"{missing} {'was' if one else 'were'} removed"
            )
        else:
            detail = f"{missing} {'is' if one else 'are'} missing (a gap: later records are still stored)"
        super().__init__(
            f"topic {topic!r}: {detail}; "
            "run `ketenhub verify` and restore the data folder from a backup"
        )


class TransactionAborted(LogError):
    """A block inside the transaction raised, so the transaction was rolled back."""

    def __init__(self) -> None:
        super().__init__(
            "transaction rolled back: a nested transaction block raised an exception; "
            "nothing of the transaction was kept"
        )


def check_read(topic: str, start: int, limit: int) -> None:
    """Refuse a negative start offset or a negative limit."""
    if start < 0:
        raise InvalidOffset(topic, start, "a read must start at offset 0 or later")
    if limit < 0:
        raise InvalidOffset(topic, start, f"the read limit must be >= 0, got {limit}")


def check_record(
    topic: str, key: object, value: object, headers: Sequence[tuple[object, object]]
) -> None:
    """Refuse a key or value that is not bytes or None, and a header not (str, bytes)."""
    for field, data in (("key", key), ("value", value)):
        if data is not None and not isinstance(data, bytes):
            raise InvalidRecord(
                topic, f"the {field} must be bytes or None, not {type(data).__name__}"
            )
    for name, data in headers:
        if not isinstance(name, str) or not isinstance(data, bytes):
            kinds = f"({type(name).__name__}, {type(data).__name__})"
            raise InvalidRecord(topic, f"a header must be (str name, bytes value), not {kinds}")


def check_commit(group: str, topic: str, next_offset: int, end_offset: int) -> None:
    """Refuse a position below 0 or beyond the topic's end offset."""
    if next_offset < 0:
        raise InvalidOffset(
            topic, next_offset, f"group {group!r} cannot commit a negative position"
        )
    if next_offset > end_offset:
        raise InvalidOffset(
            topic,
            next_offset,
            f"group {group!r} cannot commit a position beyond the end offset {end_offset}",
        )


def read_all(
    reader: TopicReader,
    topic: str,
    start: int = 0,
    end: int | None = None,
    *,
    tolerate_missing: bool = False,
) -> Iterator[LogRecord]:
    """Yield the records of a topic from ``start`` up to ``end`` (default: its end now).

    Offsets are dense, so a record missing below the end (a gap, or an end recorded beyond
    the last stored record) raises ``RecordsMissing`` naming the topic and the offsets, after
    the records before it. ``tolerate_missing`` yields what is stored instead, skipping the
    missing offsets: only for verification, which names them by their effect on the chain.
    """
    stop = reader.end_offset(topic) if end is None else end
    read = reader.read
    yield from _read_dense(
        lambda at, limit: read(topic, at, limit),
        _offset_of_record,
        topic,
        start,
        stop,
        tolerate_missing=tolerate_missing,
    )


def read_all_values(
    reader: TopicReader, topic: str, start: int = 0, end: int | None = None
) -> Iterator[StoredValue]:
    """Yield ``(offset, value)`` of each record of a topic, as ``read_all`` yields the records
    (a record missing below the end raises ``RecordsMissing`` the same way)."""
    stop = reader.end_offset(topic) if end is None else end
    read = reader.read_values
    yield from _read_dense(
        lambda at, limit: read(topic, at, limit), _offset_of_value, topic, start, stop
    )


_offset_of_record: Callable[[LogRecord], int] = attrgetter("offset")
_offset_of_value: Callable[[StoredValue], int] = itemgetter(0)


def _read_dense(
    read: Callable[[int, int], list[_Read]],
    offset_of: Callable[[_Read], int],
    topic: str,
    start: int,
    stop: int,
    *,
    tolerate_missing: bool = False,
) -> Iterator[_Read]:
    """Yield what ``read(start, limit)`` gives, batch by batch, from ``start`` up to ``stop``,
    checking that the offsets are dense (``RecordsMissing`` unless ``tolerate_missing``)."""
    while start < stop:
        batch = [r for r in read(start, min(1000, stop - start)) if offset_of(r) < stop]
        for item in batch:
            offset = offset_of(item)
            if offset != start and not tolerate_missing:
                raise RecordsMissing(topic, start, offset - 1, stop, at_end=False)
            yield item
            start = offset + 1
        if not batch:
            if not tolerate_missing:
                raise RecordsMissing(topic, start, stop - 1, stop, at_end=True)
            return
