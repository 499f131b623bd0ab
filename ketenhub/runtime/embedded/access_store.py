"""The embedded access.log: processing records sealed into their own SQLite file, access.sqlite.

Readers of case data run in many processes at once (``ketenhub view``, the web server, a
connector), beside the one pipeline writer of log.sqlite, so access.log has a file and a
writer discipline of its own: every batch (one read) is one ``BEGIN IMMEDIATE`` transaction
that re-reads the log's last record and last checkpoint inside it, seals the records after
them, and appends them with a checkpoint over the whole log (its Merkle frontier in a
header, vouched for by the signed root). Writers in several processes are serialised by
SQLite's write lock; none can fork the chain. A batch that cannot be written raises
``ReadNotRecorded``: the read it records must then fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ketenhub import topics
from ketenhub.core.access_log import FRONTIER_HEADER, ReadNotRecorded, read_head, seal_reads
from ketenhub.core.checkpoint_records import encode_checkpoint
from ketenhub.core.processing import ProcessingRecord
from ketenhub.core.sealing import encode_sealed
from ketenhub.core.verification import VerificationReport, require_signed, verify_log
from ketenhub.core.witnessing import Witness
from ketenhub.data_folder import create_private_file
from ketenhub.errors import IntegrityError, LogError
from ketenhub.pipeline.sealing_step import Clock, utc_now
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from ketenhub.topic_log import LogRecord, TopicReader, read_all


class SqliteAccessLog:
    """access.log in ``access.sqlite``: ``record`` seals a read's records, or the read fails."""

    def __init__(
        self, path: Path, signing_key: Callable[[], Ed25519PrivateKey], clock: Clock = utc_now
    ) -> None:
        self.path = path
        self._signing_key, self._clock = signing_key, clock
        self._log: SqliteTopicLog | None = None

    def record(self, records: Sequence[ProcessingRecord]) -> None:
        """Seal ``records`` (one read) with a checkpoint, atomically; ``ReadNotRecorded`` if not."""
        if not records:
            return
        try:
            log = self._open()
            key = self._signing_key()
            with log.transaction():
                head = read_head(log, topics.ACCESS_LOG, topics.ACCESS_CHECKPOINTS, key)
                batch = seal_reads(head, records, key, self._clock())
                for sealed in batch.sealed:
                    log.append(topics.ACCESS_LOG, encode_sealed(sealed))
                frontier = ((FRONTIER_HEADER, batch.frontier.to_bytes()),)
                log.append(
                    topics.ACCESS_CHECKPOINTS, encode_checkpoint(batch.checkpoint), headers=frontier
                )
        except (LogError, IntegrityError, OSError) as exc:
            raise ReadNotRecorded(str(self.path), exc) from exc

    def reader(self) -> TopicReader:
        """The access log's topics, for reading back and verifying (the file must exist)."""
        return self._open()

    def records(self, topic: str = topics.ACCESS_LOG) -> Iterator[LogRecord]:
        """Every record of ``topic`` (access.log by default), in offset order."""
        if not self.path.exists():
            return iter(())
        return read_all(self._open(), topic)

    def verify(
        self, public_key: Ed25519PublicKey, witness: Witness | None = None
    ) -> VerificationReport:
        """Verify access.log's chain and checkpoints as audit.log's (against ``witness``, a
        witnessed checkpoint of access.log, if given); every record must be signed."""
        log = self._open()
        report = verify_log(
            public_key,
            read_all(log, topics.ACCESS_LOG, tolerate_missing=True),
            read_all(log, topics.ACCESS_CHECKPOINTS, tolerate_missing=True),
            witness,
            log=topics.ACCESS_LOG,
        )
        require_signed(report, 0, log=topics.ACCESS_LOG)  # each read is checkpointed at once
        return report

    def close(self) -> None:
        """Close the file."""
        if self._log is not None:
            self._log.close()
            self._log = None

    def _open(self) -> SqliteTopicLog:
        if self._log is None:
            create_private_file(self.path)
            self._log = SqliteTopicLog(self.path)
        return self._log


@contextmanager
def open_access_log(
    path: Path, signing_key: Callable[[], Ed25519PrivateKey], clock: Clock = utc_now
) -> Iterator[SqliteAccessLog]:
    """An access log for the span of a block, closed after it."""
    access = SqliteAccessLog(path, signing_key, clock)
    try:
        yield access
    finally:
        access.close()
