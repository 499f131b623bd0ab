"""Avro types as nodes: each writes its typed values as Avro binary and documents them.

A node writes a typed value in the Avro specification's binary encoding (so any Avro library
reads it), turns the datum fastavro decoded back into the typed value, and turns a typed
value into JSON-able data (times as ISO 8601 text in UTC, dates as ISO dates, bytes as base64,
enums as their symbols) and back. This module holds the base and the primitive, logical and
enum types; ``avro_records`` the composite ones; ``avro_compiler`` builds nodes from a schema.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from uuid import UUID

from ketenhub.codec.uuid_text import uuid_text
from ketenhub.errors import ContractError

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DAY = dt.date(1970, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)


def _varint(folded: int) -> bytes:
    """Base-128 little-endian groups of a non-negative number, the last without 0x80."""
    if 1 << 21 <= folded < 1 << 56:  # a time in microseconds, a large count: spread at once
        return _spread(folded)
    out = bytearray()
    while folded > 0x7F:
        out.append((folded & 0x7F) | 0x80)
        folded >>= 7
    out.append(folded)
    return bytes(out)


# 0x80 in each byte but the last of a varint of 1 to 8 bytes.
_CONTINUED = [0, *(int.from_bytes(b"\x80" * (k - 1) + b"\x00", "little") for k in range(1, 9))]


def _spread(folded: int) -> bytes:
    """``_varint`` of a number below 2**56: its 7-bit groups moved one to a byte (28-bit
    halves, then 14-bit quarters, then 7-bit eighths), the continuation bits set at once."""
    size = (folded.bit_length() + 6) // 7
    spread = (folded & 0xFFFFFFF) | ((folded >> 28) << 32)
    spread = (spread & 0x00003FFF00003FFF) | ((spread & 0x0FFFC0000FFFC000) << 2)
    spread = (spread & 0x007F007F007F007F) | ((spread & 0x3F803F803F803F80) << 1)
    return (spread | _CONTINUED[size]).to_bytes(size, "little")


_SMALL = [_varint(n << 1) for n in range(1024)]  # lengths, counts and indexes


def long_bytes(number: int) -> bytes:
    """An Avro ``long``/``int``: zig-zag, then base-128 little-endian groups."""
    if 0 <= number < 1024:
        return _SMALL[number]
    return _varint((number << 1) ^ (number >> 63))


def when(moment: dt.datetime) -> str:
    """A time as the views' documents write it: ISO 8601, UTC, microseconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def wrong_type(value: object, node: str) -> TypeError:
    return TypeError(f"an Avro {node} cannot hold a {type(value).__name__}")


class Node:
    """One Avro type: writes, reads and documents the typed values of that type."""

    # Whether ``read``, ``document`` and ``from_document`` give their argument as it is.
    plain_read = plain_document = plain_from_document = False

    def write(self, value: object) -> bytes:
        """The Avro binary encoding of ``value``."""
        raise NotImplementedError

    def read(self, datum: object) -> object:
        """The typed value of a datum fastavro decoded."""
        return datum

    def document(self, value: object) -> JsonValue:
        """``value`` as JSON-able data."""
        raise NotImplementedError

    def from_document(self, document: object) -> object:
        """The typed value of JSON-able data made by ``document``."""
        return document

    @property
    def nullable(self) -> bool:
        """Whether null is a value of this type."""
        return False


class StringNode(Node):
    """``string``."""

    plain_read = plain_document = plain_from_document = True

    def write(self, value: object) -> bytes:
        if not isinstance(value, str):
            raise wrong_type(value, "string")
        data = value.encode()
        size = len(data)
        return (_SMALL[size] if size < 1024 else long_bytes(size)) + data

    def document(self, value: object) -> JsonValue:
        return str(value)


class LongNode(Node):
    """``long`` or ``int``."""

    plain_read = plain_document = plain_from_document = True

    def write(self, value: object) -> bytes:
        if type(value) is not int:
            raise wrong_type(value, "long")
        return long_bytes(value)

    def document(self, value: object) -> JsonValue:
        return value if type(value) is int else None


