"""The view contract: views on ``view.<partner>`` decode with standard Avro tooling and the .avsc alone."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import json
import random
import sys
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import avro.io
import avro.schema
import fastavro
import pytest

from ketenhub.codec.single_object import HEADER_SIZE, MARKER
from ketenhub.codec.views import (
    VIEW_RECORD,
    decode_view,
    encode_view,
    view_catalogue,
    view_document,
    view_schema_dir,
)
from ketenhub.config import load_registry
from ketenhub.contract import view_records as v
from ketenhub.contract.schemas import EVENT_NAMESPACE, catalogue
from ketenhub.core.case_state import SECTIONS, CaseState
from ketenhub.core.partners import Role
from ketenhub.core.projection import Projector
from ketenhub.errors import CorruptDatum, NotSingleObjectEncoded, UnknownSchemaFingerprint
from tests.contract.avro_samples import sample
from tests.contract.avro_spec import crc64_avro, single_object_fingerprint

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from test_view_rendering import sealed_year  # the demo year, sealed by the core

REGISTRY = load_registry()
SCHEMA_FILE = view_schema_dir() / "case_view.v2.avsc"  # the newest, as a partner has it
ROLE_RECORDS = {
    Role.COORDINATOR: "CoordinatorView",
    Role.MUNICIPAL_STAFF: "StatusView",
    Role.INSPECTION: "EnforcementView",
    Role.POLICE: "InvestigationView",
    Role.RIEC: "InvestigationView",
    Role.CARE: "CareView",
}


@pytest.fixture(scope="module")
def year_views() -> list[tuple[str, bytes]]:
    """Every view record the demo year writes, in order, with the partner it is for."""
    projector, written = Projector(REGISTRY), []
    for record, event in sealed_year(REGISTRY):
        written += [(c.partner, c.view) for c in projector.apply(record, event) if c.view]
    return written


def partner_schema() -> Any:
    """What a partner's engineer has: the .avsc file, parsed by a standard library."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def named_records(schema: Any) -> Iterator[dict[str, Any]]:
    """Every named type defined in a schema (records and enums), depth first."""
    if isinstance(schema, list):
        for branch in schema:
            yield from named_records(branch)
    elif isinstance(schema, dict):
        if schema.get("type") in ("record", "enum"):
            yield schema
        for field in schema.get("fields", ()):
            yield from named_records(field["type"])
        for key in ("items", "values"):
            if key in schema:
                yield from named_records(schema[key])


def as_document(datum: Any) -> Any:
    """A datum a standard library decoded, written as the hub documents views."""
    if isinstance(datum, dict):
        return {k: as_document(value) for k, value in datum.items()}
    if isinstance(datum, list | tuple):
        return [as_document(item) for item in datum]
    if isinstance(datum, dt.datetime):
        return datum.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(datum, dt.date):
        return datum.isoformat()
    if isinstance(datum, bytes):
        return base64.b64encode(datum).decode()
    if isinstance(datum, uuid.UUID):
        return str(datum)
    return datum


def test_every_view_decodes_with_fastavro_and_apache_avro_from_the_avsc_alone(
    year_views: list[tuple[str, bytes]],
) -> None:
    """Each view of the year: C3 01, the .avsc's CRC-64-AVRO fingerprint, then a datum that
    fastavro and Apache avro both read with only the .avsc file, to the same content the
    hub's own decoder gives; each partner's content is its role's record."""
    source = partner_schema()
    parsed = fastavro.parse_schema(source)
    reader = avro.io.DatumReader(avro.schema.parse(json.dumps(source)))
    fingerprint = single_object_fingerprint(source)
    roles = {p.id: p.role for p in REGISTRY.partners}
    for partner, value in year_views:
        assert value[:2] == MARKER and value[2:HEADER_SIZE] == fingerprint
        datum = fastavro.schemaless_reader(io.BytesIO(value[HEADER_SIZE:]), parsed, None)
        body = io.BytesIO(value[HEADER_SIZE:])
        assert as_document(reader.read(avro.io.BinaryDecoder(body))) == as_document(datum)
        assert body.tell() == len(value) - HEADER_SIZE  # nothing left over
        view = decode_view(value)
        flat = {"case_id": datum["case_id"], "visible_because": datum["visible_because"]}
        assert as_document(flat | datum["content"]) == view_document(view)
        assert type(view.content).__name__ == ROLE_RECORDS[roles[partner]]
    assert len(year_views) > 1000


