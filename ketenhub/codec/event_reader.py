"""Compiled readers of event payloads: one straight-line reader per newest event schema.

Replay decodes a million events that the hub wrote with the newest schema of their type.
fastavro's generic reader walks the schema for each of them, and the event's model then
validates the datum; a reader compiled once per schema (Python source generated from the
schema) reads every field in order and makes each value what validating it gives: every
length and enum index checked, an Avro ``int`` within 32 bits, a boolean only 0 or 1, a uuid
parsed as fastavro parses it, times in UTC, nested records as their models. The models
(generated from the same schemas, with no validators beyond their types) are then made from
these values without a second pass, as pydantic's ``model_construct`` makes them; a model
whose validation would do more than the reader does (a validator or constraint added later)
is not compiled, so its events keep going through pydantic.

Bytes a compiled reader does not take as they are — an older writer schema (resolved to the
newest), a varint or block form the reader leaves alone, trailing bytes, invalid UTF-8, a
value out of range — go to ``decode_event``, which reads or refuses them as before. Tests
compare both ways over every event type, a demo year and thousands of damaged values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from collections.abc import Callable, Mapping
from itertools import count
from typing import Any
from uuid import UUID, SafeUUID

from pydantic import StrictBool
from pydantic.fields import FieldInfo

from ketenhub.codec.single_object import HEADER_SIZE, MARKER, decode_event, latest_schema
from ketenhub.codec.varint_reading import Unusual
from ketenhub.codec.varint_reading import read_long as _long
from ketenhub.contract import models
from ketenhub.contract.base import AvroInt, AvroLong, ContractModel, Event
from ketenhub.contract.schemas import EVENT_NAMESPACE, SchemaVersion, catalogue

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_DATA_FAULTS = (IndexError, UnicodeDecodeError, OverflowError, ValueError)

Reader = Callable[[bytes], object]


_EIGHT_BYTES = 0x8080808080808080  # the continuation bits of eight varint bytes
_LAST_OF_EIGHT = 0x0080808080808080  # ... when the eighth byte is the last


def _long8(value: bytes, pos: int) -> tuple[int, int]:
    """``_long``, with a varint of exactly eight bytes (a timestamp-micros of these
    centuries) read as one integer whose 7-bit groups are packed together.

    Past the end of ``value`` the missing bytes read as zero; the position returned then lies
    past the end, where the reader's final check refuses it.
    """
    x = int.from_bytes(value[pos : pos + 8], "little")
    if x & _EIGHT_BYTES != _LAST_OF_EIGHT:
        return _long(value, pos)
    x &= 0x7F7F7F7F7F7F7F7F
    x = (x & 0x007F007F007F007F) | ((x & 0x7F007F007F007F00) >> 1)
    x = (x & 0x00003FFF00003FFF) | ((x & 0x3FFF00003FFF0000) >> 2)
    x = (x & 0x000000000FFFFFFF) | ((x & 0x0FFFFFFF00000000) >> 4)
    return (x >> 1) ^ -(x & 1), pos + 8


_UUID_DIGITS = 32
_SAFE_UNKNOWN = SafeUUID.unknown


def _uuid(text: str) -> UUID:
    """``UUID(text)``, as fastavro parses a uuid: the same steps (and the same ``ValueError``)
    as ``UUID.__init__``, without its checks of which keyword was given."""
    digits = text.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "")
    if len(digits) != _UUID_DIGITS:
        msg = "badly formed hexadecimal UUID string"
        raise ValueError(msg)
    value = object.__new__(UUID)
    object.__setattr__(value, "int", int(digits, 16))
    object.__setattr__(value, "is_safe", _SAFE_UNKNOWN)
    return value


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DAY = dt.date(1970, 1, 1)
_GLOBALS: dict[str, Any] = {
    "_long": _long,
    "_long8": _long8,
    "Unusual": Unusual,
    "_EPOCH": _EPOCH,
    "_EPOCH_DAY": _EPOCH_DAY,
    "_delta": dt.timedelta,
    "_INT_MIN": _INT_MIN,
    "_INT_MAX": _INT_MAX,
    "_LONG_MIN": _LONG_MIN,
    "_LONG_MAX": _LONG_MAX,
    "_BOOLEANS": (False, True),  # IndexError for any other byte
    "_uuid": _uuid,
}


class NotCompiled(Exception):
    """A schema uses a form the compiler leaves to the generic decoder."""


class _Source:
    """The lines of one generated reader, with fresh local names and constants."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, object] = {}
        self._names = count()
        self.named: dict[str, Any] = {}

    def name(self, stem: str) -> str:
        return f"{stem}{next(self._names)}"

    def constant(self, value: object) -> str:
        key = self.name("_c")
        self.constants[key] = value
        return key

    def emit(self, indent: int, *lines: str) -> None:
        self.lines.extend("    " * indent + line for line in lines)

    def varint(self, indent: int, target: str) -> None:
        """Read a zig-zag varint into ``target`` (one byte inline, longer ones by ``_long``)."""
        self.emit(
            indent,
            f"{target} = b[p]",
            f"if {target} < 0x80:",
            "    p += 1",
            f"    {target} = ({target} >> 1) ^ -({target} & 1)",
            "else:",
            f"    {target}, p = _long(b, p)",
        )

    def chunk(self, indent: int, target: str) -> None:
        """Read length-prefixed bytes into ``target``.

        A length below 64 is one even byte, read inline. A length past the end leaves ``p``
        past it: every later read then fails, and so does the final check that the datum
        ends where the value does.
        """
        size, start = self.name("n"), self.name("s")
        self.emit(
            indent,
            f"{size} = b[p]",
            f"if not {size} & 0x81:",
            f"    {start} = p + 1",
            f"    p = {start} + ({size} >> 1)",
            "else:",
            f"    {size}, {start} = _long(b, p)",
            f"    if {size} < 0:",
            "        raise Unusual",
            f"    p = {start} + {size}",
            f"{target} = b[{start}:p]",
        )

    def index(self, indent: int, target: str) -> None:
        """Read a non-negative varint (an enum symbol or union branch) into ``target``."""
        self.emit(
            indent,
            f"{target} = b[p]",
            f"if not {target} & 0x81:",
            "    p += 1",
            f"    {target} >>= 1",
            "else:",
            "    raise Unusual",
        )


