"""access.log on Kafka: processing records sealed onto the ``access.log`` topic by the reading process.

The commands and the web tier that read case data on Kafka seal each read's processing
records themselves, as the embedded hub does, onto the one-partition topics ``access.log``
and ``access.checkpoints`` (created with the hub's other topics): they read the log's last
record and checkpoint, seal after them, send with the idempotent producer (acks=all) and wait
until the broker stored every record. Writers on one machine take turns under an exclusive
lock on ``access.lock`` in the data folder. Each record must land at the offset equal to its
sequence number: a record that lands elsewhere (a writer on another machine wrote at the same
moment) fails the read with ``AccessLogBroken``, and ``ketenhub verify --kafka`` names that
offset. A read whose records were not stored fails (``ReadNotRecorded``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer
from kafka.errors import KafkaError

from ketenhub.core.access_log import (
    FRONTIER_HEADER,
    AccessLogBroken,
    ReadNotRecorded,
    read_head,
    seal_reads,
)
from ketenhub.core.checkpoint_records import encode_checkpoint
from ketenhub.core.processing import ProcessingRecord
from ketenhub.core.sealing import encode_sealed
from ketenhub.errors import IntegrityError, LogError
from ketenhub.pipeline.sealing_step import Clock, utc_now
from ketenhub.runtime.kafka.errors import NotAuthorized
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames

LOCK_FILE = "access.lock"
STORE_TIMEOUT_S = 30.0


class LoginMayNotRecordReads(Exception):
    """A partner's login reading with the hub's data folder: only the hub writes access.log."""

    def __init__(self, user: str | None) -> None:
        super().__init__(
            f"the login {user!r} may not write the hub's access log; a partner reads its views "
            "from its partner folder (made by `ketenhub partners provision --partner-folders`, "
            "given as --data-dir), through which the hub records each read"
        )


class KafkaAccessLog:
    """Seals a read's processing records onto access.log on Kafka, or fails the read."""

    def __init__(self, settings: KafkaSettings, clock: Clock = utc_now) -> None:
        self._settings, self._clock = settings, clock
        self._names = TopicNames(settings.topic_prefix)
        self._lock_folder = settings.hub_folder.path
        self._key: Ed25519PrivateKey | None = None
        self._reader: KafkaLogReader | None = None
        self._producer: Any = None

    def record(self, records: Sequence[ProcessingRecord]) -> None:
        """Seal and store ``records`` (one read) with a checkpoint; ``ReadNotRecorded`` if not."""
        if not records:
            return
        where = f"topic {self._names.access_log}"
        try:
            with self._turn():
                self._store(records)
        except NotAuthorized as exc:
            raise ReadNotRecorded(where, LoginMayNotRecordReads(exc.user)) from exc
        except (KafkaError, LogError, IntegrityError, OSError) as exc:
            raise ReadNotRecorded(where, exc) from exc

    def close(self) -> None:
        """Flush and close the clients."""
        if self._producer is not None:
            self._producer.flush()
            self._producer.close()
            self._producer = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _store(self, records: Sequence[ProcessingRecord]) -> None:
        if self._key is None:
            self._key = self._settings.hub_folder.signing_key()
        if self._reader is None:
            self._reader = KafkaLogReader(self._settings)
        key, names = self._key, self._names
        head = read_head(self._reader, names.access_log, names.access_checkpoints, key)
        batch = seal_reads(head, records, key, self._clock())
        producer = self._open_producer()
        sent = [
            (item.sequence, producer.send(names.access_log, value=encode_sealed(item), partition=0))
            for item in batch.sealed
        ]
        checkpoint = producer.send(
            names.access_checkpoints,
            value=encode_checkpoint(batch.checkpoint),
            headers=[(FRONTIER_HEADER, batch.frontier.to_bytes())],
            partition=0,
        )
        producer.flush(timeout=STORE_TIMEOUT_S)
        for sequence, future in sent:
            offset = future.get(timeout=STORE_TIMEOUT_S).offset
            if offset != sequence:
                detail = (
                    f"the record sealed as sequence {sequence} landed at offset {offset}: "
                    "another writer wrote at the same moment"
                )
                raise AccessLogBroken(detail)
        checkpoint.get(timeout=STORE_TIMEOUT_S)

    def _open_producer(self) -> Any:
        if self._producer is None:
            self._producer = KafkaProducer(
                **self._settings.client_config(),
                client_id="ketenhub-access-log",
                acks="all",
                enable_idempotence=True,
                max_block_ms=int(STORE_TIMEOUT_S * 1000),
            )
        return self._producer

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the data folder's access lock (writers on this machine take turns)."""
        fd = os.open(self._lock_folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock
