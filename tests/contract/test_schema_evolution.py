"""Schema evolution: every version stays backward- and forward-compatible with all earlier ones."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import avro.io
import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from ketenhub.codec.single_object import HEADER_SIZE, decode_event, encode_datum, encode_event
from ketenhub.contract.models import ReferralMade, SignalReceived, VictimIdentified
from ketenhub.contract.schemas import AUDIT_NAMESPACE, EVENT_NAMESPACE, SchemaVersion, catalogue

PAIRS = [
    (older, newer)
    for namespace in (EVENT_NAMESPACE, AUDIT_NAMESPACE)
    for name in catalogue().names(namespace)
    for versions in [catalogue().versions(f"{namespace}.{name}")]
    for i, newer in enumerate(versions)
    for older in versions[:i]
]


def apache(version: SchemaVersion) -> avro.schema.Schema:
    return avro.schema.parse(json.dumps(version.source))


def compatible(reader: SchemaVersion, writer: SchemaVersion) -> bool:
    result = ReaderWriterCompatibilityChecker().get_compatibility(apache(reader), apache(writer))
    return result.compatibility is SchemaCompatibilityType.compatible


def test_at_least_one_event_type_has_evolved() -> None:
    """The contract holds a real v2, so evolution is exercised, not assumed."""
    assert any(newer.version == 2 for _, newer in PAIRS)


@pytest.mark.parametrize(("older", "newer"), PAIRS, ids=lambda v: v.path.name)
def test_newer_reads_older_and_older_reads_newer(
    older: SchemaVersion, newer: SchemaVersion
) -> None:
    """Apache avro's checker finds each pair compatible in both directions."""
    assert compatible(reader=newer, writer=older), "backward compatibility broken"
    assert compatible(reader=older, writer=newer), "forward compatibility broken"


def test_the_checker_catches_an_incompatible_change() -> None:
    """A new required field without a default is reported incompatible (the check can fail)."""
    old = catalogue().versions(f"{EVENT_NAMESPACE}.ReferralMade")[0]
    broken = json.loads(json.dumps(old.source))
    broken["fields"].append({"name": "required_new_field", "type": "string"})
    reader = avro.schema.parse(json.dumps(broken))
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, apache(old))
    assert result.compatibility is SchemaCompatibilityType.incompatible


def _referral_v1_datum() -> dict[str, object]:
    return {
        "event_id": str(uuid.UUID(int=7)),
        "occurred_at": dt.datetime(2025, 5, 1, 10, tzinfo=dt.UTC),
        "recorded_by": "municipality",
        "case_id": "case-1",
        "referral_id": "r1",
        "victim": "psn-1",
        "provider": "shop",
        "care_type": "BUDDY",
        "urgency": "ROUTINE",
    }


def test_v1_bytes_decode_with_the_v2_default() -> None:
    """An event written with ReferralMade v1 decodes into the v2 model with interpreter_needed=False."""
    v1 = catalogue().versions(f"{EVENT_NAMESPACE}.ReferralMade")[0]
    event = decode_event(encode_datum(v1, _referral_v1_datum()))
    assert isinstance(event, ReferralMade)
    assert event.interpreter_needed is False


def test_v2_bytes_are_readable_with_the_v1_schema_by_apache_avro() -> None:
    """A v2 event read by an old consumer with only the v1 schema (Apache avro) drops the new field."""
    v1, v2 = catalogue().versions(f"{EVENT_NAMESPACE}.ReferralMade")
    event = ReferralMade.model_validate(_referral_v1_datum() | {"interpreter_needed": True})
    value = encode_event(event)
    assert value[2:HEADER_SIZE] == v2.fingerprint
    reader = avro.io.DatumReader(apache(v2), apache(v1))
    old_view = reader.read(avro.io.BinaryDecoder(io.BytesIO(value[HEADER_SIZE:])))
    assert old_view["referral_id"] == "r1"
    assert "interpreter_needed" not in old_view


def _victim_v1_datum() -> dict[str, object]:
    return {
        "event_id": str(uuid.UUID(int=8)),
        "occurred_at": dt.datetime(2025, 5, 1, 10, tzinfo=dt.UTC),
        "recorded_by": "municipality",
        "case_id": "case-1",
        "victim": "psn-" + "a" * 32,
        "age_group": "UNDER_18",
        "gender": "FEMALE",
        "exploitation_form": "SEXUAL",
        "residence_status": "DUTCH",
    }


