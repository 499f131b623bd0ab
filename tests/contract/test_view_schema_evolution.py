"""View schemas are versioned like events: a released version never changes, a new one stays
backward- and forward-compatible with every earlier one (Apache avro's checker)."""

from __future__ import annotations

import copy
import json
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from ketenhub.codec.views import VIEW_RECORD, view_catalogue, view_schema_dir

# The CRC-64-AVRO fingerprint of every released view schema. A released schema never changes
# (partners' decoders look it up by this fingerprint): change the contract by adding the next
# version, compatible both ways with the earlier ones, and its fingerprint here.
RELEASED = {
    "case_view.v1.avsc": "8691c5faadb36658",
    "case_view.v2.avsc": "feef525ccd791eb9",
}


def compatible(reader: Any, writer: Any) -> bool:
    """Whether data written with ``writer`` reads with ``reader`` (Apache avro's checker)."""
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer))
    )
    return result.compatibility is SchemaCompatibilityType.compatible


def both_ways(older: Any, newer: Any) -> bool:
    """Newer readers read older data, and older readers read newer data."""
    return compatible(reader=newer, writer=older) and compatible(reader=older, writer=newer)


def coordinator_fields(schema: Any) -> list[dict[str, Any]]:
    """The field list of the coordinator's view record inside a view schema (to edit a copy)."""
    roles = next(f for f in schema["fields"] if f["name"] == "content")["type"]
    fields: list[dict[str, Any]] = roles[0]["fields"]
    return fields


def test_released_view_schemas_never_change() -> None:
    """Every view schema file is released under its fingerprint, and still has it."""
    found = {v.path.name: v.fingerprint.hex() for v in view_catalogue().versions(VIEW_RECORD)}
    assert {p.name for p in view_schema_dir().glob("*.avsc")} == set(found)
    for name, fingerprint in found.items():
        assert RELEASED.get(name) == fingerprint, (
            f"{name} is not the released schema: released view schemas never change; add the "
            "next version (compatible both ways with the earlier ones) and its fingerprint"
        )
    assert set(RELEASED) == set(found)


def test_every_version_is_compatible_both_ways_with_every_earlier_one() -> None:
    """Each pair of released versions passes the checker in both directions; and the check
    can fail: an added required field or a removed field is incompatible, an added optional
    field with a null default is not."""
    versions = view_catalogue().versions(VIEW_RECORD)
    for i, newer in enumerate(versions):
        for older in versions[:i]:
            assert both_ways(older.source, newer.source), (older.path.name, newer.path.name)
    latest = dict(versions[-1].source)
    optional = copy.deepcopy(latest)
    coordinator_fields(optional).append(
        {"name": "added_later", "type": ["null", "string"], "default": None, "doc": "New."}
    )
    assert both_ways(latest, optional)
    required = copy.deepcopy(latest)
    coordinator_fields(required).append({"name": "added_later", "type": "string", "doc": "New."})
    assert not both_ways(latest, required)
    removed = copy.deepcopy(latest)
    del coordinator_fields(removed)[-1]  # the history
    assert not both_ways(latest, removed)
