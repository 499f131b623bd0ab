"""Compiled Avro writers: the nodes' own bytes and the nodes' own refusals, value for value."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import enum
import io
import random
import uuid
from typing import Any

import fastavro
import pytest
from test_view_rendering import sealed_year  # the demo year, sealed by the core

from ketenhub.codec.avro_compiler import SchemaCompiler
from ketenhub.codec.avro_nodes import Node, long_bytes
from ketenhub.codec.avro_records import RecordNode
from ketenhub.codec.avro_writer import compiled_fields_writer, compiled_writer
from ketenhub.codec.event_writer import (
    COMPILE_AFTER,
    _compiled,
    _contract_types,
    encode_event_compiled,
)
from ketenhub.codec.single_object import MARKER, decode_event, encode_event, latest_schema
from ketenhub.codec.uuid_text import uuid_text
from ketenhub.codec.views import (
    VIEW_RECORD,
    _contract,
    decode_view,
    encode_view,
    section_node,
    section_writer,
    view_catalogue,
)
from ketenhub.config import load_registry
from ketenhub.contract.view_records import CaseView
from ketenhub.core.case_state import SECTIONS, CaseState
from ketenhub.core.need_to_know import access_reasons, render_view
from ketenhub.core.projection import Projector
from tests.contract.avro_samples import sample

REGISTRY = load_registry()


def walked_view(view: CaseView) -> bytes:
    """A view as the nodes write it, walking the contract node by node."""
    contract = _contract()
    (_, case), (_, reasons) = contract.view.fields[:2]
    head = MARKER + contract.schema.fingerprint + case.write(view.case_id)
    return head + reasons.write(view.visible_because) + contract.content.write(view.content)


def compare_state(state: CaseState) -> int:
    """Check every section and every partner's view of ``state``; return the views checked."""
    for name in SECTIONS:
        assert section_writer(name)(getattr(state, name)) == section_node(name).write(
            getattr(state, name)
        )
    reasons, known, checked = access_reasons(state, REGISTRY), state.section_encodings(), 0
    for partner in REGISTRY.partners:
        view = render_view(state, partner, reasons.get(partner.id))
        if view is not None:
            expected = walked_view(view)
            assert encode_view(view) == expected
            assert encode_view(view, known) == expected
            checked += 1
    return checked


def test_every_view_and_section_of_the_demo_year_is_the_nodes_bytes() -> None:
    """After every event of the demo year, each section of its case and each partner's view
    written by the compiled writers is byte for byte what the nodes write."""
    projector, checked = Projector(REGISTRY), 0
    for record, event in sealed_year(REGISTRY):
        projector.apply(record, event)
        for case_id in {record.case_id, *getattr(event, "cases_discussed", ())} - {None}:
            state = projector.cases.get(str(case_id))
            if state is not None:
                checked += compare_state(state)
    assert checked > 1000


def test_every_event_of_the_demo_year_is_fastavros_bytes() -> None:
    """The content digest's compiled writer gives what fastavro writes for every demo event."""
    events = [event for _, event in sealed_year(REGISTRY)]
    for event in events:
        typed = _compiled(event.SCHEMA_NAME)
        assert typed is not None
        expected = encode_event(event)
        assert encode_event_compiled(event) == expected
        assert typed.header + compiled_writer(typed.node)(event) == expected
        assert typed.header + typed.node.write(event) == expected
    assert len({type(e) for e in events}) > 20


def test_random_views_are_the_nodes_bytes() -> None:
    """Random views (every field kind, long extremes, empty and long arrays) written by
    fastavro, decoded, and written again by the compiled writer: fastavro's bytes."""
    schema = view_catalogue().latest(VIEW_RECORD)
    rng = random.Random("compiled")
    for _ in range(300):
        out = io.BytesIO()
        fastavro.schemaless_writer(out, schema.parsed, sample(schema.source, rng))
        value = MARKER + schema.fingerprint + out.getvalue()
        view = decode_view(value)
        assert encode_view(view) == value == walked_view(view)


def test_random_events_are_fastavros_bytes() -> None:
    """Random events of every type decode and encode back by the compiled writer to exactly
    fastavro's bytes, or to fastavro's own refusal (handed over as before)."""
    rng, types, written = random.Random("events"), _contract_types(), 0
    for name, cls in sorted(types.items()):
        schema_name = getattr(cls, "SCHEMA_NAME", None)
        if schema_name is None:
            continue
        schema = latest_schema(schema_name)
        node = SchemaCompiler(types).compile(dict(schema.source))
        for _ in range(20):
            datum = sample(schema.source, rng)
            try:
                event = cls.model_validate(datum)
            except ValueError:
                continue  # a random value the model refuses: nothing to write
            assert outcome(compiled_writer(node), event) == outcome(node.write, event), name
            written += 1
    assert written > 100


