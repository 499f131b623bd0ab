"""Sealing: each accepted event becomes a hash-chained record of audit.log."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from typing import Any

from ketenhub.codec.single_object import (
    HEADER_SIZE,
    MARKER,
    decode_datum,
    encode_datum,
    latest_schema,
)
from ketenhub.codec.uuid_text import uuid_text
from ketenhub.contract.base import Event
from ketenhub.contract.schemas import AUDIT_NAMESPACE, SchemaVersion
from ketenhub.core.sealed_layout import HASH_SIZE, scan_sealed, unhashed_body
from ketenhub.errors import ChainBroken, CodecError

GENESIS_HASH = bytes(HASH_SIZE)


def sealed_record_schema() -> SchemaVersion:
    """Return the schema version sealed records are written with."""
    return latest_schema(f"{AUDIT_NAMESPACE}.SealedRecord")


@dataclass(frozen=True)
class SealedRecord:
    """One event in the single total order, linked to its predecessor by hash."""

    sequence: int
    sealed_at: dt.datetime
    partner: str
    event_type: str
    event_id: str
    case_id: str | None
    payload: bytes
    prev_hash: bytes
    hash: bytes
    # The record's audit.log bytes when ``seal`` made it (it hashed them), else None. Not an
    # argument: a record changed with ``dataclasses.replace`` is encoded anew.
    encoded: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def datum(self) -> dict[str, object]:
        """Return the Avro datum of the record."""
        return {
            "sequence": self.sequence,
            "sealed_at": self.sealed_at,
            "partner": self.partner,
            "event_type": self.event_type,
            "event_id": self.event_id,
            "case_id": self.case_id,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class ChainHead:
    """Where the chain stands: the next sequence number and the hash of the last record."""

    next_sequence: int = 0
    last_hash: bytes = GENESIS_HASH

    def after(self, record: SealedRecord) -> ChainHead:
        """Return the head after appending ``record``."""
        return ChainHead(record.sequence + 1, record.hash)


def compute_hash(record: SealedRecord) -> bytes:
    """SHA-256 over the Avro binary encoding of the record without its ``hash`` field.

    A record's binary encoding is its fields in order, and ``hash`` is the last field, a
    32-byte fixed: so the hashed bytes are the encoded record minus its last 32 bytes.
    """
    encoded = encode_datum(sealed_record_schema(), record.datum() | {"hash": GENESIS_HASH})
    return hashlib.sha256(encoded[HEADER_SIZE:-HASH_SIZE]).digest()


def seal(
    head: ChainHead,
    partner: str,
    event: Event,
    payload: bytes,
    sealed_at: dt.datetime,
    case_id: str | None = None,
) -> SealedRecord:
    """Seal one accepted event (its original bytes) as the next record after ``head``.

    ``case_id`` is the case the event belongs to when it does not say so itself (a referral
    step belongs to the case of its referral); it defaults to the event's own case_id.
    """
    return seal_payload(
        head,
        partner=partner,
        event_type=event.EVENT_TYPE,
        event_id=uuid_text(event.event_id),
        case_id=case_id or event.case_ref,
        payload=payload,
        sealed_at=sealed_at,
    )


def seal_payload(
    head: ChainHead,
    *,
    partner: str,
    event_type: str,
    event_id: str,
    case_id: str | None,
    payload: bytes,
    sealed_at: dt.datetime,
) -> SealedRecord:
    """Seal ``payload`` (single-object Avro of ``event_type``) as the next record after ``head``.

    audit.log seals partners' events this way, access.log the processing records of reads.
    The record is encoded once: its hash is taken over those bytes and set in their last 32.
    """
    datum: dict[str, Any] = {
        "sequence": head.next_sequence,
        "sealed_at": sealed_at.astimezone(dt.UTC),
        "partner": partner,
        "event_type": event_type,
        "event_id": event_id,
        "case_id": case_id,
        "payload": payload,
        "prev_hash": head.last_hash,
    }
    unhashed = unhashed_body(datum)
    digest = hashlib.sha256(unhashed).digest()
    datum["hash"] = digest
    record = record_from_datum(datum)
    encoded = b"".join((MARKER, sealed_record_schema().fingerprint, unhashed, digest))
    object.__setattr__(record, "encoded", encoded)  # frozen: set once here
    return record


def encode_sealed(record: SealedRecord) -> bytes:
    """Encode a sealed record for audit.log (single-object encoding)."""
    if record.encoded is not None:
        return record.encoded
    return encode_datum(sealed_record_schema(), record.datum())


def decode_sealed(value: bytes, offset: int) -> SealedRecord:
    """Decode a sealed record read at ``offset``; undecodable bytes are a broken chain there."""
    if value[len(MARKER) : HEADER_SIZE] == sealed_record_schema().fingerprint:
        scanned = scan_sealed(value)
        if scanned is not None:
            return record_from_datum(scanned)
    try:
        writer, datum = decode_datum(value, sealed_record_schema())
    except CodecError as exc:
        raise ChainBroken(offset, f"the stored record cannot be decoded ({exc})") from exc
    if writer.name != "SealedRecord":
        raise ChainBroken(offset, f"the stored value is a {writer.name}, not a SealedRecord")
    return record_from_datum(datum)


def record_from_datum(datum: dict[str, Any]) -> SealedRecord:
    """The sealed record a datum of the current schema holds: ``SealedRecord(**datum)``.

    A datum with exactly the record's fields (every one a decoder resolved to the current
    schema gives) is set on a new record in one step: the frozen dataclass's ``__init__``
    sets each field through ``object.__setattr__``, which cost replay a quarter of decoding
    a sealed record. Any other datum goes through ``__init__`` (and its TypeError).
    """
    if datum.keys() != _RECORD_FIELDS:
        return SealedRecord(**datum)
    record = object.__new__(SealedRecord)
    vars(record).update(datum, encoded=None)
    return record


_RECORD_FIELDS = frozenset(f.name for f in fields(SealedRecord) if f.init)


def check_link(
    record: SealedRecord, offset: int, head: ChainHead, stored: bytes | None = None
) -> None:
    """Raise ChainBroken unless ``record`` is the correct next record after ``head`` at ``offset``.

    ``stored`` are the bytes ``record`` was decoded from, if the caller has them: hashed as
    they are, they spare encoding the record again to check its hash.
    """
    if offset != head.next_sequence:
        raise ChainBroken(
            head.next_sequence,
            f"the record is missing: the log continues at offset {offset} (a record was deleted)",
        )
    if record.sequence != offset:
        raise ChainBroken(
            offset,
            f"holds the record sealed as sequence {record.sequence} "
            "(records were reordered, inserted or deleted)",
        )
    if record.prev_hash != head.last_hash:
        raise ChainBroken(offset, "prev_hash does not match the hash of the record before it")
    if not _stored_bytes_hash_to(stored, record.hash) and compute_hash(record) != record.hash:
        raise ChainBroken(offset, "the record's content does not match its hash (it was altered)")


def _stored_bytes_hash_to(stored: bytes | None, digest: bytes) -> bool:
    """Whether stored bytes in the current sealed-record schema hash to ``digest`` as they are.

    The hash covers the record's encoding without its last field (the 32-byte hash), so the
    stored bytes minus that field are exactly what was hashed when it was sealed.
    """
    if stored is None or stored[len(MARKER) : HEADER_SIZE] != sealed_record_schema().fingerprint:
        return False
    return hashlib.sha256(stored[HEADER_SIZE:-HASH_SIZE]).digest() == digest
