"""What personal data each field of the contract holds: the ``personal_data`` property of every Avro field.

Every field of every schema in ``schemas/avro`` (events, audit records, views), nested
records included, states one kind:

- ``pseudonym``: a keyed pseudonym of a person, address or employer (also a map keyed by them);
- ``encrypted_text``: free text, encrypted under one data subject's key (crypto-shredded on
  erasure), and the ciphertext inside such a field;
- ``person_attribute``: a coarse characteristic of a pseudonymised person (a victim's age
  group, gender, residence status and form of exploitation; the care it was referred to, the
  need of an interpreter, how care ended). Not identifying alone, but personal data through
  the pseudonym beside it, and in part special-category data: a DPIA must list it;
- ``nested``: a record, or a list or map of records, whose own fields state their kinds;
- ``sealed_event``: an event as sealed into ``audit.log``; its fields have the kinds of its
  own schema;
- ``none``: nothing personal of its own (ids, codes, partner ids, times, counts, digests).

``contract_problems`` checks a schema against the core's rules: no field without a kind,
every identifier field (``field_rules``: a pseudonym) of kind ``pseudonym`` and the other way
round, free text only encrypted. Pure: no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ketenhub.core.field_rules import FieldKind, rule_for

PROPERTY = "personal_data"
ENCRYPTED_RECORD = "EncryptedField"
EVENT_NAMESPACES = frozenset({"nl.ketenhub.events", "nl.ketenhub.types"})


class DataKind(enum.StrEnum):
    """The kind of personal data one field holds."""

    PSEUDONYM = "pseudonym"
    ENCRYPTED_TEXT = "encrypted_text"
    PERSON_ATTRIBUTE = "person_attribute"
    NESTED = "nested"
    SEALED_EVENT = "sealed_event"
    NONE = "none"


# Plain strings the hub writes itself into views and audit records, each copied from a value
# that was checked when its event was admitted (so they are no free text).
HUB_WRITTEN_STRINGS: Mapping[tuple[str, str], str] = {
    ("SealedRecord", "event_type"): "the name of an event type",
    ("HistoryEntry", "event_type"): "the name of an event type",
    ("CaseView", "visible_because"): "access reasons: a fixed word and a decision or referral id",
    ("CoordinatorView", "phase"): "the name of a phase",
    ("StatusView", "phase"): "the name of a phase",
    ("EnforcementView", "phase"): "the name of a phase",
    ("InvestigationView", "phase"): "the name of a phase",
    ("Closure", "phase"): "the name of a phase",
    ("Signal", "reported_by"): "the reporting partner's id",
    ("OwnSignalSummary", "reported_by"): "the reporting partner's id",
    ("Victim", "identified_by"): "the identifying partner's id",
    ("Referral", "provider"): "the care partner's id",
    ("Forward", "to"): "partner ids",
    ("Forward", "reason"): "a forward reason symbol",
    ("Action", "kind"): "an action kind code",
    ("ProcessingRecord", "system"): "the hub component that served a read (cli, web, sdk)",
    ("ProcessingRecord", "operation"): "a read operation of the access log's closed list",
}


@dataclass(frozen=True)
class FieldEntry:
    """One field of a schema: its record type, its path from the top record, its type and kind."""

    namespace: str
    record: str
    path: str
    field: Mapping[str, Any]
    kind: DataKind | None

    @property
    def name(self) -> str:
        """The field's own name."""
        return str(self.field["name"])


def field_entries(schema: Mapping[str, Any]) -> list[FieldEntry]:
    """Every field of a schema in order, nested records once each (at their first definition)."""
    return list(_walk(schema, "", set(), str(schema.get("namespace", ""))))


def _walk(node: Any, prefix: str, seen: set[str], namespace: str) -> Iterator[FieldEntry]:
    if isinstance(node, list):
        for branch in node:
            yield from _walk(branch, prefix, seen, namespace)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind == "record" and node["name"] not in seen:
            seen.add(node["name"])
            own = str(node.get("namespace", namespace))
            for field in node["fields"]:
                path = f"{prefix}{field['name']}"
                yield FieldEntry(own, node["name"], path, field, _declared(field))
                yield from _walk(field["type"], path + ".", seen, own)
        elif kind == "array":
            yield from _walk(node["items"], prefix.rstrip(".") + "[].", seen, namespace)
        elif kind == "map":
            yield from _walk(node["values"], prefix.rstrip(".") + "{}.", seen, namespace)


def _declared(field: Mapping[str, Any]) -> DataKind | None:
    value = field.get(PROPERTY)
    try:
        return DataKind(value) if isinstance(value, str) else None
    except ValueError:
        return None


def contract_problems(schema: Mapping[str, Any]) -> list[str]:
    """Every way a schema's fields break the rules of their ``personal_data`` kinds (none: fine)."""
    named = _named_types(schema)
    problems: list[str] = []
    for entry in field_entries(schema):
        where = f"{entry.record}.{entry.name}"
        if entry.kind is None:
            problems.append(
                f"{where} has no valid {PROPERTY} property (one of {', '.join(DataKind)}; "
                f"found {entry.field.get(PROPERTY)!r})"
            )
            continue
        problems.extend(f"{where} {p}" for p in _kind_problems(entry, named))
    return problems