def _read_value(src: _Source, schema: Any, namespace: str, target: str, indent: int) -> None:
    """Emit the lines reading one value of ``schema`` into ``target``."""
    if isinstance(schema, list):
        _read_nullable(src, schema, namespace, target, indent)
        return
    if isinstance(schema, str):
        if schema in src.named:
            _read_value(src, src.named[schema], namespace, target, indent)
            return
        full = schema if "." in schema else f"{namespace}.{schema}"
        if full in src.named:
            _read_value(src, src.named[full], namespace, target, indent)
            return
        _read_primitive(src, schema, target, indent)
        return
    if not isinstance(schema, Mapping):
        raise NotCompiled
    kind, logical = schema.get("type"), schema.get("logicalType")
    if kind == "long" and logical == "timestamp-micros":
        src.emit(indent, f"{target}, p = _long8(b, p)")
        src.emit(indent, f"{target} = _EPOCH + _delta(0, 0, {target})")  # microseconds
    elif kind == "int" and logical == "date":
        src.varint(indent, target)
        src.emit(indent, f"{target} = _EPOCH_DAY + _delta({target})")  # days
    elif kind == "string" and logical == "uuid":
        _read_primitive(src, "string", target, indent)
        src.emit(indent, f"{target} = _uuid({target})")
    elif kind == "string" and logical is None:
        _read_primitive(src, "string", target, indent)
    elif kind == "array":
        _read_array(src, schema, namespace, target, indent)
    elif kind == "enum":
        _read_enum(src, schema, namespace, target, indent)
    elif kind == "record":
        _read_record(src, schema, namespace, target, indent)
    elif isinstance(kind, str) and logical is None:
        _read_value(src, kind, namespace, target, indent)
    else:
        raise NotCompiled


