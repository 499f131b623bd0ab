"""The embedded log honours the ``TopicReader`` contract that replay reads through."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from ketenhub.topic_log import TopicReader

from .topic_reader_contract import Stored, TopicReaderContract


class TestSqliteTopicReader(TopicReaderContract):
    """``SqliteTopicLog`` read through the ``TopicReader`` port."""

    @contextmanager
    def make_reader(
        self, tmp_path: Path, topics: dict[str, Sequence[Stored]]
    ) -> Iterator[TopicReader]:
        """Append the records to a new log file and read them from it."""
        with SqliteTopicLog(tmp_path / "log.sqlite") as log:
            for topic, records in topics.items():
                for key, value, headers in records:
                    log.append(topic, value, key=key, headers=headers)
            yield log
