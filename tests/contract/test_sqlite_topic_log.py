"""The SQLite topic log honours the contract, survives ``kill -9`` and reports bad files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ketenhub.errors import LogError
from ketenhub.runtime.embedded.damage import DamagedRecord
from ketenhub.runtime.embedded.sqlite_log import LogFileError, SqliteTopicLog
from ketenhub.runtime.embedded.stored_rows import encode_headers, record_from_row
from ketenhub.topic_log import RecordsMissing, TopicLog, read_all_values

from .topic_log_contract import TopicLogContract

# A writer that appends ``size`` records to two topics and commits a position in one
# transaction per batch. Inside each transaction, at a random point among the appends, it
# prints how many batches it has committed, so a kill that follows a report lands inside a
# transaction. With ``pause_after`` >= 0 it stops after that many batches in the middle of a
# large transaction (large enough to spill uncommitted pages into the WAL file), prints "mid"
# and waits to be killed.
WRITER = textwrap.dedent(
    """
    import random
    import sys
    from pathlib import Path
    from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog

    log = SqliteTopicLog(Path(sys.argv[1]))
    size, pause_after = int(sys.argv[2]), int(sys.argv[3])
    batch = 0
    while True:
        with log.transaction():
            if batch == pause_after:
                for i in range(5000):
                    log.append("kill.a", b"%d:%d" % (batch, i) + bytes(4000))
                    log.append("kill.b", b"%d:%d" % (batch, i) + bytes(4000))
                print("mid", flush=True)
                sys.stdin.readline()
            mark = random.randrange(size)
            for i in range(size):
                if i == mark:
                    print(batch, flush=True)
                log.append("kill.a", b"%d:%d" % (batch, i))
                log.append("kill.b", b"%d:%d" % (batch, i))
            log.commit("writer", "kill.a", log.end_offset("kill.a"))
        batch += 1
    """
)

BATCH = 200


class TestSqliteTopicLog(TopicLogContract):
    """The contract, run against ``SqliteTopicLog``."""

    def make_log(self, tmp_path: Path) -> TopicLog:
        """Open a log in a new file under ``tmp_path``."""
        return SqliteTopicLog(tmp_path / "log" / "topics.db")


@contextmanager
def writer_process(path: Path, pause_after: int) -> Iterator[subprocess.Popen[str]]:
    """Run the writer snippet in a child process; kill it on exit."""
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(BATCH), str(pause_after)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        process.kill()
        process.communicate()


def assert_whole_batches(path: Path, at_least: int) -> None:
    """Both topics hold the same whole batches, in order, and the position matches."""
    with SqliteTopicLog(path) as log:
        end = log.end_offset("kill.a")
        assert end >= at_least * BATCH
        assert end % BATCH == 0
        assert log.end_offset("kill.b") == end
        assert log.committed("writer", "kill.a") == end
        expected = [b"%d:%d" % (batch, i) for batch in range(end // BATCH) for i in range(BATCH)]
        for topic in ("kill.a", "kill.b"):
            assert [r.value for r in log.read(topic, 0, limit=end + 1)] == expected
            assert log.read(topic, end) == []


def test_kill_9_in_a_loop_leaves_only_whole_transactions(tmp_path: Path) -> None:
    """A writer killed with SIGKILL inside a transaction leaves only whole batches behind."""
    path = tmp_path / "topics.db"
    with writer_process(path, pause_after=-1) as process:
        assert process.stdout is not None
        reported = [process.stdout.readline().strip() for _ in range(6)]
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    assert reported == ["0", "1", "2", "3", "4", "5"]
    assert_whole_batches(path, at_least=5)


def test_kill_9_mid_transaction_discards_spilled_pages(tmp_path: Path) -> None:
    """A writer killed inside a transaction whose pages already reached the WAL loses just it."""
    path = tmp_path / "topics.db"
    with writer_process(path, pause_after=3) as process:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        assert lines == ["0", "1", "2", "mid"]
        assert Path(f"{path}-wal").stat().st_size > 10_000_000
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    assert_whole_batches(path, at_least=3)
    with SqliteTopicLog(path) as log:
        assert log.end_offset("kill.a") == 3 * BATCH


def test_reopened_file_keeps_records_and_positions(tmp_path: Path) -> None:
    """Closing and reopening the file shows every record and position, and offsets continue."""
    path = tmp_path / "topics.db"
    with SqliteTopicLog(path) as log:
        log.append("audit.log", b"0", key=b"k", headers=[("h", b"\x00")], timestamp_us=7)
        log.append("audit.log", None, key=b"k")
        log.commit("projector", "audit.log", 1)
    with SqliteTopicLog(path) as log:
        first, second = log.read("audit.log", 0)
        assert (first.value, first.key, first.headers, first.timestamp_us) == (
            b"0",
            b"k",
            (("h", b"\x00"),),
            7,
        )
        assert (second.value, second.key) == (None, b"k")
        assert log.committed("projector", "audit.log") == 1
        assert log.topics() == ["audit.log"]
        assert log.append("audit.log", b"2") == 2


def test_file_uses_wal_journal(tmp_path: Path) -> None:
    """The log switches its file to WAL mode so readers never block the writer."""
    path = tmp_path / "topics.db"
    SqliteTopicLog(path).close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_other_process_reads_only_committed_records(tmp_path: Path) -> None:
    """A reader in another process sees committed records while a transaction is open."""
    path = tmp_path / "topics.db"
    reader = (
        "import sys; from pathlib import Path; from ketenhub.runtime.embedded.sqlite_log import "
    )
    reader += "SqliteTopicLog as L; print(L(Path(sys.argv[1])).end_offset('audit.log'))"
    with SqliteTopicLog(path) as log:
        log.append("audit.log", b"committed")
        with log.transaction():
            log.append("audit.log", b"pending")
            seen = subprocess.run(
                [sys.executable, "-c", reader, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
        assert seen.stdout.strip() == "1"
        with SqliteTopicLog(path) as second:
            assert second.end_offset("audit.log") == 2


def test_locked_file_raises_log_error_naming_file(tmp_path: Path) -> None:
    """A write while another connection holds the write lock fails with a clear ``LogError``."""
    path = tmp_path / "topics.db"
    with SqliteTopicLog(path, busy_timeout_s=0.01) as log:
        log.append("audit.log", b"0")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(LogFileError, match="locked") as caught:
                log.append("audit.log", b"1")
            assert str(path) in str(caught.value)
            assert [r.value for r in log.read("audit.log", 0)] == [b"0"]
        finally:
            other.close()
        assert log.append("audit.log", b"1") == 1


def test_corrupt_file_raises_log_error_naming_file(tmp_path: Path) -> None:
    """A file that is not a SQLite database is refused with a message naming the path."""
    path = tmp_path / "topics.db"
    path.write_bytes(b"this is not a database, just synthetic garbage\n" * 200)
    with pytest.raises(LogFileError, match="not a SQLite database") as caught:
        SqliteTopicLog(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, LogError)


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    """A file written by a newer schema version is refused rather than misread."""
    path = tmp_path / "topics.db"
    SqliteTopicLog(path).close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("UPDATE schema_version SET version = 99")
    raw.close()
    with pytest.raises(LogFileError, match="schema version 99 is newer"):
        SqliteTopicLog(path)


def test_closed_log_raises_log_error(tmp_path: Path) -> None:
    """Using a closed log raises ``LogError`` naming the operation."""
    log = SqliteTopicLog(tmp_path / "topics.db")
    log.close()
    with pytest.raises(LogFileError, match=r"read topic 'audit\.log'"):
        log.read("audit.log", 0)


def test_large_transaction_keeps_dense_offsets(tmp_path: Path) -> None:
    """Fifty thousand appends in one transaction get offsets 0..49999 on commit."""
    with SqliteTopicLog(tmp_path / "topics.db") as log:
        with log.transaction():
            offsets = [log.append("audit.log", b"%d" % i) for i in range(50_000)]
            log.commit("projector", "audit.log", 50_000)
        assert offsets == list(range(50_000))
        assert log.end_offset("audit.log") == 50_000
        assert [r.value for r in log.read("audit.log", 49_998)] == [b"49998", b"49999"]


def test_two_processes_appending_in_turn_keep_offsets_dense(tmp_path: Path) -> None:
    """Two logs on one file appending in alternating transactions never reuse or skip an offset."""
    path = tmp_path / "topics.db"
    with SqliteTopicLog(path) as first, SqliteTopicLog(path) as second:
        offsets = []
        for n in range(6):
            log = first if n % 2 == 0 else second
            with log.transaction():
                offsets.append(log.append("audit.log", b"%d" % n))
                offsets.append(log.append("audit.log", b"%d again" % n))
        assert offsets == list(range(12))
        assert [r.value for r in second.read("audit.log", 0)][:3] == [b"0", b"0 again", b"1"]


class CountingConnection:
    """A SQLite connection that counts the statements run through ``execute``/``executemany``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.calls: list[str] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        """Run one statement, counted."""
        self.calls.append(sql.split()[0])
        return self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        """Run one statement over many rows, counted once."""
        self.calls.append(sql.split()[0])
        return self.connection.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


