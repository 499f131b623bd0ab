"""access.log: processing records sealed and checkpointed exactly as audit.log seals events.

Each record is a ``SealedRecord`` (``ketenhub.core.sealing.seal_payload``) whose payload is a
``ProcessingRecord``, linked by hash to the one before; the writer signs a checkpoint with
the hub key after every batch (one read), carrying the RFC 9162 consistency proof from the
checkpoint before, so every record is covered by a signed checkpoint the moment it is written
and ``verify_log`` checks access.log as it checks audit.log. A writer opens the log from its
last record and last checkpoint (``restore_head``) and refuses to continue a log whose end
does not hold together: a read that cannot be recorded is refused. A writer that stopped
between its records and their checkpoint (a sealer killed mid-write on Kafka) left records
no checkpoint covers (``AccessLogUnsigned``): the next writer checks them link by link and
signs a checkpoint over them (``cover_tail``) before it seals more. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.checkpoint_records import decode_chained_checkpoint
from ketenhub.core.checkpoints import ChainedCheckpoint, sign_checkpoint, verify_checkpoint
from ketenhub.core.frontier_proof import consistency_proof_from
from ketenhub.core.merkle import FrontierCorrupt, MerkleFrontier, leaf_hash
from ketenhub.core.processing import (
    PROCESSING_RECORD_TYPE,
    ProcessingRecord,
    encode_processing_record,
)
from ketenhub.core.sealing import (
    ChainHead,
    SealedRecord,
    check_link,
    decode_sealed,
    seal_payload,
)
from ketenhub.errors import ChainBroken, CheckpointInvalid, IntegrityError, KetenhubError
from ketenhub.topic_log import TopicReader
from ketenhub.topics import ACCESS_LOG

FRONTIER_HEADER = "ketenhub_frontier"  # on each access checkpoint: the Merkle frontier it signs

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ReadNotRecorded(KetenhubError):
    """A read's processing record could not be written to access.log, so the read is refused."""

    def __init__(self, where: str, cause: Exception) -> None:
        self.where, self.cause = where, cause
        super().__init__(
            f"the read was refused: its processing record could not be written to "
            f"{ACCESS_LOG} in {where} ({cause})"
        )


