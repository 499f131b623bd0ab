"""The embedded topic log: topics, offsets and consumer positions in one SQLite file.

Durability choice: the file runs in WAL mode with ``synchronous=NORMAL``. A transaction is
all-or-nothing across a crash of the process (``kill -9``): SQLite only trusts WAL frames up
to a commit frame, so a half-written transaction is discarded when the file is next opened.
A power loss or operating-system crash may lose the last transactions committed before it
(the file stays consistent); that is accepted for the embedded backend — the Kafka backend
is the one for durability against hardware failure.

Concurrency: every write transaction starts with ``BEGIN IMMEDIATE``, so it holds SQLite's
write lock from its first statement and reads the state other processes committed before it;
writers in several processes (a runner and publishers) are serialised, each waiting up to
``busy_timeout_s``. The pipeline itself has one writer per data folder (the writer lock in
``ketenhub.runtime.embedded.writer_lock``). Readers in other processes (``ketenhub view`` while the
runner runs) see committed transactions only. An instance belongs to the thread that opened it.

Appends inside a transaction keep each topic's next offset in memory and write it to the
``topic_ends`` table once, at commit; that cache lives only as long as the transaction (it
is emptied when it ends), so it can never be stale against another process. Outside a
transaction the next offset is one indexed lookup. No append scans the records.

Appends and position commits inside a transaction are held in memory too and written with
one ``executemany`` each: when the transaction commits, before it reads records (so a
read inside the transaction sees its own appends), and every ``HELD_APPENDS`` appends (so a
large transaction holds little in memory). A position held is read back from
memory. Rows are inserted in the order they were appended, so the table's rowid stays the
arrival order. A transaction that rolls back drops what it held, as SQLite drops what
was written.
"""

from __future__ import annotations

import heapq
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

from ketenhub.errors import LogError
from ketenhub.runtime.embedded.stored_rows import (
    RECORD_COLUMNS,
    encode_headers,
    record_from_row,
    sql_type,
    value_from_row,
)
from ketenhub.topic_log import (
    LogRecord,
    StoredValue,
    TransactionAborted,
    check_commit,
    check_read,
    check_record,
)

SCHEMA_VERSION = 1
HELD_APPENDS = 1000  # appends held in memory before they are written inside the transaction

_SCHEMA = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    'CREATE TABLE records (topic TEXT NOT NULL, "offset" INTEGER NOT NULL, '
    "timestamp_us INTEGER NOT NULL, key BLOB, value BLOB, headers TEXT NOT NULL, "
    'PRIMARY KEY (topic, "offset"))',
    "CREATE TABLE topic_ends (topic TEXT PRIMARY KEY, next_offset INTEGER NOT NULL)",
    "CREATE TABLE positions (consumer_group TEXT NOT NULL, topic TEXT NOT NULL, "
    "next_offset INTEGER NOT NULL, PRIMARY KEY (consumer_group, topic))",
)

# Statements taking the schema from version n to n + 1, applied in order on open.
_MIGRATIONS: dict[int, tuple[str, ...]] = {}

_HINTS = {
    "SQLITE_NOTADB": "the file is not a SQLite database (corrupt or overwritten)",
    "SQLITE_CORRUPT": "the database file is corrupt",
    "SQLITE_BUSY": "the database is locked by another writer; only one writer process may run",
    "SQLITE_LOCKED": "the database is locked by another connection",
    "SQLITE_READONLY": "the database file is read-only",
    "SQLITE_CANTOPEN": "the database file cannot be opened",
}


class LogFileError(LogError):
    """The SQLite file behind the topic log could not be opened, read or written."""

    def __init__(self, path: Path, operation: str, detail: str) -> None:
        self.path = path
        self.operation = operation
        self.detail = detail
        super().__init__(f"topic log {path}: cannot {operation}: {detail}")