class Colour(enum.StrEnum):
    """An enum of a newer contract than the probe's schema."""

    RED = "RED"
    GREEN = "GREEN"
    BLUE = "BLUE"


@dataclasses.dataclass(frozen=True)
class Inner:
    """A nested record."""

    note: str


@dataclasses.dataclass(frozen=True)
class Left:
    """A branch of a union of records."""

    size: int


@dataclasses.dataclass(frozen=True)
class Right:
    """Another branch."""

    label: str


@dataclasses.dataclass(frozen=True)
class Probe:
    """A record with a field of every kind the compiled writer writes in place."""

    text: str
    count: int
    flag: bool
    colour: Colour
    at: dt.datetime
    day: dt.date
    id: uuid.UUID
    data: bytes
    maybe: str | None
    items: tuple[str, ...]
    table: dict[str, int]
    inner: Inner
    either: Left | Right
    nested: tuple[Inner, ...] | None


class InnerChild(Inner):
    """A subclass of a record class: not written in place, handed to the node."""


class Text(str):
    """A subclass of str."""

    __slots__ = ()


class Items(list[str]):
    """A subclass of list."""


_RECORD = {"type": "record", "name": "Inner", "fields": [{"name": "note", "type": "string"}]}
PROBE_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Probe",
    "namespace": "nl.example",
    "fields": [
        {"name": "text", "type": "string"},
        {"name": "count", "type": "long"},
        {"name": "flag", "type": "boolean"},
        {"name": "colour", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN"]}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "data", "type": "bytes"},
        {"name": "maybe", "type": ["null", "string"]},
        {"name": "items", "type": {"type": "array", "items": "string"}},
        {"name": "table", "type": {"type": "map", "values": "long"}},
        {"name": "inner", "type": _RECORD},
        {
            "name": "either",
            "type": [
                {"type": "record", "name": "Left", "fields": [{"name": "size", "type": "long"}]},
                {
                    "type": "record",
                    "name": "Right",
                    "fields": [{"name": "label", "type": "string"}],
                },
            ],
        },
        {"name": "nested", "type": ["null", {"type": "array", "items": "Inner"}]},
    ],
}
PROBE_TYPES = {f"nl.example.{cls.__name__}": cls for cls in (Probe, Inner, Left, Right, Colour)}
BASE = Probe(
    text="case-1",
    count=3,
    flag=True,
    colour=Colour.GREEN,
    at=dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC),
    day=dt.date(2025, 3, 1),
    id=uuid.UUID(int=7),
    data=b"\x00\x01",
    maybe=None,
    items=("a", "b"),
    table={"k": 1},
    inner=Inner("x"),
    either=Right("r"),
    nested=(Inner("y"),),
)
ODD_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    1023,
    1024,
    2**21,
    2**56,
    2**63 - 1,
    -(2**63),
    2**70,
    1.5,
    "",
    "x",
    "é" * 600,
    Text("sub"),
    Colour.RED,
    Colour.BLUE,
    b"bytes",
    dt.datetime(2025, 1, 1),  # noqa: DTZ001  # a naive time: refused
    dt.datetime(2025, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    dt.date(2025, 1, 1),
    uuid.UUID(int=1),
    [],
    ["a"],
    ("a", 1),
    Items(["a"]),
    {},
    {"k": 2},
    {1: 2},
    collections.OrderedDict(k=3),
    Inner("z"),
    InnerChild("child"),
    Left(5),
    Right("r"),
    (Inner("t"),),
    object(),
]


def outcome(write: Any, value: object) -> tuple[object, object]:
    """What writing ``value`` gives: the bytes, or the kind and message of the refusal."""
    try:
        return "bytes", write(value)
    except Exception as exc:  # any refusal is compared, whatever its kind
        return type(exc), str(exc)


def probe_node() -> RecordNode:
    node = SchemaCompiler(PROBE_TYPES).compile(PROBE_SCHEMA)
    assert isinstance(node, RecordNode)
    return node


@pytest.mark.parametrize("field", [f["name"] for f in PROBE_SCHEMA["fields"]])
def test_odd_values_in_every_field_are_written_or_refused_as_the_nodes_do(field: str) -> None:
    """Every value of a wrong or unusual kind in every field (subclasses, bools in longs,
    naive times, symbols the schema lacks, longs past 64 bits, the wrong record) gives the
    node's bytes or the node's very error, kind and message."""
    node = probe_node()
    write, fields_writer = compiled_writer(node), compiled_fields_writer(node)
    for odd in ODD_VALUES:
        value = dataclasses.replace(BASE, **{field: odd})
        expected = outcome(node.write, value)
        assert outcome(write, value) == expected, (field, odd)
        assert outcome(lambda v: fields_writer(v, {}), value) == expected, (field, odd)