def _read_primitive(src: _Source, kind: str, target: str, indent: int) -> None:
    if kind == "string":
        src.chunk(indent, target)
        src.emit(indent, f"{target} = {target}.decode()")
    elif kind == "bytes":
        src.chunk(indent, target)
    elif kind in ("int", "long"):
        low, high = ("_INT_MIN", "_INT_MAX") if kind == "int" else ("_LONG_MIN", "_LONG_MAX")
        src.varint(indent, target)
        src.emit(indent, f"if not {low} <= {target} <= {high}:", "    raise Unusual")
    elif kind == "boolean":
        src.emit(indent, f"{target} = _BOOLEANS[b[p]]", "p += 1")
    elif kind == "null":
        src.emit(indent, f"{target} = None")
    else:
        raise NotCompiled


def _read_nullable(src: _Source, branches: list[Any], namespace: str, target: str, n: int) -> None:
    if len(branches) != 2 or branches[0] != "null":  # [null, T] only
        raise NotCompiled
    src.emit(n, "u = b[p]", "p += 1", "if u == 0:", f"    {target} = None", "elif u == 2:")
    _read_value(src, branches[1], namespace, target, n + 1)
    src.emit(n, "else:", "    raise Unusual")


def _read_array(
    src: _Source, schema: Mapping[str, Any], namespace: str, target: str, n: int
) -> None:
    size, item = src.name("k"), src.name("i")
    src.emit(n, f"{target} = []")
    src.varint(n, size)
    src.emit(n, f"while {size}:", f"    if {size} < 0:", "        raise Unusual")
    src.emit(n + 1, f"for _ in range({size}):")
    _read_value(src, schema["items"], namespace, item, n + 2)
    src.emit(n + 2, f"{target}.append({item})")
    src.varint(n + 1, size)


def _read_enum(
    src: _Source, schema: Mapping[str, Any], namespace: str, target: str, n: int
) -> None:
    _define(src, schema, namespace)
    cls = getattr(models, str(schema["name"]), None)
    if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
        raise NotCompiled
    try:
        members = src.constant(tuple(cls(symbol) for symbol in schema["symbols"]))
    except ValueError as exc:
        raise NotCompiled from exc
    src.index(n, target)
    src.emit(n, f"{target} = {members}[{target}]")  # IndexError past the last symbol


def _read_record(
    src: _Source, schema: Mapping[str, Any], namespace: str, target: str, n: int
) -> None:
    namespace = _define(src, schema, namespace)
    make = src.constant(_maker(getattr(models, str(schema["name"]), None), schema))
    names = []
    for field in schema["fields"]:
        local = src.name("f")
        _read_value(src, field["type"], namespace, local, n)
        names.append(f"{field['name']!r}: {local}")
    src.emit(n, f"{target} = {make}({{{', '.join(names)}}})")


# What a model's validation may do beyond its fields' types for the reader to make it without
# validating: the reader enforces exactly these (an Avro int or long in range, a strict bool,
# ``occurred_at`` in UTC). Any other validator or constraint leaves the model to pydantic.
_ENFORCED_VALIDATORS = {"_in_utc"}  # Event's, on occurred_at
_ENFORCED_METADATA = {
    repr(item)
    for annotated in (AvroInt, AvroLong, StrictBool)
    for item in FieldInfo.from_annotation(annotated).metadata
}


def _validates_beyond_types(cls: type[ContractModel]) -> bool:
    """Whether validating ``cls`` does anything the compiled reader does not do itself."""
    decorators = cls.__pydantic_decorators__
    for name, validator in decorators.field_validators.items():
        if name not in _ENFORCED_VALIDATORS or validator.info.fields != ("occurred_at",):
            return True
    if (
        decorators.validators
        or decorators.root_validators
        or decorators.model_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.computed_fields
    ):
        return True
    return any(
        repr(item) not in _ENFORCED_METADATA
        for info in cls.model_fields.values()
        for item in info.metadata
    )


def _maker(cls: object, schema: Mapping[str, Any]) -> Callable[[dict[str, Any]], ContractModel]:
    """Make an instance of the record's model from values read by its type, as pydantic's
    ``model_construct`` does: each value already is what validating it gives (the reader
    checked every range, index and length; a text uuid is parsed as fastavro parses it)."""
    if not (isinstance(cls, type) and issubclass(cls, ContractModel)):
        raise NotCompiled
    fields = [str(f["name"]) for f in schema["fields"]]
    if (
        list(cls.model_fields) != fields
        or cls.__pydantic_post_init__ is not None
        or cls.__private_attributes__
        or cls.model_config.get("extra") == "allow"
        or _validates_beyond_types(cls)
    ):
        raise NotCompiled
    model: type[ContractModel] = cls
    names = frozenset(fields)
    new, put = object.__new__, object.__setattr__

    def make(values: dict[str, Any]) -> ContractModel:
        instance = new(model)
        put(instance, "__dict__", values)
        put(instance, "__pydantic_fields_set__", set(names))
        put(instance, "__pydantic_extra__", None)
        put(instance, "__pydantic_private__", None)
        return instance

    return make