class SqliteTopicLog:
    """A ``TopicLog`` kept in one SQLite file (created with its folder if missing)."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = path
        self._depth = 0
        self._aborted = False
        self._ends: dict[str, int] = {}
        self._appended: list[tuple[str, int, int, bytes | None, bytes | None, str]] = []
        self._positions: dict[tuple[str, str], int] = {}
        self._ends_read: dict[str, int] = {}  # end offsets looked up in the open transaction
        with self._translate("open the database"):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None)
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> SqliteTopicLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

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
        check_record(topic, key, value, headers)
        stamp = time.time_ns() // 1000 if timestamp_us is None else timestamp_us
        row = (stamp, key, value, encode_headers(headers))
        if self._depth > 0:
            return self._insert(topic, row)
        with self.transaction():
            return self._insert(topic, row)

    def read(self, topic: str, start: int, limit: int = 1000) -> list[LogRecord]:
        """Return at most ``limit`` records of ``topic`` with offsets >= ``start``, ascending."""
        check_read(topic, start, limit)
        rows = self._query(
            f"read topic {topic!r}",
            f'SELECT {RECORD_COLUMNS} FROM records WHERE topic = ? AND "offset" >= ? '
            'ORDER BY "offset" LIMIT ?',
            (topic, start, limit),
        )
        return [record_from_row(topic, row) for row in rows]

    def read_values(self, topic: str, start: int, limit: int = 1000) -> list[StoredValue]:
        """The offsets and values of what ``read`` returns; the other columns are not read."""
        check_read(topic, start, limit)
        rows = self._query(
            f"read topic {topic!r}",
            'SELECT "offset", value FROM records WHERE topic = ? AND "offset" >= ? '
            'ORDER BY "offset" LIMIT ?',
            (topic, start, limit),
        )
        return [value_from_row(topic, row) for row in rows]

    def read_arrivals(self, starts: Mapping[str, int], limit: int = 1000) -> list[LogRecord]:
        """Return at most ``limit`` records of several topics, from each one's start, in arrival order.

        The records table's rowid grows with every insert (records are never deleted), so it
        is one global arrival sequence across topics: records appended in one interleaving are
        read back in exactly that interleaving. Only records committed before the first query
        are read (rowid at most the highest one then), so a record committed between two
        topics' queries cannot overtake an earlier one. Only the rows the merge takes are
        turned into records (their types checked, their headers parsed).
        """
        found = self._query("read the last arrival", "SELECT max(rowid) FROM records", ())
        upto = found[0][0] or 0
        heads = [self._rows_by_rowid(t, start, limit, upto) for t, start in starts.items()]
        merged = heapq.merge(*heads, key=lambda row: row[0])
        taken = zip(range(limit), merged, strict=False)
        return [record_from_row(row[1], row[2:]) for _, row in taken]

    def _rows_by_rowid(self, topic: str, start: int, limit: int, upto: int) -> list[Any]:
        """The next rows of one topic up to rowid ``upto``: rowid, topic, then the record's columns."""
        check_read(topic, start, limit)
        return self._query(
            f"read topic {topic!r} in arrival order",
            f'SELECT rowid, topic, {RECORD_COLUMNS} FROM records WHERE topic = ? AND "offset" >= ? '
            'AND rowid <= ? ORDER BY "offset" LIMIT ?',
            (topic, start, upto, limit),
        )

    def end_offset(self, topic: str) -> int:
        """Return the next offset to be written (0 for an empty or unknown topic)."""
        return self._end(topic)

    def topics(self, prefix: str = "") -> list[str]:
        """Return the sorted names of the topics that start with ``prefix``."""
        rows = self._query(
            "list topics",
            "SELECT topic FROM topic_ends WHERE substr(topic, 1, ?) = ?",
            (len(prefix), prefix),
        )
        pending = {topic for topic in self._ends if topic.startswith(prefix)}
        return sorted({str(row[0]) for row in rows} | pending)

    def committed(self, group: str, topic: str) -> int:
        """Return the next offset ``group`` will consume from ``topic`` (0 if never committed)."""
        if (group, topic) in self._positions:
            return self._positions[(group, topic)]
        rows = self._lookup(
            f"read the position of group {group!r} on topic {topic!r}",
            "SELECT next_offset FROM positions WHERE consumer_group = ? AND topic = ?",
            (group, topic),
        )
        return (
            self._stored_int(rows[0][0], f"the position of group {group!r} on {topic!r}")
            if rows
            else 0
        )

    def commit(self, group: str, topic: str, next_offset: int) -> None:
        """Set the next offset ``group`` will consume from ``topic`` (0 up to the end offset)."""
        with self.transaction():
            check_commit(group, topic, next_offset, self._end(topic))
            self._positions[(group, topic)] = next_offset

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the appends and commits inside the block visible atomically, all or nothing."""
        if self._depth > 0:
            yield from self._join()
            return
        self._execute("begin a transaction", "BEGIN IMMEDIATE")
        self._depth, self._aborted = 1, False
        try:
            yield
            if self._aborted:
                raise TransactionAborted()
            self._write_appended()
            self._save_positions()
            self._save_ends()
            self._execute("commit a transaction", "COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth, self._ends, self._appended, self._positions = 0, {}, [], {}
            self._ends_read = {}

    def latest_by_key(self, topic: str) -> dict[bytes, LogRecord]:
        """Return the compacted view of ``topic``: the last record per key, tombstones removed."""
        latest: dict[bytes, LogRecord] = {}
        self._write_appended()
        with self._translate(f"read the compacted view of topic {topic!r}"):
            cursor = self._db.execute(
                f"SELECT {RECORD_COLUMNS} FROM records WHERE topic = ? AND key IS NOT NULL "
                'ORDER BY "offset"',
                (topic,),
            )
            for row in cursor:
                record = record_from_row(topic, row)  # raises DamagedRecord for a wrong type
                if record.key is None:
                    continue
                if record.value is None:
                    latest.pop(record.key, None)
                else:
                    latest[record.key] = record
        return latest

    def close(self) -> None:
        """Close the file; an open transaction is rolled back."""
        self._db.close()

    def _join(self) -> Iterator[None]:
        """Run a nested block inside the open transaction; if it raises, doom the transaction."""
        self._depth += 1
        try:
            yield
        except BaseException:
            self._aborted = True
            raise
        finally:
            self._depth -= 1

    def _insert(self, topic: str, row: tuple[int, bytes | None, bytes | None, str]) -> int:
        """Add a record at the topic's end inside the open transaction; return its offset."""
        offset = self._end(topic)
        self._appended.append((topic, offset, *row))
        self._ends[topic] = offset + 1
        if len(self._appended) >= HELD_APPENDS:
            self._write_appended()
        return offset

    def _write_appended(self) -> None:
        """Insert the records appended in the open transaction and not written yet, in order."""
        if not self._appended:
            return
        rows, self._appended = self._appended, []
        with self._translate(f"append {len(rows)} record(s) (first to topic {rows[0][0]!r})"):
            self._db.executemany(
                f"INSERT INTO records (topic, {RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows
            )

    def _save_positions(self) -> None:
        if not self._positions:
            return
        rows = [(group, topic, offset) for (group, topic), offset in self._positions.items()]
        with self._translate("commit the positions of the transaction"):
            self._db.executemany(
                "INSERT INTO positions (consumer_group, topic, next_offset) VALUES (?, ?, ?) "
                "ON CONFLICT (consumer_group, topic) "
                "DO UPDATE SET next_offset = excluded.next_offset",
                rows,
            )

    def _end(self, topic: str) -> int:
        if topic in self._ends:
            return self._ends[topic]
        if topic in self._ends_read:  # inside the transaction no other writer can move it
            return self._ends_read[topic]
        rows = self._lookup(
            f"read the end offset of topic {topic!r}",
            "SELECT next_offset FROM topic_ends WHERE topic = ?",
            (topic,),
        )
        end = self._stored_int(rows[0][0], f"the end offset of topic {topic!r}") if rows else 0
        if self._depth > 0:
            self._ends_read[topic] = end
        return end

    def _stored_int(self, stored: object, what: str) -> int:
        """An offset read back from the file, or LogFileError if the file holds something else."""
        if isinstance(stored, int) and stored >= 0:
            return stored
        found = f"{sql_type(stored)} {stored!r}"[:80]
        raise LogFileError(self.path, f"read {what}", f"it is {found}, not an offset (damaged)")

    def _save_ends(self) -> None:
        with self._translate("record the end offsets of the transaction"):
            self._db.executemany(
                "INSERT INTO topic_ends (topic, next_offset) VALUES (?, ?) "
                "ON CONFLICT (topic) DO UPDATE SET next_offset = excluded.next_offset",
                self._ends.items(),
            )

    def _rollback(self) -> None:
        # A failed ROLLBACK leaves nothing to keep: SQLite discards the open transaction when
        # the connection closes, so the original exception is the one worth raising.
        with suppress(sqlite3.Error):
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    def _prepare(self) -> None:
        with self._translate("switch to WAL mode"):
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous=NORMAL")
        if str(mode).lower() != "wal":
            raise LogFileError(self.path, "switch to WAL mode", f"SQLite kept mode {mode!r}")
        with self._translate("read the schema version"):
            version = self._schema_version()
        if version > SCHEMA_VERSION:
            raise LogFileError(
                self.path,
                "open the database",
                f"schema version {version} is newer than the supported version "
                f"{SCHEMA_VERSION}; upgrade ketenhub",
            )
        if version < SCHEMA_VERSION:
            with self.transaction(), self._translate("create or migrate the schema"):
                self._migrate(self._schema_version())

    def _schema_version(self) -> int:
        exists = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if exists is None:
            return 0
        row = self._db.execute("SELECT version FROM schema_version").fetchone()
        return 0 if row is None else int(row[0])

    def _migrate(self, version: int) -> None:
        if version == 0:
            for statement in _SCHEMA:
                self._db.execute(statement)
            self._db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            return
        for step in range(version, SCHEMA_VERSION):
            for statement in _MIGRATIONS[step]:
                self._db.execute(statement)
        self._db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def _execute(self, operation: str, sql: str, params: Sequence[Any] = ()) -> None:
        try:
            self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise self._error(operation, exc) from exc

    def _query(self, operation: str, sql: str, params: Sequence[Any]) -> list[Any]:
        """Run a query that may read records: the transaction's own appends are written first."""
        self._write_appended()
        return self._lookup(operation, sql, params)

    def _lookup(self, operation: str, sql: str, params: Sequence[Any]) -> list[Any]:
        """Run a query of the offset tables, which appends held in memory do not change."""
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(operation, exc) from exc

    @contextmanager
    def _translate(self, operation: str) -> Iterator[None]:
        """Turn a ``sqlite3`` or file-system error inside the block into a ``LogFileError``."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise self._error(operation, exc) from exc

    def _error(self, operation: str, exc: sqlite3.Error | OSError) -> LogFileError:
        hint = _HINTS.get(getattr(exc, "sqlite_errorname", ""), "")
        return LogFileError(self.path, operation, f"{hint} ({exc})" if hint else str(exc))
