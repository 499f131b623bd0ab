"""access.log on Kafka, seen from a reading process: a read is shown only once the hub sealed its records.

The commands, the web tier and the SDK with the hub's folder, on any number of machines, never
write access.log themselves: each sends its read's processing records to the one-partition
topic ``access.intake`` (idempotent producer, acks=all) and waits until the hub's one sealer
(``ketenhub.runtime.kafka.access_sealer``, on the worker that seals audit.log) has stored
them on ``access.log`` and a signed checkpoint covering them on ``access.checkpoints``. It
follows both topics from where they ended before it sent, finds each of its records by the
intake offset it was sent to, and checks that the sealed payload is the record it sent.

Writing the record is part of the read: a read whose records were not stored fails
(``ReadNotRecorded``) — no worker sealed them within ``KETENHUB_ACCESS_RECORD_TIMEOUT_S``
(``ReadNotSealed``), the sealer passed over one of them, or access.log's end does not hold
together (``AccessLogBroken``, found when the sealer makes no progress). A partner's login
may not use the hub's topics at all (``LoginMayNotRecordReads``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from ketenhub.core.access_log import (
    AccessLogBroken,
    AccessLogUnsigned,
    ReadNotRecorded,
    read_head,
)
from ketenhub.core.checkpoint_records import decode_chained_checkpoint
from ketenhub.core.processing import ProcessingRecord, encode_processing_record
from ketenhub.core.sealing import decode_sealed
from ketenhub.errors import IntegrityError, LogError
from ketenhub.runtime.kafka.access_sealer import INTAKE_END_HEADER, INTAKE_HEADER, intake_offset
from ketenhub.runtime.kafka.errors import NotAuthorized
from ketenhub.runtime.kafka.log_reader import KafkaLogReader, log_record
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames

SEND_TIMEOUT_S = 30.0
STALLED_S = 1.0  # no progress for this long: check whether access.log can be continued at all
POLL_MS = 100
RECHECK_S = 0.2


class LoginMayNotRecordReads(Exception):
    """A partner's login reading with the hub's data folder: only the hub writes access.log."""

    def __init__(self, user: str | None) -> None:
        super().__init__(
            f"the login {user!r} may not write the hub's access log; a partner reads its views "
            "from its partner folder (made by `ketenhub partners provision --partner-folders`, "
            "given as --data-dir), through which the hub records each read"
        )


class ReadNotSealed(LogError):
    """No sealer stored a read's processing records in time (no hub worker is sealing)."""

    def __init__(self, count: int, timeout_s: float, intake: str) -> None:
        self.count, self.timeout_s = count, timeout_s
        super().__init__(
            f"no hub worker sealed its {count} processing record(s) from {intake} within "
            f"{timeout_s:g} s: is a hub worker (`ketenhub serve --kafka ...`) running for this "
            "cluster and topic prefix? (the wait is KETENHUB_ACCESS_RECORD_TIMEOUT_S)"
        )


class ReadPassedOver(LogError):
    """The sealer decided intake offsets of this read without sealing them."""

    def __init__(self, offsets: Sequence[int], intake: str) -> None:
        self.offsets = tuple(offsets)
        super().__init__(
            f"the hub's sealer passed over the records sent to {intake} at offsets "
            f"{list(offsets)} (not valid processing records; see the worker's log)"
        )


