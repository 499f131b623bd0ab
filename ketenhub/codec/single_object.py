"""Avro single-object encoding: marker C3 01, the writer schema's CRC-64-AVRO fingerprint, datum."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any

import fastavro
from pydantic import ValidationError

from ketenhub.contract.base import Event
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import EVENT_NAMESPACE, SchemaVersion, catalogue
from ketenhub.errors import CorruptDatum, NotSingleObjectEncoded, UnknownSchemaFingerprint

MARKER = b"\xc3\x01"
HEADER_SIZE = len(MARKER) + 8


def encode_datum(schema: SchemaVersion, datum: dict[str, Any]) -> bytes:
    """Encode a datum with a schema version as one single-object-encoded value."""
    out = io.BytesIO()
    out.write(MARKER)
    out.write(schema.fingerprint)
    fastavro.schemaless_writer(out, schema.parsed, datum)
    return out.getvalue()


@cache
def latest_schema(full_name: str) -> SchemaVersion:
    """The newest schema version of a record type (the catalogue is loaded once per process)."""
    return catalogue().latest(full_name)


def writer_schema(value: bytes) -> SchemaVersion:
    """Return the writer schema a single-object-encoded value names."""
    if len(value) < HEADER_SIZE or value[:2] != MARKER:
        raise NotSingleObjectEncoded(value[:HEADER_SIZE])
    found = catalogue().by_fingerprint(value[2:HEADER_SIZE])
    if found is None:
        raise UnknownSchemaFingerprint(value[2:HEADER_SIZE])
    return found


def decode_datum(value: bytes, reader: SchemaVersion | None = None) -> tuple[SchemaVersion, Any]:
    """Decode a value into a datum, resolved to ``reader`` (default: the writer's own schema)."""
    writer = writer_schema(value)
    return writer, _read_datum(value, writer, reader)


def _read_datum(value: bytes, writer: SchemaVersion, reader: SchemaVersion | None) -> Any:
    """The datum after the header of ``value``, written with ``writer``, resolved to ``reader``."""
    resolved = None if reader is None or reader.fingerprint == writer.fingerprint else reader.parsed
    return _read_resolved(value, writer, resolved)


def _read_resolved(value: bytes, writer: SchemaVersion, resolved: Any) -> Any:
    """The datum after the header of ``value``, written with ``writer``, resolved to the
    parsed schema ``resolved`` (None: read as written)."""
    stream = io.BytesIO(value)
    stream.seek(HEADER_SIZE)
    try:
        datum = fastavro.schemaless_reader(stream, writer.parsed, resolved)
    except (
        EOFError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        OverflowError,
        MemoryError,
    ) as exc:
        raise CorruptDatum(writer.name, f"{type(exc).__name__}: {exc}") from exc
    except fastavro.read.SchemaResolutionError as exc:
        raise CorruptDatum(writer.name, f"cannot resolve to the reader schema: {exc}") from exc
    if stream.tell() != len(value):
        extra = len(value) - stream.tell()
        raise CorruptDatum(writer.name, f"{extra} unexpected byte(s) after the datum")
    return datum


def encode_event(event: Event) -> bytes:
    """Encode an event with the newest schema version of its type."""
    return encode_datum(latest_schema(event.SCHEMA_NAME), event.to_datum())


def decode_event(value: bytes) -> Event:
    """Decode a single-object-encoded event into its typed model (newest schema version)."""
    writer = writer_schema(value)
    reading = _event_readings.get(writer.fingerprint) or _event_reading(writer)
    datum = _read_resolved(value, writer, reading.resolved)
    try:
        return reading.model.model_validate(datum)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CorruptDatum(writer.name, problems) from exc


@dataclass(frozen=True)
class _EventReading:
    """How events written with one schema version are read: resolved to the newest version
    of their type (``resolved``: its parsed schema, None when the writer's is the newest) and
    validated by their type's model."""

    model: type[Event]
    resolved: Any


_event_readings: dict[bytes, _EventReading] = {}  # by writer fingerprint, made once each


def _event_reading(writer: SchemaVersion) -> _EventReading:
    """How to read events written with ``writer`` (CorruptDatum if it is no event type)."""
    if not writer.full_name.startswith(EVENT_NAMESPACE + "."):
        raise CorruptDatum(writer.name, f"{writer.full_name} is not an event type")
    reader = latest_schema(writer.full_name)
    resolved = None if reader.fingerprint == writer.fingerprint else reader.parsed
    reading = _EventReading(EVENT_MODELS[writer.name], resolved)
    _event_readings[writer.fingerprint] = reading
    return reading
