"""Partner views on the wire: ``CaseView`` records in Avro single-object encoding, like events.

A record on ``view.<partner>`` (keyed by case id) is C3 01, the CRC-64-AVRO fingerprint of its
writer schema in schemas/avro/views, and the Avro binary datum: a partner decodes it with
standard Avro tooling and the ``.avsc`` alone. A tombstone (no value) means the partner may no
longer see the case. ``decode_view`` is the one way back from bytes, to a typed ``CaseView``;
``view_document`` turns one into JSON-able data, as the CLI prints it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import fastavro

from ketenhub.codec.avro_compiler import SchemaCompiler
from ketenhub.codec.avro_nodes import JsonValue, Node
from ketenhub.codec.avro_records import ArrayNode, MapNode, RecordNode, RecordUnionNode
from ketenhub.codec.avro_writer import (
    FieldsWriter,
    Writer,
    compiled_fields_writer,
    compiled_writer,
)
from ketenhub.codec.single_object import HEADER_SIZE, MARKER
from ketenhub.contract.schemas import SchemaCatalogue, SchemaVersion, load_catalogue, schema_dir
from ketenhub.contract.view_records import VIEW_NAMESPACE, VIEW_TYPES, CaseView, CoordinatorView
from ketenhub.errors import (
    ContractError,
    CorruptDatum,
    NotSingleObjectEncoded,
    UnknownSchemaFingerprint,
)

VIEW_RECORD = f"{VIEW_NAMESPACE}.CaseView"


def view_schema_dir() -> Path:
    """The folder of the view schemas (``views/`` beside the event schemas)."""
    return schema_dir() / "views"


@cache
def view_catalogue() -> SchemaCatalogue:
    """Every released version of the view schema (parsed once per process)."""
    return load_catalogue(view_schema_dir())


@dataclass(frozen=True)
class _Contract:
    """The newest view schema, compiled: the whole record, its role union, every named type."""

    schema: SchemaVersion
    view: RecordNode
    content: RecordUnionNode
    named: dict[str, Node]
    fields: dict[type, dict[str, Node]]  # the fields of each role record, by its class
    # Each role record's compiled writers (``avro_writer``): whole, and taking known fields.
    writers: dict[type, tuple[Writer, FieldsWriter]]


@cache
def _contract() -> _Contract:
    schema = view_catalogue().latest(VIEW_RECORD)
    compiler = SchemaCompiler(VIEW_TYPES)
    view = compiler.compile(dict(schema.source))
    content = view.field("content") if isinstance(view, RecordNode) else None
    if not isinstance(view, RecordNode) or not isinstance(content, RecordUnionNode):
        msg = f"{schema.path.name} must be a record with a union of role records as content"
        raise ContractError(msg)
    fields = {role.cls: dict(role.fields) for role in content.branches}
    writers = {
        role.cls: (compiled_writer(role), compiled_fields_writer(role)) for role in content.branches
    }
    return _Contract(schema, view, content, compiler.named, fields, writers)


def encode_view(view: CaseView, known: Mapping[int, bytes] | None = None) -> bytes:
    """A partner's view as one single-object-encoded value (newest view schema).

    ``known`` holds, by ``id``, the encoding of objects the role record may hold as field
    values (a case state's sections), so that only what changed is encoded again.
    """
    contract = _contract()
    index, role = contract.content.branch(view.content)  # TypeError for no role record
    whole, with_known = contract.writers[role.cls]
    body = whole(view.content) if known is None else with_known(view.content, known)
    return b"".join((_head(view.case_id, view.visible_because), index, body))


@lru_cache(maxsize=4096)
def _head(case_id: str, visible_because: tuple[str, ...]) -> bytes:
    """Marker, fingerprint, case id and reasons: the same for most views written again."""
    contract = _contract()
    (_, case), (_, reasons) = contract.view.fields[:2]
    fingerprint = contract.schema.fingerprint
    return MARKER + fingerprint + case.write(case_id) + reasons.write(visible_because)


def decode_view(value: bytes) -> CaseView:
    """The typed view in one record of ``view.<partner>``, read with the newest view schema.

    Raises NotSingleObjectEncoded, UnknownSchemaFingerprint (no view schema has it) or
    CorruptDatum (the datum does not match its writer schema).
    """
    if len(value) < HEADER_SIZE or value[:2] != MARKER:
        raise NotSingleObjectEncoded(value[:HEADER_SIZE])
    writer = view_catalogue().by_fingerprint(value[2:HEADER_SIZE])
    if writer is None:
        raise UnknownSchemaFingerprint(value[2:HEADER_SIZE])
    contract = _contract()
    reader = None if writer is contract.schema else contract.schema.parsed
    stream = io.BytesIO(value)
    stream.seek(HEADER_SIZE)
    try:
        datum = fastavro.schemaless_reader(
            stream,
            writer.parsed,
            reader,
            return_record_name=True,
            return_record_name_override=True,
        )
        view = contract.view.read(datum)
    except (EOFError, ValueError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise CorruptDatum(writer.name, f"{type(exc).__name__}: {exc}") from exc
    except fastavro.read.SchemaResolutionError as exc:
        raise CorruptDatum(writer.name, f"cannot resolve to the reader schema: {exc}") from exc
    if stream.tell() != len(value):
        extra = len(value) - stream.tell()
        raise CorruptDatum(writer.name, f"{extra} unexpected byte(s) after the datum")
    if not isinstance(view, CaseView):
        raise CorruptDatum(writer.name, f"read a {type(view).__name__}, not a CaseView")
    return view


def view_document(view: CaseView) -> dict[str, JsonValue]:
    """A view as JSON-able data: case id, reasons, and the role record's fields beside them."""
    document: dict[str, JsonValue] = {"case_id": view.case_id}
    document["visible_because"] = list(view.visible_because)
    content = _contract().content.document(view.content)
    if isinstance(content, dict):
        document.update(content)
    return document


def document_of(record: object) -> JsonValue:
    """Any record of the view contract (a section, an entry of one) as JSON-able data."""
    return _named_node(type(record)).document(record)


def view_field(role: type, name: str) -> Node:
    """The node of field ``name`` of the role record ``role`` (e.g. ``EnforcementView``)."""
    return _contract().fields[role][name]


def section_node(name: str) -> Node:
    """The node of a case state's section ``name``: the coordinator's view field of that name."""
    return _contract().fields[CoordinatorView][name]


@cache
def view_field_writer(role: type, name: str) -> Writer:
    """The compiled writer (``avro_writer``) of field ``name`` of the role record ``role``."""
    return compiled_writer(view_field(role, name))


@cache
def section_writer(name: str) -> Writer:
    """The compiled writer of a case state's section ``name`` (``section_node``)."""
    return compiled_writer(section_node(name))


@cache
def section_entry_writer(name: str) -> Writer:
    """The compiled writer of one entry of the array or map section ``name``."""
    node = section_node(name)
    if isinstance(node, ArrayNode):
        return compiled_writer(node.items)
    if isinstance(node, MapNode):
        return compiled_writer(node.values)
    msg = f"section {name} is neither an array nor a map"
    raise TypeError(msg)


def compile_view_writers() -> None:
    """Compile every writer a view or a case state's section uses now, not when it is first
    written (a long-running worker does this work once, before its first batch)."""
    contract = _contract()
    for role, fields in contract.fields.items():
        for name in fields:
            view_field_writer(role, name)
    for name, node in contract.fields[CoordinatorView].items():
        section_writer(name)
        if isinstance(node, ArrayNode | MapNode):
            section_entry_writer(name)


def _named_node(cls: type) -> Node:
    for name, node in _contract().named.items():
        if VIEW_TYPES.get(name) is cls:
            return node
    msg = f"{cls.__name__} is no record of the view contract"
    raise TypeError(msg)