def test_known_fields_are_taken_as_given_and_others_written() -> None:
    """The fields writer takes a field's encoding from ``known`` by the value's id, as the
    node's ``write_fields`` does, and writes the others."""
    node = probe_node()
    known = {id(BASE.inner): b"\x06abc", id(BASE.table): b"\x00"}
    assert compiled_fields_writer(node)(BASE, known) == node.write_fields(BASE, known)
    assert compiled_fields_writer(node)(BASE, {}) == node.write(BASE)


def test_a_value_that_is_no_record_of_the_type_is_refused_as_the_node_does() -> None:
    """The whole record of another class is refused with the node's error; a subclass of the
    record's class is written as the node writes it."""

    @dataclasses.dataclass(frozen=True)
    class ProbeChild(Probe):
        pass

    node = probe_node()
    child = ProbeChild(**{f.name: getattr(BASE, f.name) for f in dataclasses.fields(Probe)})
    for value in (Inner("x"), None, "text", child):
        assert outcome(compiled_writer(node), value) == outcome(node.write, value)
        assert outcome(lambda v: compiled_fields_writer(node)(v, {}), value) == outcome(
            lambda v: node.write_fields(v, {}), value
        )


def test_each_node_compiles_once() -> None:
    """A node's compiled writer is made once and kept."""
    node: Node = probe_node()
    assert compiled_writer(node) is compiled_writer(node)


def test_the_text_of_a_uuid_is_its_str() -> None:
    """An id's kept text is ``str`` of it, for random ids, the extremes, an id met again and
    a subclass that formats itself otherwise."""

    class Braced(uuid.UUID):
        def __str__(self) -> str:
            return "{" + super().__str__() + "}"

    rng = random.Random("ids")
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(2000)]
    ids += [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.uuid4(), *ids[:10]]
    for value in ids:
        assert uuid_text(value) == str(value)
    braced = Braced(int=5)
    assert uuid_text(braced) == str(braced) == "{" + str(uuid.UUID(int=5)) + "}"


def test_a_type_met_often_is_compiled_and_writes_the_same_bytes() -> None:
    """A type's first events are written by its nodes, the later ones by its compiled writer,
    and the bytes do not change where one takes over from the other."""
    signals = [e for _, e in sealed_year(REGISTRY) if type(e).__name__ == "SignalReceived"]
    events = signals * (COMPILE_AFTER // len(signals) + 2)
    typed = _compiled(events[0].SCHEMA_NAME)
    assert typed is not None
    for event in events:
        assert encode_event_compiled(event) == encode_event(event)
    assert typed.compiled is compiled_writer(typed.node)


def test_an_event_id_of_a_uuid_subclass_is_written_as_fastavro_writes_it() -> None:
    """An id of a UUID subclass that formats itself otherwise (braced, 38 characters) is
    written as its own text with that text's length, by the nodes and by the compiled writer
    (before and after the type is compiled): fastavro's bytes, which decode back."""

    class Braced(uuid.UUID):
        def __str__(self) -> str:
            return "{" + super().__str__() + "}"

    events = [e for _, e in sealed_year(REGISTRY) if type(e).__name__ == "SignalReceived"]
    typed = _compiled(events[0].SCHEMA_NAME)
    assert typed is not None
    for event in events[: COMPILE_AFTER + 2]:
        braced = type(event).model_validate(
            {**dict(event), "event_id": Braced(int=event.event_id.int)}
        )
        assert type(braced.event_id) is Braced
        expected = encode_event(braced)
        assert typed.header + typed.node.write(braced) == expected
        assert typed.header + compiled_writer(typed.node)(braced) == expected
        assert encode_event_compiled(braced) == expected
        assert decode_event(expected) == event


def test_longs_of_every_length_are_the_specifications_varints() -> None:
    """Longs of every bit length, both signs, are the zig-zag varints a loop over 7-bit groups
    writes (times in microseconds are spread in three steps instead)."""

    def looped(number: int) -> bytes:
        folded, out = (number << 1) ^ (number >> 63), bytearray()
        while folded > 0x7F:
            out.append((folded & 0x7F) | 0x80)
            folded >>= 7
        out.append(folded)
        return bytes(out)

    rng = random.Random("varints")
    numbers = [0, -1, 2**63 - 1, -(2**63)]
    for bits in range(1, 64):
        numbers += [2 ** (bits - 1), 2**bits - 1, -(2**bits), rng.getrandbits(bits)]
        numbers += [-rng.getrandbits(bits) - 1 for _ in range(3)]
    for number in numbers:
        assert long_bytes(number) == looped(number), number