class KafkaAccessLog:
    """Has a read's processing records sealed onto access.log by the hub, or fails the read."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._names = TopicNames(settings.topic_prefix)
        self._reader: KafkaLogReader | None = None
        self._producer: Any = None
        self._follower: Any = None
        self._one_at_a_time = threading.Lock()

    def record(self, records: Sequence[ProcessingRecord]) -> None:
        """Have ``records`` (one read) sealed and checkpointed; ``ReadNotRecorded`` if they were not.

        One read at a time per instance (its clients are not shared between threads).
        """
        if not records:
            return
        where = f"topic {self._names.access_log}"
        try:
            with self._one_at_a_time:
                self._record([encode_processing_record(r) for r in records])
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
        for client in (self._follower, self._reader):
            if client is not None:
                client.close()
        self._follower = self._reader = None

    def _record(self, payloads: list[bytes]) -> None:
        names = self._names
        starts = self._log_reader().end_offsets_of([names.access_log, names.access_checkpoints])
        producer = self._open_producer()
        futures = [producer.send(names.access_intake, value=p, partition=0) for p in payloads]
        producer.flush(timeout=SEND_TIMEOUT_S)
        sent = {
            f.get(timeout=SEND_TIMEOUT_S).offset: p for f, p in zip(futures, payloads, strict=True)
        }
        self._await_sealed(sent, starts)

    def _await_sealed(self, sent: dict[int, bytes], starts: dict[tuple[str, int], int]) -> None:
        """Follow access.log and its checkpoints until a checkpoint decided every offset sent."""
        names, timeout = self._names, self._settings.access_record_timeout_s
        log_tp, marks_tp = (
            TopicPartition(names.access_log, 0),
            TopicPartition(names.access_checkpoints, 0),
        )
        follower = self._open_follower([log_tp, marks_tp])
        follower.seek(log_tp, starts.get((names.access_log, 0), 0))
        follower.seek(marks_tp, starts.get((names.access_checkpoints, 0), 0))
        found: set[int] = set()
        last, covered = max(sent), None  # covered: the log size the deciding checkpoint signs
        deadline = progress = time.monotonic()
        deadline += timeout
        while covered is None or follower.position(log_tp) < covered:
            polled = follower.poll(timeout_ms=POLL_MS)
            for message in polled.get(log_tp, []):
                found |= self._mine(log_record(message), sent)
            for message in polled.get(marks_tp, []):
                mark = log_record(message)
                if covered is None and (intake_offset(mark, INTAKE_END_HEADER) or 0) > last:
                    checkpoint = decode_chained_checkpoint(mark.value or b"", mark.offset)
                    covered = checkpoint.checkpoint.tree_size
            now = time.monotonic()
            if polled:
                progress = now
            elif now - progress > STALLED_S:
                self._check_continuable()
                progress = now
            if now > deadline:
                raise ReadNotSealed(len(sent), timeout, names.access_intake)
        if missing := sorted(set(sent) - found):
            raise ReadPassedOver(missing, names.access_intake)

    def _mine(self, record: Any, sent: dict[int, bytes]) -> set[int]:
        """The intake offset of ``record`` if it is one of ours (its payload as sent), else none."""
        offset = intake_offset(record, INTAKE_HEADER)
        if offset not in sent:
            return set()
        sealed = decode_sealed(record.value or b"", record.offset)
        if sealed.payload != sent[offset]:
            detail = (
                f"the record at offset {record.offset} was sealed from intake offset {offset} "
                "but does not hold the processing record sent there"
            )
            raise AccessLogBroken(detail)
        return {offset}

    def _check_continuable(self) -> None:
        """Raise ``AccessLogBroken`` when access.log's end does not hold together (the sealer is
        stuck on it); records a stopped sealer left unsigned are its to cover, not a fault.

        The end is read twice, a moment apart: only a fault found both times at the same end
        counts (a sealer writing between the two topics' ends is read at once is no fault).
        """
        first = self._fault()
        if first is None:
            return
        time.sleep(RECHECK_S)
        second = self._fault()
        if second is not None and second[1] == first[1]:
            raise second[0]

    def _fault(self) -> tuple[AccessLogBroken, dict[tuple[str, int], int]] | None:
        """Why access.log's end cannot be continued, with the ends it was read at (None: it can)."""
        names, reader = self._names, self._log_reader()
        ends = reader.end_offsets_of([names.access_log, names.access_checkpoints])
        key = self._settings.hub_folder.signing_key()
        try:
            read_head(reader, names.access_log, names.access_checkpoints, key)
        except AccessLogUnsigned:
            return None
        except AccessLogBroken as exc:
            return exc, ends
        return None

    def _log_reader(self) -> KafkaLogReader:
        if self._reader is None:
            self._reader = KafkaLogReader(self._settings)
        return self._reader

    def _open_follower(self, partitions: list[TopicPartition]) -> Any:
        if self._follower is None:
            self._follower = KafkaConsumer(
                **self._settings.client_config(),
                group_id=None,
                enable_auto_commit=False,
                client_id="ketenhub-access-follower",
            )
            self._follower.assign(partitions)
        return self._follower

    def _open_producer(self) -> Any:
        if self._producer is None:
            self._producer = KafkaProducer(
                **self._settings.client_config(),
                client_id="ketenhub-access-intake",
                acks="all",
                enable_idempotence=True,
                max_block_ms=int(SEND_TIMEOUT_S * 1000),
            )
        return self._producer