def test_a_transaction_writes_its_appends_and_positions_in_a_few_statements(
    tmp_path: Path,
) -> None:
    """Five hundred appends over three topics and a position commit after each one run a
    handful of statements, not one per record, and are all kept on commit."""
    with SqliteTopicLog(tmp_path / "topics.db") as log:
        log.append("ingest.a", b"in")
        counting = CountingConnection(log._db)
        log._db = counting  # type: ignore[assignment]  # count what the log asks of SQLite
        with log.transaction():
            for i in range(500):
                log.append(("audit.log", "view.a", "view.b")[i % 3], b"%d" % i)
                log.commit("projector", "ingest.a", 1)
        # begin, one end-offset lookup per topic, three inserts (records, positions, ends), commit
        assert len(counting.calls) <= 10, counting.calls
        assert [log.end_offset(t) for t in ("audit.log", "view.a", "view.b")] == [167, 167, 166]
        assert [r.value for r in log.read("view.b", 165)] == [b"497"]
        assert log.committed("projector", "ingest.a") == 1


def test_reads_inside_a_transaction_see_its_own_appends_and_positions(tmp_path: Path) -> None:
    """Records appended and positions committed earlier in the same transaction are read back
    inside it, in append order across topics, before anything is committed."""
    path = tmp_path / "topics.db"
    with SqliteTopicLog(path) as log, SqliteTopicLog(path) as other:
        log.append("ingest.a", b"in")
        with log.transaction():
            log.append("audit.log", b"0")
            log.append("view.a", b"a0", key=b"case")
            log.append("audit.log", b"1")
            log.commit("sealer", "ingest.a", 1)
            assert [r.value for r in log.read("audit.log", 0)] == [b"0", b"1"]
            assert log.latest_by_key("view.a")[b"case"].value == b"a0"
            assert log.committed("sealer", "ingest.a") == 1
            assert log.topics() == ["audit.log", "ingest.a", "view.a"]
            arrival = log._db.execute("SELECT value FROM records ORDER BY rowid").fetchall()
            assert [row[0] for row in arrival] == [b"in", b"0", b"a0", b"1"]
            assert other.read("audit.log", 0) == [] and other.committed("sealer", "ingest.a") == 0
        assert [r.value for r in other.read("audit.log", 0)] == [b"0", b"1"]


def test_headers_are_stored_as_the_json_text_of_their_pairs() -> None:
    """Headers are stored as exactly the JSON ``json.dumps`` writes for their pairs (every
    byte value, quotes, backslashes, non-ASCII names), and read back unchanged."""
    headers = (
        ("ce_id", bytes(range(256))),
        ('quote"back\\slash', b'\x00\n"\\\x7f\xff'),
        ("naam-\u00e9\u2013\U0001f600", b"plain"),
        ("", b""),
    )
    stored = encode_headers(headers)
    pairs = [[name, value.decode("latin-1")] for name, value in headers]
    assert stored == json.dumps(pairs, ensure_ascii=True, separators=(",", ":"))
    assert encode_headers(()) == "[]"
    assert record_from_row("t", (0, 0, None, b"v", stored)).headers == headers


def test_values_are_read_without_the_headers_but_checked_as_records_are(tmp_path: Path) -> None:
    """``read_values`` gives what ``read`` gives, offsets and values only: damaged headers
    beside a value do not stop it (they are not read), a value stored as text does."""
    with SqliteTopicLog(tmp_path / "log.sqlite") as log:
        for n in range(3):
            log.append("audit.log", b"sealed-%d" % n, headers=(("h", b"%d" % n),))
        log.append("audit.log", None)
        expected = [(r.offset, r.value) for r in log.read("audit.log", 0)]
        assert log.read_values("audit.log", 1, 2) == expected[1:3]
        assert list(read_all_values(log, "audit.log")) == expected
        log._db.execute("UPDATE records SET headers = 'not json' WHERE \"offset\" = 1")
        assert list(read_all_values(log, "audit.log")) == expected
        with pytest.raises(DamagedRecord, match="offset 1: damaged record: the headers"):
            log.read("audit.log", 0)
        log._db.execute('UPDATE records SET value = CAST(value AS TEXT) WHERE "offset" = 2')
        with pytest.raises(DamagedRecord, match="offset 2: damaged record: the value is text"):
            log.read_values("audit.log", 0)
        log._db.execute('UPDATE records SET "offset" = \'two\' WHERE "offset" = 2')
        with pytest.raises(DamagedRecord, match="the offset is text, not an integer"):
            log.read_values("audit.log", 0)


def test_values_missing_below_the_end_are_named_as_records_are(tmp_path: Path) -> None:
    """``read_all_values`` refuses a gap as ``read_all`` does, after the values before it."""
    with SqliteTopicLog(tmp_path / "log.sqlite") as log:
        for n in range(4):
            log.append("audit.log", b"%d" % n)
        log._db.execute('DELETE FROM records WHERE "offset" = 2')
        read = read_all_values(log, "audit.log")
        assert [next(read), next(read)] == [(0, b"0"), (1, b"1")]
        with pytest.raises(RecordsMissing, match="offset 2 is missing"):
            next(read)