class BooleanNode(Node):
    """``boolean``."""

    plain_read = plain_document = plain_from_document = True

    def write(self, value: object) -> bytes:
        if type(value) is not bool:
            raise wrong_type(value, "boolean")
        return b"\x01" if value else b"\x00"

    def document(self, value: object) -> JsonValue:
        return value is True


class BytesNode(Node):
    """``bytes``; base64 text in a document."""

    plain_read = True  # fastavro gives the Python type

    def write(self, value: object) -> bytes:
        if not isinstance(value, bytes):
            raise wrong_type(value, "bytes")
        return long_bytes(len(value)) + value

    def document(self, value: object) -> JsonValue:
        return base64.b64encode(value).decode() if isinstance(value, bytes) else None

    def from_document(self, document: object) -> object:
        return base64.b64decode(str(document), validate=True)


class TimestampNode(Node):
    """``long`` with logical type ``timestamp-micros``: an aware datetime."""

    plain_read = True  # fastavro gives the Python type

    def write(self, value: object) -> bytes:
        if not isinstance(value, dt.datetime):
            raise wrong_type(value, "timestamp-micros")
        return long_bytes((value - _EPOCH) // _MICROSECOND)  # TypeError for a naive datetime

    def document(self, value: object) -> JsonValue:
        return when(value) if isinstance(value, dt.datetime) else None

    def from_document(self, document: object) -> object:
        moment = dt.datetime.fromisoformat(str(document))
        if moment.tzinfo is None:
            msg = f"time {document!r} has no UTC offset"
            raise ValueError(msg)
        return moment.astimezone(dt.UTC)


class DateNode(Node):
    """``int`` with logical type ``date``."""

    plain_read = True  # fastavro gives the Python type

    def write(self, value: object) -> bytes:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise wrong_type(value, "date")
        return long_bytes((value - _EPOCH_DAY).days)

    def document(self, value: object) -> JsonValue:
        return value.isoformat() if isinstance(value, dt.date) else None

    def from_document(self, document: object) -> object:
        return dt.date.fromisoformat(str(document))


_UUID_LENGTH = long_bytes(36)  # the length of a UUID's canonical text


class UuidNode(Node):
    """``string`` with logical type ``uuid``."""

    plain_read = True  # fastavro gives the Python type

    def write(self, value: object) -> bytes:
        if type(value) is UUID:
            return _UUID_LENGTH + uuid_text(value).encode()  # always 36 characters
        if not isinstance(value, UUID):
            raise wrong_type(value, "uuid")
        text = str(value).encode()  # a subclass may format itself otherwise
        return long_bytes(len(text)) + text

    def read(self, datum: object) -> object:
        return datum if isinstance(datum, UUID) else UUID(str(datum))

    def document(self, value: object) -> JsonValue:
        return str(value)

    def from_document(self, document: object) -> object:
        return UUID(str(document))


class EnumNode(Node):
    """``enum``: a member of a StrEnum class, written as its index among the symbols."""

    def __init__(self, name: str, cls: type[enum.StrEnum], symbols: list[str]) -> None:
        unknown = set(symbols) - {member.value for member in cls}
        if unknown:
            msg = f"enum {name} of the schema has symbols {cls.__name__} lacks: {sorted(unknown)}"
            raise ContractError(msg)
        self.name, self.cls = name, cls
        self._index = {symbol: long_bytes(i) for i, symbol in enumerate(symbols)}

    def write(self, value: object) -> bytes:
        index = self._index.get(value) if isinstance(value, str) else None
        if index is None:
            if isinstance(value, self.cls):  # a symbol the contract gained after this schema
                msg = f"{value} is no symbol of {self.name} in this schema: release a new version"
                raise ValueError(msg)
            raise wrong_type(value, f"enum {self.cls.__name__}")
        return index

    def read(self, datum: object) -> object:
        return self.cls(str(datum))

    def document(self, value: object) -> JsonValue:
        return str(value)

    def from_document(self, document: object) -> object:
        return self.cls(str(document))


STRING = StringNode()
PRIMITIVES: dict[str, Node] = {
    "string": STRING,
    "long": LongNode(),
    "int": LongNode(),
    "boolean": BooleanNode(),
    "bytes": BytesNode(),
}
LOGICAL: dict[str, Node] = {
    "timestamp-micros": TimestampNode(),
    "date": DateNode(),
    "uuid": UuidNode(),
}
