"""The one writer of access.log on Kafka: it seals the processing records readers send to access.intake.

Readers never write access.log themselves (``ketenhub.runtime.kafka.access_writer``): they
send each read's processing records to the one-partition topic ``access.intake`` and wait
until they are sealed. The worker that holds the sealer role of audit.log
(``ketenhub.runtime.kafka.sealer_fence``) runs this sealer too. It reads access.intake in
order and, per batch, seals the records after access.log's head (``seal_reads``), writes them
(each naming the intake offset it came from, header ``ketenhub_intake``) and then a signed
checkpoint over them (headers: its Merkle frontier, and ``ketenhub_intake_end``, the intake
offset everything before which is decided), with an idempotent producer, and waits until the
broker stored them all.

Where it stands is read back from access.log itself, never from a consumer group: on start,
and after any failure, it continues after the intake offset of access.log's last record, so
each intake record is sealed once. Records a stopped sealer stored without their checkpoint
are checked link by link and covered by a checkpoint before anything else (``cover_tail``).
Before each batch it checks that no later sealer claimed the role and that access.log ends
where it expects; after writing, that each record landed at the offset its sequence says.
An intake record that is not a valid processing record is passed over (logged): the reader
that sent it sees its offset decided without its record, and its read fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ketenhub.core.access_log import (
    FRONTIER_HEADER,
    AccessBatch,
    AccessLogBroken,
    AccessLogHead,
    StoredEnd,
    cover_tail,
    empty_head,
    head_after,
    restore_head,
    seal_reads,
)
from ketenhub.core.checkpoint_records import decode_chained_checkpoint, encode_checkpoint
from ketenhub.core.processing import ProcessingRecord, check_record, decode_processing_record
from ketenhub.core.sealing import encode_sealed
from ketenhub.errors import CodecError, IntegrityError
from ketenhub.pipeline.sealing_step import Clock, utc_now
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.sealer_fence import SealerFenced, fence_topic
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topic_log import LogRecord
from ketenhub.topics import TopicNames

INTAKE_HEADER = "ketenhub_intake"  # on each access.log record: the intake offset it came from
INTAKE_END_HEADER = "ketenhub_intake_end"  # on each access checkpoint: intake decided below this
BATCH = 500
WRITE_TIMEOUT_S = 30.0
log = structlog.get_logger("ketenhub.streams.access")


def intake_offset(record: LogRecord, name: str = INTAKE_HEADER) -> int | None:
    """The intake offset a header of an access.log record or checkpoint names (None: no header)."""
    value = dict(record.headers).get(name)
    return None if value is None else int(value)


class AccessSealer:
    """Seals access.intake onto access.log while its worker holds the sealer role (blocking calls)."""

    def __init__(
        self, settings: KafkaSettings, key: Ed25519PrivateKey, clock: Clock = utc_now
    ) -> None:
        self._settings, self._key, self._clock = settings, key, clock
        self._names = TopicNames(settings.topic_prefix)
        self._fence = fence_topic(settings).name
        self._intake = TopicPartition(self._names.access_intake, 0)
        self._reader: KafkaLogReader | None = None
        self._consumer: Any = None
        self._producer: Any = None
        self._head: AccessLogHead | None = None  # None: read it back from access.log first

    def seal_next(self, epoch: int, wait_s: float = 0.2) -> int:
        """Seal what arrived on access.intake within ``wait_s``; the number of records sealed.

        ``epoch`` is this worker's claim on the sealer role: ``SealerFenced`` when a later one
        exists. Any failure leaves the sealer to read its place back from access.log next time.
        """
        try:
            if self._head is None:
                self._resume(epoch)
            polled = self._intake_consumer().poll(timeout_ms=int(wait_s * 1000), max_records=BATCH)
            messages = [m for batch in polled.values() for m in batch]
            if not messages or not self._in_place(epoch):
                return 0
            return self._seal(messages)
        except BaseException:
            self.reset()
            self._drop_producer()
            raise

    def reset(self) -> None:
        """Forget where access.log stands (read back on the next batch)."""
        self._head = None

    def _drop_producer(self) -> None:
        """Close the producer at once, failing what it still holds: records a failed batch left
        buffered must not land after the next batch, sealed again from access.log's end, and
        break the log (the next batch gets a new producer)."""
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                producer.close(timeout=0)
            except Exception as exc:  # closing a broken client: nothing more to save
                log.warning("access_sealer_producer_close_failed", error=type(exc).__name__)

    def close(self) -> None:
        """Close the clients."""
        self.reset()
        for client in (self._producer, self._consumer, self._reader):
            if client is not None:
                client.close()
        self._producer = self._consumer = self._reader = None

    def _seal(self, messages: Sequence[Any]) -> int:
        assert self._head is not None
        records: list[ProcessingRecord] = []
        offsets: list[int] = []
        for message in messages:
            try:
                record = decode_processing_record(message.value or b"")
                check_record(record)
            except (CodecError, IntegrityError, ValueError, KeyError) as exc:
                log.warning("access_intake_passed_over", offset=message.offset, error=str(exc))
                continue
            records.append(record)
            offsets.append(message.offset)
        intake_end = messages[-1].offset + 1
        if not records:
            return 0
        batch = seal_reads(self._head, records, self._key, self._clock())
        self._write(batch, offsets, intake_end)
        self._head = head_after(self._head, batch)
        return len(records)

    def _write(self, batch: AccessBatch, offsets: Sequence[int], intake_end: int) -> None:
        """Write the batch's records, then its checkpoint; wait until the broker stored them."""
        producer, names = self._open_producer(), self._names
        sent = [
            (
                item.sequence,
                producer.send(
                    names.access_log,
                    value=encode_sealed(item),
                    headers=[(INTAKE_HEADER, str(offset).encode())],
                    partition=0,
                ),
            )
            for item, offset in zip(batch.sealed, offsets, strict=True)
        ]
        checkpoint = producer.send(
            names.access_checkpoints,
            value=encode_checkpoint(batch.checkpoint),
            headers=[
                (FRONTIER_HEADER, batch.frontier.to_bytes()),
                (INTAKE_END_HEADER, str(intake_end).encode()),
            ],
            partition=0,
        )
        producer.flush(timeout=WRITE_TIMEOUT_S)
        for sequence, future in sent:
            offset = future.get(timeout=WRITE_TIMEOUT_S).offset
            if offset != sequence:
                detail = (
                    f"the record sealed as sequence {sequence} landed at offset {offset}: "
                    "another writer wrote at the same moment"
                )
                raise AccessLogBroken(detail)
        checkpoint.get(timeout=WRITE_TIMEOUT_S)

    def _in_place(self, epoch: int) -> bool:
        """Whether this sealer still holds the role and access.log ends where it expects."""
        assert self._head is not None
        names = self._names
        ends = self._log_reader().end_offsets_of([names.access_log, self._fence])
        newest = ends.get((self._fence, 0), 0) - 1
        if newest > epoch:
            raise SealerFenced(epoch, newest)
        if ends.get((names.access_log, 0), 0) != self._head.chain.next_sequence:
            log.warning("access_log_moved", expected=self._head.chain.next_sequence)
            self.reset()
            return False
        return True

    def _resume(self, epoch: int) -> None:
        """Read where access.log stands, cover an unsigned tail, and continue the intake after it."""
        reader, names = self._log_reader(), self._names
        ends = reader.end_offsets_of([names.access_log, names.access_checkpoints, self._fence])
        newest = ends.get((self._fence, 0), 0) - 1
        if newest > epoch:
            raise SealerFenced(epoch, newest)
        size = ends.get((names.access_log, 0), 0)
        head, last_intake = self._checkpointed_head(ends.get((names.access_checkpoints, 0), 0))
        if head.chain.next_sequence > size:
            detail = (
                f"it holds {size} records but its last checkpoint covers {head.chain.next_sequence}"
                " (records were removed)"
            )
            raise AccessLogBroken(detail)
        if head.chain.next_sequence < size:
            head, last_intake = self._cover(head, size, last_intake)
        self._head = head
        consumer = self._intake_consumer()
        start = consumer.beginning_offsets([self._intake])[self._intake]
        consumer.seek(self._intake, max(start, last_intake + 1))
        log.info("access_sealer_resumed", next_sequence=head.chain.next_sequence)

    def _checkpointed_head(self, checkpoints: int) -> tuple[AccessLogHead, int]:
        """The head at the last checkpoint, and the intake offset of the record it ends with."""
        if checkpoints == 0:
            return empty_head(), -1
        reader, names = self._log_reader(), self._names
        (last,) = reader.read(names.access_checkpoints, checkpoints - 1, 1)
        chained = decode_chained_checkpoint(last.value or b"", last.offset)
        size = chained.checkpoint.tree_size
        records = reader.read(names.access_log, size - 1, 1) if size else []
        if not records:
            detail = f"its last checkpoint covers {size} records, which it does not hold"
            raise AccessLogBroken(detail)
        end = StoredEnd(
            record_offset=size - 1,
            record=records[0].value or b"",
            checkpoint=chained,
            frontier=dict(last.headers).get(FRONTIER_HEADER, b""),
        )
        intake = intake_offset(records[0])  # None: sealed by a reader, before access.intake
        return restore_head(end, self._key), -1 if intake is None else intake

    def _cover(self, head: AccessLogHead, size: int, last_intake: int) -> tuple[AccessLogHead, int]:
        """Sign a checkpoint over the records a stopped sealer stored but did not sign."""
        start = head.chain.next_sequence
        tail = self._log_reader().read(self._names.access_log, start, size - start)
        for record in tail:
            intake = intake_offset(record)
            if intake is None or intake <= last_intake:
                detail = (
                    f"the unsigned record at offset {record.offset} does not continue the "
                    "intake (a record no sealer made, or one sealed twice)"
                )
                raise AccessLogBroken(detail)
            last_intake = intake
        batch = cover_tail(
            head, [(r.offset, r.value or b"") for r in tail], self._key, self._clock()
        )
        self._write(AccessBatch((), batch.checkpoint, batch.frontier), [], last_intake + 1)
        log.warning("access_log_tail_signed", records=len(tail))
        return head_after(head, batch), last_intake

    def _log_reader(self) -> KafkaLogReader:
        if self._reader is None:
            self._reader = KafkaLogReader(self._settings)
        return self._reader

    def _intake_consumer(self) -> Any:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                **self._settings.client_config(),
                group_id=None,
                enable_auto_commit=False,
                client_id="ketenhub-access-sealer",
            )
            self._consumer.assign([self._intake])
        return self._consumer

    def _open_producer(self) -> Any:
        if self._producer is None:
            self._producer = KafkaProducer(
                **self._settings.client_config(),
                client_id="ketenhub-access-sealer",
                acks="all",
                enable_idempotence=True,
                max_block_ms=int(WRITE_TIMEOUT_S * 1000),
            )
        return self._producer
