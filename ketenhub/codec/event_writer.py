"""Events written in Avro binary by nodes compiled from the newest schema of their type.

The same bytes as ``encode_event`` (fastavro's writer, fed the event's datum), made without
building the datum and without a generic writer walking the schema: the hub encodes every
admitted event once more to take its content digest. The nodes write a type's first events;
a type met more often gets a writer compiled from them (``avro_writer``), the same bytes in
less time. A type whose schema the nodes cannot express, or an event they cannot write, is
left to ``encode_event``.
"""

from __future__ import annotations

import enum
import inspect
from functools import cache

from pydantic import BaseModel

from ketenhub.codec.avro_compiler import SchemaCompiler
from ketenhub.codec.avro_nodes import Node
from ketenhub.codec.avro_writer import Writer, compiled_writer
from ketenhub.codec.single_object import MARKER, encode_event, latest_schema
from ketenhub.contract import models
from ketenhub.contract.base import Event
from ketenhub.errors import ContractError


class _ByShortName(dict[str, type]):
    """The contract's classes, looked up by the last part of a schema's full name."""

    def get(self, name: str, default: type | None = None) -> type | None:  # type: ignore[override]  # a lookup by short name, as the compiler asks
        return super().get(name.rsplit(".", 1)[-1], default)


@cache
def _contract_types() -> _ByShortName:
    return _ByShortName(
        (name, cls)
        for name, cls in vars(models).items()
        if inspect.isclass(cls) and issubclass(cls, BaseModel | enum.StrEnum)
    )


COMPILE_AFTER = 128
"""Events of a type written by its nodes before the type's writer is compiled: compiling a
type's writer costs about as much as the compiled writer saves in a hundred writes, so a type
the hub meets only a few times is not compiled."""


class _TypeWriter:
    """The header and the nodes of a type's newest schema, and its writer compiled once the
    type has been written ``COMPILE_AFTER`` times (the same bytes either way)."""

    def __init__(self, header: bytes, node: Node) -> None:
        self.header, self.node = header, node
        self.written = 0
        self.compiled: Writer | None = None

    def write(self, event: Event) -> bytes:
        """The datum of ``event``: by the compiled writer, or by the nodes until it is made."""
        if self.compiled is not None:
            return self.compiled(event)
        self.written += 1
        if self.written < COMPILE_AFTER:
            return self.node.write(event)
        self.compiled = compiled_writer(self.node)
        return self.compiled(event)

    def compile(self) -> None:
        """Compile the writer now, however few events of the type were written."""
        if self.compiled is None:
            self.compiled = compiled_writer(self.node)


@cache
def _compiled(schema_name: str) -> _TypeWriter | None:
    """The writer of a type's newest schema, or None when the nodes cannot express it."""
    schema = latest_schema(schema_name)
    try:
        node = SchemaCompiler(_contract_types()).compile(dict(schema.source))
    except (ContractError, KeyError):
        return None
    return _TypeWriter(MARKER + schema.fingerprint, node)


def compile_event_writers() -> None:
    """Compile the writer of every event type now, not after its first ``COMPILE_AFTER``
    events (a long-running worker does this work once, before its first batch)."""
    for event_type in models.EVENT_MODELS.values():
        writer = _compiled(event_type.SCHEMA_NAME)
        if writer is not None:
            writer.compile()


def encode_event_compiled(event: Event) -> bytes:
    """``encode_event(event)``: the event, single-object encoded with its type's newest schema."""
    compiled = _compiled(event.SCHEMA_NAME)
    if compiled is None:
        return encode_event(event)
    try:
        return compiled.header + compiled.write(event)
    except (TypeError, AttributeError, ValueError):
        return encode_event(event)  # which writes it, or says why it cannot
