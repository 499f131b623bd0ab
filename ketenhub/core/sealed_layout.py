"""The binary layout of a sealed record (schema ``SealedRecord`` v1), written and read directly.

A sealed record is a long, a timestamp-micros, three strings, a union of null and string,
bytes and two 32-byte fixed (``prev_hash``, ``hash``), in that order: the Avro binary encoding
any Avro writer produces and reads. Writing and reading them here, without a generic codec
walking the schema, costs a fraction of it; a test compares both ways with fastavro. Bytes
this reader does not take as they are (any deviation, however legal in Avro) are left to the
generic decoder, which reads or refuses them as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ketenhub.codec.avro_nodes import long_bytes
from ketenhub.codec.single_object import HEADER_SIZE, MARKER
from ketenhub.codec.varint_reading import Unusual
from ketenhub.codec.varint_reading import read_long as _long

HASH_SIZE = 32


def unhashed_body(datum: dict[str, Any]) -> bytes:
    """The Avro binary encoding of a sealed record's fields before ``hash``, in schema order.

    The record's fields are a long, a timestamp-micros, three strings, a union of null and
    string, bytes and a 32-byte fixed: written here directly (as any Avro writer writes them,
    which a test compares with fastavro), without a generic writer walking the schema.
    """
    prev_hash: bytes = datum["prev_hash"]
    if len(prev_hash) != HASH_SIZE:
        msg = f"prev_hash must be {HASH_SIZE} bytes, not {len(prev_hash)}"
        raise ValueError(msg)
    delta = datum["sealed_at"] - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    partner, event_type = datum["partner"].encode(), datum["event_type"].encode()
    event_id, case_id = datum["event_id"].encode(), datum["case_id"]
    case = b"\x00" if case_id is None else b"\x02" + _text(case_id)
    payload: bytes = datum["payload"]
    return b"".join(
        (
            long_bytes(datum["sequence"]),
            long_bytes(micros),
            long_bytes(len(partner)),
            partner,
            long_bytes(len(event_type)),
            event_type,
            long_bytes(len(event_id)),
            event_id,
            case,
            long_bytes(len(payload)),
            payload,
            prev_hash,
        )
    )


def _text(value: str) -> bytes:
    encoded = value.encode()
    return long_bytes(len(encoded)) + encoded


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _chunk(value: bytes, pos: int) -> tuple[bytes, int]:
    """The length-prefixed bytes at ``pos`` and the position after them."""
    size = value[pos]
    if size < 0x80:  # a length below 64: one byte, read here
        size, pos = (size >> 1) ^ -(size & 1), pos + 1
    else:
        size, pos = _long(value, pos)
    end = pos + size
    if size < 0 or end > len(value):
        raise Unusual
    return value[pos:end], end


def scan_sealed(value: bytes) -> dict[str, Any] | None:
    """The datum of a sealed record in the current layout (after its 10-byte header), or None
    when the bytes are anything else than exactly one such record.

    The header's marker is checked here (the caller checks its fingerprint): the hash does
    not cover the header, and the generic decoder refuses bytes without the marker.
    """
    if value[: len(MARKER)] != MARKER:
        return None
    try:
        return _scan(value)
    except (Unusual, IndexError, UnicodeDecodeError, OverflowError):
        return None


def _scan(value: bytes) -> dict[str, Any]:
    sequence, pos = _long(value, HEADER_SIZE)
    micros, pos = _long(value, pos)
    partner, pos = _chunk(value, pos)
    event_type, pos = _chunk(value, pos)
    event_id, pos = _chunk(value, pos)
    union, pos = value[pos], pos + 1
    case_id = None
    if union == 2:  # the string branch (index 1, zig-zag 2)
        case, pos = _chunk(value, pos)
        case_id = case.decode()
    elif union != 0:
        raise Unusual
    payload, pos = _chunk(value, pos)
    if pos + 2 * HASH_SIZE != len(value):
        raise Unusual
    return {
        "sequence": sequence,
        "sealed_at": _EPOCH + dt.timedelta(0, 0, micros),  # microseconds, given by position
        "partner": partner.decode(),
        "event_type": event_type.decode(),
        "event_id": event_id.decode(),
        "case_id": case_id,
        "payload": payload,
        "prev_hash": value[pos : pos + HASH_SIZE],
        "hash": value[pos + HASH_SIZE :],
    }


def locate_sealed(value: bytes) -> tuple[int, int, int] | None:
    """The sequence of a sealed record in the current layout and where its payload lies
    (``(sequence, start, end)``), or None where ``scan_sealed`` would not take the bytes.

    It checks what ``scan_sealed`` checks (every length, valid UTF-8 text, the union's
    branch, nothing after the two hashes) without making the record's values; a record
    whose strings need more than a one-byte length is left to ``scan_sealed``.
    """
    if value[: len(MARKER)] != MARKER:
        return None
    try:
        return _locate(value)
    except (Unusual, IndexError, UnicodeDecodeError):
        return None


_STOPS = 0x8080808080808080  # the continuation bits of eight varint bytes
_TIMESTAMP_BYTES = 8  # a varint of at most 8 bytes is a timestamp-micros within datetime's range


def _locate(value: bytes) -> tuple[int, int, int]:
    sequence, pos = _short_long(value, HEADER_SIZE)
    stops = ~int.from_bytes(value[pos : pos + _TIMESTAMP_BYTES], "little") & _STOPS
    if not stops or pos + _TIMESTAMP_BYTES > len(value):
        raise Unusual
    pos += (stops & -stops).bit_length() >> 3  # past the first byte without continuation
    text = pos
    for _ in range(3):  # partner, event_type, event_id
        size = value[pos]
        if size & 0x81:
            raise Unusual
        pos += 1 + (size >> 1)
    union = value[pos]
    pos += 1
    if union == 2:  # the string branch (index 1, zig-zag 2)
        size = value[pos]
        if size & 0x81:
            raise Unusual
        pos += 1 + (size >> 1)
    elif union != 0:
        raise Unusual
    if pos > len(value):
        raise Unusual
    value[text:pos].decode()  # the texts, with one-byte lengths and branch between them
    size, pos = _short_long(value, pos)
    end = pos + size
    if size < 0 or end + 2 * HASH_SIZE != len(value):
        raise Unusual
    return sequence, pos, end


def _short_long(value: bytes, pos: int) -> tuple[int, int]:
    """``_long``, with varints of up to three bytes (sequences, payload sizes) read inline."""
    first = value[pos]
    if first < 0x80:
        folded, pos = first, pos + 1
    elif value[pos + 1] < 0x80:
        folded, pos = (first & 0x7F) | (value[pos + 1] << 7), pos + 2
    elif value[pos + 2] < 0x80:
        folded = (first & 0x7F) | ((value[pos + 1] & 0x7F) << 7) | (value[pos + 2] << 14)
        pos += 3
    else:
        return _long(value, pos)
    return (folded >> 1) ^ -(folded & 1), pos