def test_the_header_fingerprint_is_the_specifications() -> None:
    """The 8 bytes after C3 01 are the CRC-64-AVRO fingerprint of the .avsc's Parsing Canonical
    Form, little-endian, as the specification (and Java's SchemaNormalization) computes it."""
    assert crc64_avro(b'"null"').to_bytes(8, "little") == single_object_fingerprint("null")
    assert crc64_avro(b'"null"') == 7195948357588979594  # the specification's test vector
    expected = single_object_fingerprint(partner_schema())
    assert view_catalogue().latest(VIEW_RECORD).fingerprint == expected


def test_the_hub_encodes_exactly_what_fastavro_encodes() -> None:
    """Random views written by fastavro decode into typed views that the hub encodes back to
    the same bytes: the hub's writer is the specification's encoding, field for field."""
    schema = view_catalogue().latest(VIEW_RECORD)
    rng = random.Random("views")
    for _ in range(300):
        out = io.BytesIO()
        fastavro.schemaless_writer(out, schema.parsed, sample(schema.source, rng))
        value = MARKER + schema.fingerprint + out.getvalue()
        assert encode_view(decode_view(value)) == value


def test_every_case_state_section_is_in_the_coordinators_view() -> None:
    """The coordinator's view record holds every section of a case state, of the same type."""
    coordinator = next(r for r in named_records(partner_schema()) if r["name"] == "CoordinatorView")
    assert {f["name"] for f in coordinator["fields"]} == {*SECTIONS, "phase", "status"}
    state_fields = {f.name for f in dataclasses.fields(CaseState)}
    assert set(SECTIONS) == state_fields - {"case_id", "last_sequence", "phase"}
    in_state, in_view = typing.get_type_hints(CaseState), typing.get_type_hints(v.CoordinatorView)

    def held(hint: Any) -> set[Any]:
        """The types a section holds (its items or values), leaving out None."""
        return set(typing.get_args(hint) or (hint,)) - {type(None)}

    for name in SECTIONS:
        assert held(in_state[name]) == held(in_view[name]), name


def test_every_record_class_has_the_fields_of_its_schema_record() -> None:
    """Each class of the view contract has its schema record's fields, in order, nullable
    exactly where the schema has a union with null; each enum has the schema's symbols."""
    checked = set()
    for named in named_records(partner_schema()):
        full = f"{named.get('namespace', 'nl.ketenhub.views')}.{named['name']}"
        cls = v.VIEW_TYPES[full]
        checked.add(full)
        if named["type"] == "enum":
            assert [m.value for m in cls] == named["symbols"], full  # type: ignore[attr-defined]
            continue
        names = (
            list(cls.model_fields)  # type: ignore[attr-defined]
            if hasattr(cls, "model_fields")
            else [f.name for f in dataclasses.fields(cls)]
        )
        assert names == [f["name"] for f in named["fields"]], full
        hints = typing.get_type_hints(cls)
        for field in named["fields"]:
            nullable = isinstance(field["type"], list) and "null" in field["type"]
            assert (type(None) in typing.get_args(hints[field["name"]])) == nullable, (
                full,
                field["name"],
            )
    assert checked == set(v.VIEW_TYPES)


