"""Every field of every Avro schema states what personal data it holds, and the kinds keep the core's rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest

from ketenhub.contract.schemas import crc64_fingerprint, schema_dir
from ketenhub.core.data_kinds import PROPERTY, DataKind, contract_problems, field_entries
from tests.contract.avro_spec import single_object_fingerprint

SCHEMA_FILES = sorted([*schema_dir().glob("*.avsc"), *(schema_dir() / "views").glob("*.avsc")])


def load(path: Path) -> Any:
    """The parsed JSON of a schema file."""
    return json.loads(path.read_text(encoding="utf-8"))


def fields_named(schema: Any, record: str, name: str) -> list[dict[str, Any]]:
    """The field dicts (mutable, inside ``schema``) of ``record.name``, wherever defined."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for branch in node:
                walk(branch)
        elif isinstance(node, dict):
            for field in node.get("fields", ()):
                if node["name"] == record and field["name"] == name:
                    found.append(field)
                walk(field["type"])
            for key in ("items", "values"):
                if key in node:
                    walk(node[key])

    walk(schema)
    assert found, f"{record}.{name} not in the schema"
    return found


def without_property(schema: Any) -> Any:
    """A copy of a schema with every personal_data property removed."""
    stripped = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for branch in node:
                walk(branch)
        elif isinstance(node, dict):
            for field in node.get("fields", ()):
                field.pop(PROPERTY, None)
                walk(field["type"])
            for key in ("items", "values"):
                if key in node:
                    walk(node[key])

    walk(stripped)
    return stripped


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_schema_keeps_the_rules_of_its_kinds(path: Path) -> None:
    """No field of any event, audit or view schema lacks its kind or breaks a kind's rule."""
    schema = load(path)
    assert contract_problems(schema) == []
    assert all(entry.kind is not None for entry in field_entries(schema))


def test_the_schemas_cover_events_audit_records_and_views() -> None:
    """The check runs over every kind of schema, and the register's kinds are all in use."""
    names = {load(path)["name"] for path in SCHEMA_FILES}
    assert {"SignalReceived", "SealedRecord", "Checkpoint", "CaseView"} <= names
    used = {e.kind for path in SCHEMA_FILES for e in field_entries(load(path))}
    assert used == set(DataKind)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_a_field_without_its_kind_is_named(path: Path) -> None:
    """Removing the property from any one field makes the check fail naming that field."""
    schema = load(path)
    for entry in field_entries(schema):
        broken = copy.deepcopy(schema)
        fields_named(broken, entry.record, entry.name)[0].pop(PROPERTY)
        problems = contract_problems(broken)
        assert any(p.startswith(f"{entry.record}.{entry.name} has no valid") for p in problems)


def test_an_unknown_kind_is_refused() -> None:
    """A kind outside the closed list counts as missing."""
    schema = load(schema_dir() / "campaign_held.v1.avsc")
    fields_named(schema, "CampaignHeld", "reach")[0][PROPERTY] = "maybe"
    assert contract_problems(schema) == [
        "CampaignHeld.reach has no valid personal_data property (one of pseudonym, "
        "encrypted_text, person_attribute, nested, sealed_event, none; found 'maybe')"
    ]


@pytest.mark.parametrize(
    ("file", "record", "name"),
    [
        ("signal_received.v1.avsc", "SignalReceived", "persons"),
        ("referral_made.v2.avsc", "ReferralMade", "victim"),
        ("control_visit_logged.v1.avsc", "ControlVisitLogged", "address"),
        ("signal_received.v1.avsc", "EncryptedField", "subject"),
        ("views/case_view.v1.avsc", "SignalSummary", "persons"),
    ],
)
def test_an_identifier_field_must_be_a_pseudonym(file: str, record: str, name: str) -> None:
    """An identifier field declared as anything but a pseudonym is refused, naming it."""
    schema = load(schema_dir() / file)
    for field in fields_named(schema, record, name):
        field[PROPERTY] = "none"
    assert any(
        p.startswith(f"{record}.{name} is an identifier field") for p in contract_problems(schema)
    )


def test_a_pseudonym_kind_must_be_checked_as_one() -> None:
    """A field declared pseudonym that the core checks as an id is refused (the register would lie)."""
    schema = load(schema_dir() / "signal_received.v1.avsc")
    fields_named(schema, "SignalReceived", "case_id")[0][PROPERTY] = "pseudonym"
    assert contract_problems(schema) == [
        "SignalReceived.case_id is declared pseudonym but the core does not check it as one "
        "(field_rules)"
    ]


def test_free_text_must_be_encrypted() -> None:
    """Free text as a plain string is refused, whatever kind it declares; so is a new text field."""
    schema = load(schema_dir() / "signal_received.v1.avsc")
    free_text = fields_named(schema, "SignalReceived", "free_text")[0]
    free_text["type"] = ["null", "string"]
    for kind in ("none", "encrypted_text"):
        free_text[PROPERTY] = kind
        problems = contract_problems(schema)
        assert any(p.startswith("SignalReceived.free_text is") for p in problems), kind
    fresh = load(schema_dir() / "case_closed.v1.avsc")
    fresh["fields"].append(
        {"name": "remarks", "type": ["null", "string"], "default": None, PROPERTY: "none"}
    )
    assert contract_problems(fresh) == [
        "CaseClosed.remarks is a plain string that is no pseudonym, id, partner, code or area: "
        "free text must be an encrypted field (EncryptedField)"
    ]


def test_an_encrypted_field_must_say_so() -> None:
    """An EncryptedField declared none, and a record declared none, are refused."""
    schema = load(schema_dir() / "source_research_completed.v1.avsc")
    fields_named(schema, "SourceResearchCompleted", "summary")[0][PROPERTY] = "none"
    assert contract_problems(schema) == [
        "SourceResearchCompleted.summary is an encrypted field but declared none"
    ]
    view = load(schema_dir() / "views" / "case_view.v1.avsc")
    fields_named(view, "CoordinatorView", "signal")[0][PROPERTY] = "none"
    assert any(
        p.startswith("CoordinatorView.signal holds records") for p in contract_problems(view)
    )


def test_a_view_string_the_hub_does_not_write_is_free_text() -> None:
    """In a view, only the strings the hub writes from checked values may be plain strings."""
    view = load(schema_dir() / "views" / "case_view.v1.avsc")
    fields_named(view, "Closure", "phase")[0]["name"] = "note"
    assert any(p.startswith("Closure.note is a plain string") for p in contract_problems(view))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_the_property_leaves_every_fingerprint_as_it_was(path: Path) -> None:
    """Parsing Canonical Form drops the property: each schema's fingerprint is the one without it
    (by fastavro and by the specification), so released fingerprints and encoded data stay valid."""
    schema = load(path)
    bare = without_property(schema)
    assert bare != schema
    assert crc64_fingerprint(fastavro.parse_schema(schema)) == crc64_fingerprint(
        fastavro.parse_schema(bare)
    )
    assert single_object_fingerprint(schema) == single_object_fingerprint(bare)
