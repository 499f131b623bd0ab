"""The contract every ``TopicLog`` implementation honours, as one abstract test class.

Subclass ``TopicLogContract`` in a ``test_*.py`` module, name the subclass ``Test…`` and
implement ``make_log``; every test below then runs against that implementation.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketenhub.errors import LogError
from ketenhub.topic_log import InvalidOffset, InvalidRecord, TopicLog, TransactionAborted


class Boom(Exception):
    """Raised inside transaction blocks to make them fail."""


class TopicLogContract(abc.ABC):
    """Tests that hold for every implementation of ``TopicLog``."""

    @abc.abstractmethod
    def make_log(self, tmp_path: Path) -> TopicLog:
        """Return a new, empty log; ``tmp_path`` is a fresh folder for this test."""

    @pytest.fixture
    def log(self, tmp_path: Path) -> Iterator[TopicLog]:
        """A fresh log, closed after the test."""
        log = self.make_log(tmp_path)
        yield log
        log.close()

    def test_implements_the_protocol(self, log: TopicLog) -> None:
        """The implementation structurally satisfies ``TopicLog``."""
        assert isinstance(log, TopicLog)

    def test_offsets_are_dense_per_topic_and_start_at_zero(self, log: TopicLog) -> None:
        """Each topic numbers its records 0, 1, 2, … independently of other topics."""
        offsets_a = [log.append("ingest.politie", b"a%d" % i) for i in range(3)]
        offsets_b = [log.append("ingest.gemeente", b"b%d" % i) for i in range(2)]
        offsets_a.append(log.append("ingest.politie", b"a3"))
        assert offsets_a == [0, 1, 2, 3]
        assert offsets_b == [0, 1]
        assert log.end_offset("ingest.politie") == 4
        assert log.end_offset("ingest.gemeente") == 2

    def test_unknown_topic_is_empty(self, log: TopicLog) -> None:
        """A topic never written has end offset 0, no records and no compacted entries."""
        assert log.end_offset("never.written") == 0
        assert log.read("never.written", 0) == []
        assert log.latest_by_key("never.written") == {}

    def test_read_returns_ascending_records_from_start_up_to_limit(self, log: TopicLog) -> None:
        """``read`` returns offsets >= start, ascending, at most ``limit`` of them."""
        for i in range(10):
            log.append("audit.log", b"%d" % i)
        assert [r.offset for r in log.read("audit.log", 0)] == list(range(10))
        assert [r.offset for r in log.read("audit.log", 4, limit=3)] == [4, 5, 6]
        assert [r.value for r in log.read("audit.log", 8, limit=100)] == [b"8", b"9"]
        assert log.read("audit.log", 10) == []
        assert log.read("audit.log", 3, limit=0) == []
        assert {r.topic for r in log.read("audit.log", 0)} == {"audit.log"}

    def test_read_refuses_negative_start_and_limit(self, log: TopicLog) -> None:
        """A negative start offset or limit raises ``InvalidOffset``."""
        log.append("audit.log", b"x")
        with pytest.raises(InvalidOffset, match="offset 0 or later"):
            log.read("audit.log", -1)
        with pytest.raises(InvalidOffset, match="limit"):
            log.read("audit.log", 0, limit=-1)

    def test_record_fields_round_trip_byte_exact(self, log: TopicLog) -> None:
        """Keys, values and headers (repeated, empty, binary, non-ASCII) come back unchanged."""
        headers = [
            ("ce_id", b"0b5e8f1c"),
            ("ce_id", b"second"),
            ("empty", b""),
            ("binary", bytes(range(256))),
            ("naïve-名", b"\x00\xff"),
        ]
        log.append("ingest.politie", b"\xc3\x01\x00", key=b"\x00case", headers=headers)
        log.append("ingest.politie", None)
        log.append("ingest.politie", b"", key=b"")
        first, second, third = log.read("ingest.politie", 0)
        assert (first.key, first.value, first.headers) == (
            b"\x00case",
            b"\xc3\x01\x00",
            tuple(headers),
        )
        assert (second.key, second.value, second.headers) == (None, None, ())
        assert (third.key, third.value) == (b"", b"")

    def test_append_refuses_values_that_are_not_bytes(self, log: TopicLog) -> None:
        """A str value, key or header value raises ``InvalidRecord`` and appends nothing."""
        with pytest.raises(InvalidRecord, match="value must be bytes"):
            log.append("audit.log", "text")  # type: ignore[arg-type]
        with pytest.raises(InvalidRecord, match="key must be bytes"):
            log.append("audit.log", b"x", key="case-1")  # type: ignore[arg-type]
        with pytest.raises(InvalidRecord, match="header"):
            log.append("audit.log", b"x", headers=[("ce_id", "abc")])  # type: ignore[list-item]
        assert log.end_offset("audit.log") == 0

    def test_timestamp_is_kept_or_set_on_append(self, log: TopicLog) -> None:
        """A given timestamp is stored as is; otherwise the log stamps the current UTC time."""
        log.append("audit.log", b"given", timestamp_us=1_700_000_000_123_456)
        before = time.time_ns() // 1000
        log.append("audit.log", b"stamped")
        after = time.time_ns() // 1000
        given, stamped = log.read("audit.log", 0)
        assert given.timestamp_us == 1_700_000_000_123_456
        assert before <= stamped.timestamp_us <= after

    def test_positions_default_to_zero_and_follow_commits(self, log: TopicLog) -> None:
        """A group starts at 0, sees what it committed, and groups and topics are independent."""
        for i in range(5):
            log.append("ingest.politie", b"%d" % i)
        assert log.committed("sealer", "ingest.politie") == 0
        log.commit("sealer", "ingest.politie", 3)
        assert log.committed("sealer", "ingest.politie") == 3
        assert log.committed("projector", "ingest.politie") == 0
        assert log.committed("sealer", "ingest.gemeente") == 0
        log.commit("sealer", "ingest.politie", 5)
        log.commit("sealer", "ingest.politie", 1)
        assert log.committed("sealer", "ingest.politie") == 1

    def test_commit_refuses_negative_or_beyond_end(self, log: TopicLog) -> None:
        """Committing below 0 or past the end raises ``InvalidOffset`` and changes nothing."""
        log.append("ingest.politie", b"x")
        log.commit("sealer", "ingest.politie", 1)
        with pytest.raises(InvalidOffset, match="negative"):
            log.commit("sealer", "ingest.politie", -1)
        with pytest.raises(InvalidOffset, match="beyond the end offset 1"):
            log.commit("sealer", "ingest.politie", 2)
        with pytest.raises(InvalidOffset):
            log.commit("sealer", "never.written", 1)
        assert log.committed("sealer", "ingest.politie") == 1

    def test_transaction_makes_appends_and_commits_visible_together(self, log: TopicLog) -> None:
        """All appends and commits of a completed transaction are kept."""
        log.append("ingest.politie", b"in")
        with log.transaction():
            first = log.append("audit.log", b"sealed-0")
            second = log.append("audit.log", b"sealed-1")
            log.commit("sealer", "ingest.politie", 1)
        assert (first, second) == (0, 1)
        assert [r.value for r in log.read("audit.log", 0)] == [b"sealed-0", b"sealed-1"]
        assert log.committed("sealer", "ingest.politie") == 1

    def test_failed_transaction_keeps_nothing_and_consumes_no_offsets(self, log: TopicLog) -> None:
        """An exception inside a transaction discards its appends and commits."""
        log.append("ingest.politie", b"in")

        def seal_then_fail() -> None:
            with log.transaction():
                log.append("audit.log", b"lost")
                log.append("rejected.politie", b"lost")
                log.commit("sealer", "ingest.politie", 1)
                raise Boom

        with pytest.raises(Boom):
            seal_then_fail()
        assert log.end_offset("audit.log") == 0
        assert log.read("audit.log", 0) == []
        assert log.committed("sealer", "ingest.politie") == 0
        assert "rejected.politie" not in log.topics()
        assert log.append("audit.log", b"kept") == 0

    def test_nested_transaction_joins_the_outer_one(self, log: TopicLog) -> None:
        """A completed inner block is still discarded when the outer block fails."""

        def nest_then_fail() -> None:
            with log.transaction():
                log.append("audit.log", b"outer")
                with log.transaction():
                    log.append("audit.log", b"inner")
                    log.commit("sealer", "audit.log", 2)
                raise Boom

        with pytest.raises(Boom):
            nest_then_fail()
        assert log.end_offset("audit.log") == 0
        assert log.committed("sealer", "audit.log") == 0

    def test_nested_transactions_commit_with_the_outer_one(self, log: TopicLog) -> None:
        """Appends of inner blocks are kept, with dense offsets, when the outer block completes."""
        with log.transaction():
            log.append("audit.log", b"0")
            with log.transaction():
                log.append("audit.log", b"1")
                with log.transaction():
                    log.append("audit.log", b"2")
            log.append("audit.log", b"3")
        assert [(r.offset, r.value) for r in log.read("audit.log", 0)] == [
            (0, b"0"),
            (1, b"1"),
            (2, b"2"),
            (3, b"3"),
        ]

    def test_failed_inner_block_aborts_the_whole_transaction(self, log: TopicLog) -> None:
        """An inner block that raises dooms the transaction even if the outer block catches it."""

        def fail_inner() -> None:
            with log.transaction():
                log.append("audit.log", b"inner")
                raise Boom

        def swallow_inner_failure() -> None:
            with log.transaction():
                log.append("audit.log", b"outer")
                with pytest.raises(Boom):
                    fail_inner()

        with pytest.raises(TransactionAborted):
            swallow_inner_failure()
        assert log.end_offset("audit.log") == 0
        assert issubclass(TransactionAborted, LogError)

    def test_latest_by_key_is_the_compacted_view(self, log: TopicLog) -> None:
        """The last record per key wins, tombstoned keys vanish, keyless records are ignored."""
        log.append("view.politie", b"v1", key=b"case-1")
        log.append("view.politie", b"v1", key=b"case-2")
        log.append("view.politie", b"v2", key=b"case-1")
        log.append("view.politie", None, key=b"case-2")
        log.append("view.politie", b"v1", key=b"case-3")
        log.append("view.politie", None, key=b"case-3")
        log.append("view.politie", b"v2", key=b"case-3")
        log.append("view.politie", b"no key")
        latest = log.latest_by_key("view.politie")
        assert sorted(latest) == [b"case-1", b"case-3"]
        assert (latest[b"case-1"].offset, latest[b"case-1"].value) == (2, b"v2")
        assert (latest[b"case-3"].offset, latest[b"case-3"].value) == (6, b"v2")

    def test_topics_are_sorted_and_filtered_by_prefix(self, log: TopicLog) -> None:
        """``topics`` lists written topics in order, optionally only those with a prefix."""
        for topic in ["view.politie", "ingest.politie", "audit.log", "ingest.gemeente"]:
            log.append(topic, b"x")
        assert log.topics() == ["audit.log", "ingest.gemeente", "ingest.politie", "view.politie"]
        assert log.topics("ingest.") == ["ingest.gemeente", "ingest.politie"]
        assert log.topics("rejected.") == []