class AccessLogBroken(IntegrityError):
    """The end of access.log does not hold together, so no further read can be recorded."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"{ACCESS_LOG} cannot be continued: {detail}; run `ketenhub verify` and restore "
            "the data folder from a backup"
        )


class AccessLogUnsigned(AccessLogBroken):
    """access.log holds records after its last checkpoint: a writer stopped before signing them."""


@dataclass(frozen=True)
class AccessLogHead:
    """Where access.log stands: its chain head and the Merkle frontier of all its records."""

    chain: ChainHead
    frontier: MerkleFrontier


@dataclass(frozen=True)
class StoredEnd:
    """The last record and the last checkpoint of access.log as stored, for ``restore_head``."""

    record_offset: int
    record: bytes
    checkpoint: ChainedCheckpoint
    frontier: bytes


@dataclass(frozen=True)
class AccessBatch:
    """The sealed records of one read, the checkpoint over them and the frontier after them."""

    sealed: tuple[SealedRecord, ...]
    checkpoint: ChainedCheckpoint
    frontier: MerkleFrontier


def empty_head() -> AccessLogHead:
    """The head of an access.log that holds nothing yet."""
    return AccessLogHead(ChainHead(), MerkleFrontier())


def restore_head(end: StoredEnd, signing_key: Ed25519PrivateKey) -> AccessLogHead:
    """The head after the stored end, or ``AccessLogBroken`` if record, checkpoint and frontier disagree.

    The writer checkpoints every batch, so the last checkpoint covers every record; its
    signature and root vouch for the stored frontier, whose size is the next sequence.
    """
    try:
        record = decode_sealed(end.record, end.record_offset)
        signed = end.checkpoint.checkpoint
        verify_checkpoint(signed, signing_key.public_key())
        frontier = MerkleFrontier.from_bytes(end.frontier)
    except (ChainBroken, CheckpointInvalid, FrontierCorrupt) as exc:
        raise AccessLogBroken(str(exc)) from exc
    size = end.record_offset + 1
    if record.sequence != end.record_offset:
        detail = (
            f"the record at offset {end.record_offset} was sealed as sequence {record.sequence}"
        )
        raise AccessLogBroken(detail)
    if signed.tree_size < size and frontier.size == signed.tree_size:
        detail = (
            f"it holds {size} records but its last checkpoint covers {signed.tree_size} "
            "(a writer stopped before signing the rest)"
        )
        raise AccessLogUnsigned(detail)
    if signed.tree_size != size or frontier.size != size:
        detail = (
            f"it holds {size} records but its last checkpoint covers {signed.tree_size} "
            f"(records or checkpoints were removed or added)"
        )
        raise AccessLogBroken(detail)
    if frontier.root() != signed.root:
        detail = "its stored frontier does not match the root of its last checkpoint"
        raise AccessLogBroken(detail)
    return AccessLogHead(ChainHead(size, record.hash), frontier)


def read_head(
    reader: TopicReader, log_topic: str, checkpoints_topic: str, signing_key: Ed25519PrivateKey
) -> AccessLogHead:
    """Where access.log stands, from its last record and last checkpoint as ``reader`` has them."""
    end, checkpoints_end = reader.end_offset(log_topic), reader.end_offset(checkpoints_topic)
    if end == 0 and checkpoints_end == 0:
        return empty_head()
    record = reader.read(log_topic, end - 1, 1) if end else []
    checkpoint = reader.read(checkpoints_topic, checkpoints_end - 1, 1) if checkpoints_end else []
    if not record or not checkpoint or record[0].offset != end - 1:
        detail = f"it holds {end} records and {checkpoints_end} checkpoints, not both"
        raise AccessLogBroken(detail)
    last = checkpoint[0]
    stored = StoredEnd(
        record_offset=end - 1,
        record=record[0].value or b"",
        checkpoint=decode_chained_checkpoint(last.value or b"", last.offset),
        frontier=dict(last.headers).get(FRONTIER_HEADER, b""),
    )
    return restore_head(stored, signing_key)


def seal_reads(
    head: AccessLogHead,
    records: Sequence[ProcessingRecord],
    signing_key: Ed25519PrivateKey,
    now: dt.datetime,
) -> AccessBatch:
    """Seal ``records`` after ``head`` and sign a checkpoint over the log with them."""
    chain, sealed = head.chain, []
    for record in records:  # encoding checks each record: ids, codes and pseudonyms only
        item = seal_payload(
            chain,
            partner=record.actor.partner or record.actor.system,
            event_type=PROCESSING_RECORD_TYPE,
            event_id=f"access-{chain.next_sequence}",
            case_id=record.case_id,
            payload=encode_processing_record(record),
            sealed_at=now,
        )
        chain = chain.after(item)
        sealed.append(item)
    return _signed_batch(head, sealed, signing_key, now)


def cover_tail(
    head: AccessLogHead,
    tail: Sequence[tuple[int, bytes]],
    signing_key: Ed25519PrivateKey,
    now: dt.datetime,
) -> AccessBatch:
    """Sign a checkpoint over records stored after ``head`` that no checkpoint covers yet.

    ``tail`` holds each record's offset and stored bytes, in order, from ``head``'s next
    sequence on. Each must be a processing record linked to the one before it (sequence equal
    to its offset, hash of its predecessor, its own hash): else ``AccessLogBroken``.
    """
    chain, kept = head.chain, []
    for offset, value in tail:
        try:
            record = decode_sealed(value, offset)
            check_link(record, offset, chain, value)
        except ChainBroken as exc:
            raise AccessLogBroken(str(exc)) from exc
        if record.event_type != PROCESSING_RECORD_TYPE:
            detail = (
                f"the record at offset {offset} is a {record.event_type}, not a processing record"
            )
            raise AccessLogBroken(detail)
        chain = chain.after(record)
        kept.append(record)
    return _signed_batch(head, kept, signing_key, now)


def head_after(head: AccessLogHead, batch: AccessBatch) -> AccessLogHead:
    """Where access.log stands once ``batch`` (sealed after ``head``) is stored."""
    chain = head.chain.after(batch.sealed[-1]) if batch.sealed else head.chain
    return AccessLogHead(chain, batch.frontier)


def _signed_batch(
    head: AccessLogHead,
    records: Sequence[SealedRecord],
    signing_key: Ed25519PrivateKey,
    now: dt.datetime,
) -> AccessBatch:
    """``records`` (chained after ``head``) with a checkpoint over the log that ends with them."""
    leaves = [leaf_hash(record.hash) for record in records]
    frontier = head.frontier.copy()
    for leaf in leaves:
        frontier.append(leaf)
    return AccessBatch(
        tuple(records), _sign(head.frontier, frontier, leaves, signing_key, now), frontier
    )


def _sign(
    old: MerkleFrontier,
    new: MerkleFrontier,
    leaves: Sequence[bytes],
    signing_key: Ed25519PrivateKey,
    now: dt.datetime,
) -> ChainedCheckpoint:
    """The signed checkpoint over ``new``, with the consistency proof from ``old``."""
    signed_at_us = (now.astimezone(dt.UTC) - _EPOCH) // dt.timedelta(microseconds=1)
    checkpoint = sign_checkpoint(signing_key, new.size, new.root(), signed_at_us)
    proof = consistency_proof_from(old, leaves)
    return ChainedCheckpoint(checkpoint, old.size, tuple(proof))
