"""The topic log: durable, offset-addressed topics and consumer positions, as both backends offer.

The embedded backend (``ketenhub.embedded.sqlite_log``) and the Kafka backend implement
``TopicLog``; the runners depend only on this interface. Its rules:

- Offsets per topic are dense, start at 0 and are never reused.
- ``read`` returns records with offsets >= ``start`` in ascending order.
- A position is the next offset a consumer group will consume (0 if never committed).
- Appends and commits inside ``transaction()`` become visible together or not at all.
  Nested calls join the outer transaction; if any block inside raises, the whole
  transaction is rolled back, even when an outer block catches the exception (committing
  it then raises ``TransactionAborted``).
- ``latest_by_key`` is the compacted view of a topic: the last record per key; keys whose
  last record is a tombstone (value ``None``) are absent, and records without a key are
  not part of it.

This module is pure: it holds the interface and the checks both backends share.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ketenhub.errors import LogError

Headers = tuple[tuple[str, bytes], ...]


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
class TopicLog(Protocol):
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

    def read(self, topic: str, start: int, limit: int = 1000) -> list[LogRecord]:
        """Return at most ``limit`` records of ``topic`` with offsets >= ``start``, ascending."""
        ...

    def end_offset(self, topic: str) -> int:
        """Return the next offset to be written (0 for an empty or unknown topic)."""
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