def test_victim_v1_bytes_decode_with_no_other_forms() -> None:
    """A VictimIdentified written with v1 decodes into the v2 model with its one main form."""
    v1 = catalogue().versions(f"{EVENT_NAMESPACE}.VictimIdentified")[0]
    event = decode_event(encode_datum(v1, _victim_v1_datum()))
    assert isinstance(event, VictimIdentified)
    assert event.exploitation_form == "SEXUAL"
    assert event.other_exploitation_forms == []


def test_victim_v2_bytes_keep_the_main_form_for_a_v1_reader() -> None:
    """A v1 consumer (Apache avro) reads a v2 victim of two forms as one of its main form."""
    v1, v2 = catalogue().versions(f"{EVENT_NAMESPACE}.VictimIdentified")
    datum = _victim_v1_datum() | {"other_exploitation_forms": ["CRIMINAL"]}
    value = encode_event(VictimIdentified.model_validate(datum))
    assert value[2:HEADER_SIZE] == v2.fingerprint
    assert decode_event(value).other_exploitation_forms == ["CRIMINAL"]  # type: ignore[attr-defined]
    reader = avro.io.DatumReader(apache(v2), apache(v1))
    old_view = reader.read(avro.io.BinaryDecoder(io.BytesIO(value[HEADER_SIZE:])))
    assert old_view["exploitation_form"] == "SEXUAL"
    assert "other_exploitation_forms" not in old_view


def _signal_v1_datum() -> dict[str, object]:
    return {
        "event_id": str(uuid.UUID(int=9)),
        "occurred_at": dt.datetime(2025, 5, 1, 10, tzinfo=dt.UTC),
        "recorded_by": "municipality",
        "case_id": "case-1",
        "channel": "EXTERNAL_ROUTE",
        "reporter_role": "EXTERNAL_PROFESSIONAL",
        "exploitation_forms": ["LABOUR"],
        "indicators": [],
        "location": {"municipality_code": "GM1916", "area_code": "2264"},
        "persons": [],
        "free_text": None,
    }


def test_signal_v1_bytes_decode_without_a_source_organisation() -> None:
    """A SignalReceived written with v1 decodes into the v2 model with no source organisation."""
    v1 = catalogue().versions(f"{EVENT_NAMESPACE}.SignalReceived")[0]
    event = decode_event(encode_datum(v1, _signal_v1_datum()))
    assert isinstance(event, SignalReceived)
    assert event.source_organisation is None


def test_signal_v2_bytes_are_readable_with_the_v1_schema_by_apache_avro() -> None:
    """A v1 consumer reads a v2 signal from a school and drops the kind of organisation."""
    v1, v2 = catalogue().versions(f"{EVENT_NAMESPACE}.SignalReceived")
    event = SignalReceived.model_validate(_signal_v1_datum() | {"source_organisation": "SCHOOL"})
    value = encode_event(event)
    assert value[2:HEADER_SIZE] == v2.fingerprint
    assert decode_event(value).source_organisation == "SCHOOL"  # type: ignore[attr-defined]
    reader = avro.io.DatumReader(apache(v2), apache(v1))
    old_view = reader.read(avro.io.BinaryDecoder(io.BytesIO(value[HEADER_SIZE:])))
    assert old_view["channel"] == "EXTERNAL_ROUTE"
    assert "source_organisation" not in old_view


def test_a_v1_checkpoint_reads_as_one_without_a_proof_and_v2_carries_it() -> None:
    """A checkpoint written with v1 decodes with previous size 0 and no proof; v2 keeps both."""
    from ketenhub.core.checkpoint_records import decode_chained_checkpoint, encode_checkpoint
    from ketenhub.core.checkpoints import ChainedCheckpoint, generate_hub_key, sign_checkpoint

    signed = sign_checkpoint(generate_hub_key(), 3, b"\x07" * 32, 1_700_000_000_000_000)
    v1 = catalogue().versions(f"{AUDIT_NAMESPACE}.Checkpoint")[0]
    datum = {
        "tree_size": 3,
        "root": signed.root,
        "signed_at": dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC),
        "key_id": signed.key_id,
        "signature": signed.signature,
    }
    old = decode_chained_checkpoint(encode_datum(v1, datum), 0)
    assert old == ChainedCheckpoint(signed, 0, ())
    proven = ChainedCheckpoint(signed, 2, (b"\x01" * 32, b"\x02" * 32))
    assert decode_chained_checkpoint(encode_checkpoint(proven), 0) == proven