def _kind_problems(entry: FieldEntry, named: Mapping[str, Any]) -> Iterator[str]:
    shape = _shape(entry.field["type"], named)
    kind = entry.kind
    if shape == "encrypted" and kind is not DataKind.ENCRYPTED_TEXT:
        yield f"is an encrypted field but declared {kind}"
    ciphertext = entry.record == ENCRYPTED_RECORD and entry.name == "ciphertext"
    if kind is DataKind.ENCRYPTED_TEXT and shape != "encrypted" and not ciphertext:
        yield "is declared encrypted_text but is no EncryptedField: free text must be encrypted"
    if shape in ("record", "map_of_records") and kind not in (DataKind.NESTED, DataKind.PSEUDONYM):
        yield f"holds records but is declared {kind} (nested, or pseudonym for a map keyed by them)"
    if kind is DataKind.PSEUDONYM and shape == "record":
        yield "holds a record but is declared pseudonym"
    if kind is DataKind.NESTED and shape not in ("record", "map_of_records"):
        yield "is declared nested but holds no record"
    if shape == "string":
        yield from _string_problems(entry)


def _string_problems(entry: FieldEntry) -> Iterator[str]:
    rule = rule_for(entry.record, entry.name).kind
    if rule is FieldKind.PSEUDONYM and entry.kind is not DataKind.PSEUDONYM:
        yield f"is an identifier field (checked as a pseudonym) but declared {entry.kind}"
    if entry.kind is DataKind.PSEUDONYM and rule is not FieldKind.PSEUDONYM:
        yield "is declared pseudonym but the core does not check it as one (field_rules)"
    if rule is FieldKind.TEXT and (
        entry.namespace in EVENT_NAMESPACES or (entry.record, entry.name) not in HUB_WRITTEN_STRINGS
    ):
        yield (
            "is a plain string that is no pseudonym, id, partner, code or area: free text must be "
            "an encrypted field (EncryptedField)"
        )


def _named_types(schema: Any, found: dict[str, Any] | None = None) -> dict[str, Any]:
    found = {} if found is None else found
    if isinstance(schema, list):
        for branch in schema:
            _named_types(branch, found)
    elif isinstance(schema, dict):
        if "name" in schema and schema.get("type") in ("record", "enum", "fixed"):
            found.setdefault(schema["name"], schema)
        for field in schema.get("fields", ()):
            _named_types(field["type"], found)
        for key in ("items", "values"):
            if key in schema:
                _named_types(schema[key], found)
    return found


def _shape(node: Any, named: Mapping[str, Any]) -> str:
    """What a field's type holds, unions with null and arrays looked through."""
    if isinstance(node, list):
        shapes = {_shape(branch, named) for branch in node if branch != "null"}
        return shapes.pop() if len(shapes) == 1 else ("record" if "record" in shapes else "other")
    if node == "string":
        return "string"
    if isinstance(node, str):
        target = named.get(node.rsplit(".", 1)[-1])
        return "other" if target is None else _shape(target, named)
    kind = node.get("type")
    if kind == "record":
        return "encrypted" if node["name"] == ENCRYPTED_RECORD else "record"
    if kind == "array":
        return _shape(node["items"], named)
    if kind == "map":
        inner = _shape(node["values"], named)
        return "map_of_records" if inner in ("record", "encrypted") else "other"
    if kind == "string" or node.get("logicalType") == "uuid":
        return "uuid" if node.get("logicalType") == "uuid" else "string"
    return "other"


def pseudonyms_in(schema: Mapping[str, Any], datum: Mapping[str, Any]) -> set[str]:
    """Every pseudonym a datum of ``schema`` holds, found by the kinds its fields declare."""
    found: set[str] = set()
    _collect(schema, datum, _named_types(schema), found)
    return found


def _collect(
    record: Mapping[str, Any], datum: Any, named: Mapping[str, Any], out: set[str]
) -> None:
    if not isinstance(datum, Mapping):
        return
    for field in record["fields"]:
        value = datum.get(field["name"])
        if value is None:
            continue
        if _declared(field) is DataKind.PSEUDONYM:
            out.update(_strings(value))
        _collect_in(field["type"], value, named, out)


def _collect_in(node: Any, value: Any, named: Mapping[str, Any], out: set[str]) -> None:
    """Walk ``value`` as a datum of type ``node`` into the records it holds."""
    if value is None:
        return
    if isinstance(node, list):
        for branch in node:
            _collect_in(branch, value, named, out)
    elif isinstance(node, str):
        target = named.get(node.rsplit(".", 1)[-1])
        if isinstance(target, dict):
            _collect_in(target, value, named, out)
    elif node.get("type") == "record":
        _collect(node, value, named, out)
    elif node.get("type") == "array" and isinstance(value, list | tuple):
        for item in value:
            _collect_in(node["items"], item, named, out)
    elif node.get("type") == "map" and isinstance(value, Mapping):
        for item in value.values():
            _collect_in(node["values"], item, named, out)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        yield from (key for key in value if isinstance(key, str))
    elif isinstance(value, list | tuple):
        yield from (item for item in value if isinstance(item, str))