def _define(src: _Source, schema: Mapping[str, Any], namespace: str) -> str:
    """Remember a named type for later references; return the namespace inside it."""
    namespace = str(schema.get("namespace", namespace))
    name = str(schema["name"])
    full = name if "." in name else f"{namespace}.{name}"
    src.named[full] = schema
    return namespace


def compile_reader(schema: SchemaVersion) -> Reader:
    """The compiled reader of one record schema (``NotCompiled`` if it uses other forms)."""
    src = _Source()
    _read_record(src, schema.source, "", "datum", 1)
    body = "\n".join(src.lines)
    code = (
        "def read(b):\n"
        f"    p = {HEADER_SIZE}\n"
        "    end = len(b)\n"
        f"{body}\n"
        "    if p != end:\n"
        "        raise Unusual\n"
        "    return datum\n"
    )
    namespace = _GLOBALS | src.constants
    # The source is generated above from the schema alone: no outside text reaches it.
    exec(compile(code, f"<reader of {schema.full_name} v{schema.version}>", "exec"), namespace)
    reader: Reader = namespace["read"]
    return reader


_readers: dict[bytes, Reader | None] = {}  # by writer fingerprint, made once each


def _reader(fingerprint: bytes) -> Reader | None:
    """The compiled reader of the newest schema of an event type (None for any other)."""
    writer = catalogue().by_fingerprint(fingerprint)
    reader = None
    if (
        writer is not None
        and writer.full_name.startswith(EVENT_NAMESPACE + ".")
        and latest_schema(writer.full_name).fingerprint == fingerprint
        and writer.name in models.EVENT_MODELS
    ):
        with contextlib.suppress(NotCompiled):
            reader = compile_reader(writer)
    if writer is not None:  # a fingerprint no schema has is not kept: any sender may make one up
        _readers[fingerprint] = reader
    return reader


def compile_event_readers() -> None:
    """Compile the reader of every event type's newest schema now, not after its first
    ``COMPILE_AFTER`` reads (a long-running worker does this work once, before its first batch)."""
    for model in models.EVENT_MODELS.values():
        fingerprint = latest_schema(model.SCHEMA_NAME).fingerprint
        if fingerprint not in _readers:
            _reader(fingerprint)


COMPILE_AFTER = 128
"""Events of a writer schema read by ``decode_event`` before its reader is compiled: compiling
costs about as much as the reader saves in a hundred reads, so a type met only a few times (the
hub admitting a partner's rare event types) is not compiled; replay meets every type often."""

_waiting: dict[bytes, int] = {}  # reads of a known fingerprint whose reader is not made yet


def _reader_when_due(fingerprint: bytes) -> Reader | None:
    """``_reader(fingerprint)`` once the fingerprint was read ``COMPILE_AFTER`` times, else None."""
    waited = _waiting.get(fingerprint, 0) + 1
    if waited < COMPILE_AFTER and catalogue().by_fingerprint(fingerprint) is not None:
        _waiting[fingerprint] = waited  # only known fingerprints: any sender may make one up
        return None
    _waiting.pop(fingerprint, None)
    return _reader(fingerprint)


def read_event(value: bytes) -> Event:
    """Decode a single-object-encoded event as ``decode_event`` does, by its compiled reader.

    Anything the compiled reader does not take goes to ``decode_event``: the same event, or
    the same error, as before.
    """
    fingerprint = value[len(MARKER) : HEADER_SIZE]
    reader = _readers[fingerprint] if fingerprint in _readers else _reader_when_due(fingerprint)
    if reader is not None and value[:2] == MARKER:
        try:
            event = reader(value)
        except (Unusual, *_DATA_FAULTS):
            pass
        else:
            if isinstance(event, Event):
                return event
    return decode_event(value)
