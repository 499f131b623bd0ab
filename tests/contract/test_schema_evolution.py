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
from ketenhub.contract.models import ReferralMade
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
