"""ControlDayPlanned v2 (planned addresses) and ControlVisitLogged v2 (a note) stay readable both ways with v1."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import avro.io
import avro.schema

from ketenhub.codec.single_object import HEADER_SIZE, decode_event, encode_datum, encode_event
from ketenhub.contract import models as m
from ketenhub.contract.schemas import EVENT_NAMESPACE, SchemaVersion, catalogue

SUBJECT = "psn-" + "a" * 32
ADDRESS = "psn-" + "b" * 32
SEALED = m.EncryptedField(subject=SUBJECT, nonce=b"\0" * 12, ciphertext=b"\1" * 24)


def versions(name: str) -> list[SchemaVersion]:
    return catalogue().versions(f"{EVENT_NAMESPACE}.{name}")


def apache(version: SchemaVersion) -> avro.schema.Schema:
    return avro.schema.parse(json.dumps(version.source))


def read_as(value: bytes, writer: SchemaVersion, reader: SchemaVersion) -> dict[str, object]:
    datum_reader = avro.io.DatumReader(apache(writer), apache(reader))
    read: dict[str, object] = datum_reader.read(
        avro.io.BinaryDecoder(io.BytesIO(value[HEADER_SIZE:]))
    )
    return read


COMMON = {
    "event_id": str(uuid.UUID(int=3)),
    "occurred_at": dt.datetime(2025, 11, 3, 8, tzinfo=dt.UTC),
    "recorded_by": "municipality",
}
DAY = COMMON | {
    "control_day_id": "dag-1",
    "day": dt.date(2025, 11, 3),
    "kind": "INTEGRAL",
    "participants": ["heit"],
}
VISIT = COMMON | {
    "recorded_by": "heit",
    "control_day_id": "dag-1",
    "visit_id": "bezoek-1",
    "address": ADDRESS,
    "area_code": "2271",
    "finding_codes": [],
    "people_encountered": 0,
    "signals_raised": [],
}


def test_both_event_types_have_a_second_version() -> None:
    """The contract holds v1 and v2 of both, so the pairwise compatibility tests cover them."""
    assert [v.version for v in versions("ControlDayPlanned")] == [1, 2]
    assert [v.version for v in versions("ControlVisitLogged")] == [1, 2]


def test_a_v1_day_decodes_without_planned_addresses() -> None:
    """A day sealed before v2 reads as one with no planned addresses."""
    v1 = versions("ControlDayPlanned")[0]
    event = decode_event(encode_datum(v1, DAY))
    assert isinstance(event, m.ControlDayPlanned) and event.planned_addresses == []


def test_a_v2_day_is_read_by_a_v1_consumer_without_its_addresses() -> None:
    """An old consumer (Apache avro, v1 schema) reads a v2 day and never sees the addresses."""
    v1, v2 = versions("ControlDayPlanned")
    stop = m.PlannedAddress(address=ADDRESS, display=SEALED, area_code="2271")
    value = encode_event(m.ControlDayPlanned.model_validate(DAY | {"planned_addresses": [stop]}))
    assert value[2:HEADER_SIZE] == v2.fingerprint
    old = read_as(value, v2, v1)
    assert old["control_day_id"] == "dag-1" and "planned_addresses" not in old
    new = decode_event(value)
    assert isinstance(new, m.ControlDayPlanned) and new.planned_addresses == [stop]


def test_a_v1_visit_decodes_without_a_note_and_a_v2_note_is_dropped_by_v1() -> None:
    """Visits: v1 bytes read with no note; v2 bytes with a note read by v1 without it."""
    v1, v2 = versions("ControlVisitLogged")
    old_visit = decode_event(encode_datum(v1, VISIT))
    assert isinstance(old_visit, m.ControlVisitLogged) and old_visit.note is None
    value = encode_event(m.ControlVisitLogged.model_validate(VISIT | {"note": SEALED}))
    assert value[2:HEADER_SIZE] == v2.fingerprint
    assert "note" not in read_as(value, v2, v1)
    again = decode_event(value)
    assert isinstance(again, m.ControlVisitLogged) and again.note == SEALED