def test_shared_types_are_the_event_contracts_own() -> None:
    """Enums and records of nl.ketenhub.types in the view schema are defined exactly as in the
    newest event schemas, so a partner generates one class for both."""
    in_events = {}
    for name in catalogue().names(EVENT_NAMESPACE):
        for named in named_records(dict(catalogue().latest(f"{EVENT_NAMESPACE}.{name}").source)):
            in_events.setdefault(named["name"], named)
    shared = [
        n for n in named_records(partner_schema()) if n.get("namespace") == "nl.ketenhub.types"
    ]
    assert len(shared) >= 15
    for named in shared:
        assert named == in_events[named["name"]], named["name"]


def test_each_role_record_holds_only_what_the_role_may_see() -> None:
    """Need-to-know by type: a care view has no field for the signal or the research, a status
    view only the header and when the signal came, the enforcement views never the referrals,
    the reporter's free text or the research summary."""
    records = {r["name"]: r for r in named_records(partner_schema())}
    fields = {name: {f["name"] for f in records[name]["fields"]} for name in ROLE_RECORDS.values()}
    assert fields["CareView"] == {"victims", "referrals"}
    assert fields["StatusView"] == {"phase", "status", "closed", "received_at"}
    for name in ("EnforcementView", "InvestigationView"):
        assert not fields[name] & {"referrals", "research", "intake", "severity", "history"}
    assert fields["InvestigationView"] - fields["EnforcementView"] == {
        "research_findings",
        "victims",
    }
    for summary in ("SignalSummary", "OwnSignalSummary", "ResearchFindings"):
        assert not {f["name"] for f in records[summary]["fields"]} & {"free_text", "summary"}
    assert {f["name"] for f in records["SignalSummary"]["fields"]}.isdisjoint(
        {"reported_by", "reporter_role"}
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (b"", NotSingleObjectEncoded),
        (b'{"case_id": "case-1"}', NotSingleObjectEncoded),
        (MARKER + b"\x00" * 8 + b"\x00", UnknownSchemaFingerprint),
    ],
)
def test_bytes_that_are_no_view_are_refused_by_name(value: bytes, error: type) -> None:
    """JSON, an empty value or an unknown fingerprint raise the codec's named errors."""
    with pytest.raises(error):
        decode_view(value)


def test_a_truncated_or_padded_view_is_a_corrupt_datum(year_views: list[tuple[str, bytes]]) -> None:
    """A view cut short, or with bytes after its datum, is refused as corrupt, never half-read."""
    _, value = year_views[-1]
    for broken in (value[:-3], value + b"\x00"):
        with pytest.raises(CorruptDatum):
            decode_view(broken)


def test_a_v2_view_reads_with_the_v1_schema_and_a_v1_view_with_the_hub(
    year_views: list[tuple[str, bytes]],
) -> None:
    """The victim of two forms: a v1 reader sees her main form; a view written with v1 decodes with no other forms."""
    v1, v2 = view_catalogue().versions(VIEW_RECORD)
    two_forms = [
        value
        for partner, value in year_views
        if partner == "municipality"
        and any(
            x.other_exploitation_forms
            for x in getattr(decode_view(value).content, "victims", {}).values()
        )
    ]
    assert two_forms, "the demo year has a victim of two forms"
    value = two_forms[-1]
    assert value[2:HEADER_SIZE] == v2.fingerprint
    stream = io.BytesIO(value[HEADER_SIZE:])
    old = fastavro.schemaless_reader(stream, v2.parsed, v1.parsed, return_record_name=True)
    victims = old["content"][1]["victims"]
    assert victims and all("other_exploitation_forms" not in x for x in victims.values())
    written_by_v1 = io.BytesIO()
    fastavro.schemaless_writer(written_by_v1, v1.parsed, old)
    decoded = decode_view(MARKER + v1.fingerprint + written_by_v1.getvalue())
    content = decoded.content
    assert isinstance(content, v.CoordinatorView)
    assert all(x.other_exploitation_forms == () for x in content.victims.values())
    assert content.signal is not None and content.signal.source_organisation is None
