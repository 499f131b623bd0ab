"""The core refuses clear identifiers in every string field of every event, naming the field only."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from typing import Any

import pytest
from synthetic import NOW, PurePipeline, Story, pseudonym
from test_personal_data import synthetic_bsn

from ketenhub.config import load_registry
from ketenhub.contract.base import Event
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import EVENT_NAMESPACE, catalogue
from ketenhub.core.field_check import _check, _Pass, _strings_in, check_fields, strings_of
from ketenhub.core.field_rules import FieldKind, FieldRule, rule_for
from ketenhub.core.rejection import Rejection, RejectionCode

REGISTRY = load_registry()
BSN = synthetic_bsn(random.Random(1916))
INJECTED = {
    "bsn": BSN,
    "bsn with dots": f"{BSN[:4]}.{BSN[4:6]}.{BSN[6:]}",
    "phone": "06-12345678",
    "e-mail": "someone@example.nl",
    "name after psn-": "psn-Placeholder Person",
}


def _conforming(record: str, field: str) -> str:
    """A value of the right kind for a string field: what a well-behaved partner sends."""
    rule = rule_for(record, field)
    code = sorted(REGISTRY.codes.allowed(rule.code_list))[0] if rule.code_list else ""
    return {
        FieldKind.PSEUDONYM: pseudonym(f"{record}.{field}"),
        FieldKind.OPAQUE_ID: "case-1",
        FieldKind.PARTNER: "municipality",
        FieldKind.CODE: code,
        FieldKind.AREA: "2261",
        FieldKind.MUNICIPALITY: "GM1916",
        FieldKind.TEXT: "synthetic",
    }[rule.kind]


def _datum(schema: Any, named: dict[str, Any], record: str = "", field: str = "") -> Any:
    """A datum with every optional field present and every array holding one item."""
    if isinstance(schema, str) and schema in named:
        return _datum(named[schema], named, record, field)
    if isinstance(schema, list):
        return _datum(next(s for s in schema if s != "null"), named, record, field)
    if isinstance(schema, str):
        schema = {"type": schema}
    kind = schema["type"]
    if kind in ("record", "enum"):
        named[schema["name"]] = named[f"{EVENT_NAMESPACE}.{schema['name']}"] = schema
        if "namespace" in schema:  # a later field may name it in full (nl.ketenhub.types.X)
            named[f"{schema['namespace']}.{schema['name']}"] = schema
    logical = schema.get("logicalType")
    if logical == "uuid":
        return "00000000-0000-4000-8000-000000000001"
    if logical == "timestamp-micros":
        return dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
    if logical == "date":
        return dt.date(2025, 3, 1)
    if kind == "record":
        return {
            f["name"]: _datum(f["type"], named, schema["name"], f["name"]) for f in schema["fields"]
        }
    if kind == "array":
        return [_datum(schema["items"], named, record, field)]
    if kind == "enum":
        return schema["symbols"][0]
    if kind == "string":
        return _conforming(record, field)
    return {"int": 1, "long": 1, "boolean": False, "bytes": bytes(12), "fixed": bytes(12)}[kind]


def _clean_event(name: str) -> Event:
    schema = catalogue().latest(f"{EVENT_NAMESPACE}.{name}").source
    return EVENT_MODELS[name].model_validate(_datum(schema, {}))


def _with(datum: Any, path: str, value: str) -> Any:
    """A copy of ``datum`` with the string at ``path`` (``actions[0].kind``) replaced."""
    head, _, rest = path.partition(".")
    match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", head)
    assert match is not None
    key, index = match.group(1), match.group(2)
    copy = dict(datum)
    if index is None:
        copy[key] = _with(copy[key], rest, value) if rest else value
    else:
        items = list(copy[key])
        items[int(index)] = _with(items[int(index)], rest, value) if rest else value
        copy[key] = items
    return copy


def _paths(name: str) -> list[str]:
    return [path for path, _, _ in strings_of(_clean_event(name))]


CASES = [(name, path) for name in sorted(EVENT_MODELS) for path in _paths(name)]


@pytest.mark.parametrize("name", sorted(EVENT_MODELS))
def test_an_event_of_conforming_strings_passes(name: str) -> None:
    """With pseudonyms, opaque ids, registered partners and listed codes, nothing is refused."""
    assert check_fields(REGISTRY, _clean_event(name)) is None


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n}.{p}" for n, p in CASES])
def test_a_direct_identifier_in_any_string_field_is_refused_naming_the_field(
    name: str, path: str
) -> None:
    """A BSN, phone number, e-mail address or name put in any string field is refused; the
    reason names that field and never repeats the value."""
    clean = _clean_event(name).model_dump()
    for label, value in INJECTED.items():
        event = EVENT_MODELS[name].model_validate(_with(clean, path, value))
        refusal = check_fields(REGISTRY, event)
        assert isinstance(refusal, Rejection), f"{label} in {path} was accepted"
        assert refusal.code in (
            RejectionCode.PERSONAL_DATA_IN_FIELD,
            RejectionCode.INVALID_VALUE,
        ), f"{label} in {path}: {refusal}"
        assert refusal.reason.startswith(f"{path} "), refusal.reason
        assert value not in refusal.reason and BSN not in refusal.reason
        assert "12345678" not in refusal.reason and "example" not in refusal.reason


def test_every_string_field_of_the_contract_is_reached() -> None:
    """The generic walk reaches nested records and arrays: the encrypted subjects, actions, location."""
    reached = {(name, path) for name, path in CASES}
    for expected in (
        ("SignalReceived", "persons[0]"),
        ("SignalReceived", "location.area_code"),
        ("SignalReceived", "free_text.subject"),
        ("ActionPlanAdopted", "actions[0].kind"),
        ("ControlVisitLogged", "signals_raised[0]"),
        ("TrainingCompleted", "provider"),
    ):
        assert expected in reached


def _refusal(event: Event) -> Rejection:
    refusal = check_fields(REGISTRY, event)
    assert refusal is not None
    return refusal


def test_a_name_behind_the_pseudonym_prefix_is_refused_as_invalid_value() -> None:
    """``psn-`` followed by anything but 32 lowercase hex characters is no pseudonym."""
    signal = Story().signal().model_copy(update={"persons": ["psn-Placeholder Person"]})
    refusal = _refusal(signal)
    assert refusal.code is RejectionCode.INVALID_VALUE
    assert refusal.reason.startswith("persons[0] is not a pseudonym (psn- followed by 32")
    assert "Placeholder" not in refusal.reason


def test_ids_must_have_the_opaque_format() -> None:
    """A case id with capitals and spaces is refused as INVALID_VALUE naming case_id."""
    refusal = _refusal(Story().signal(case="Case of Placeholder"))
    assert refusal.code is RejectionCode.INVALID_VALUE
    assert refusal.reason.startswith("case_id is not an opaque id")


def test_a_bsn_shaped_case_id_is_personal_data() -> None:
    """A case id that is a BSN has the opaque format but is refused as PERSONAL_DATA_IN_FIELD."""
    refusal = _refusal(Story().signal(case=BSN))
    assert refusal.code is RejectionCode.PERSONAL_DATA_IN_FIELD
    assert refusal.reason.startswith("case_id holds what looks like a citizen service number")
    assert BSN not in refusal.reason


def test_codes_come_from_the_registry_code_lists() -> None:
    """An unknown finding code is refused; the reason lists where the allowed codes are."""
    research = Story().research().model_copy(update={"finding_codes": ["MADE_UP"]})
    refusal = _refusal(research)
    assert refusal.code is RejectionCode.INVALID_VALUE
    assert "finding_codes[0] is not a code of the list finding_codes" in refusal.reason
    assert "ketenhub codes finding_codes" in refusal.reason


def test_a_short_code_list_is_listed_in_the_reason() -> None:
    """A wrong sharing purpose names the allowed purposes."""
    shared = Story().share("case-1", "police").model_copy(update={"purpose": "CURIOSITY"})
    assert "allowed: CARE, CRIMINAL_INVESTIGATION" in _refusal(shared).reason


def test_an_area_code_is_a_postcode_area_never_an_address() -> None:
    """A street address as area code is refused; a four-digit area is no phone number or BSN."""
    story = Story()
    signal = story.signal()
    located = signal.model_copy(
        update={"location": signal.location.model_copy(update={"area_code": "Kerkstraat 1"})}  # type: ignore[union-attr]
    )
    refusal = _refusal(located)
    assert refusal.code is RejectionCode.INVALID_VALUE
    assert refusal.reason.startswith("location.area_code is not a four-digit postcode area")
    assert check_fields(REGISTRY, story.signal(case="case-2")) is None


def test_the_pipeline_refuses_personal_data_before_sealing() -> None:
    """Through admission, a phone number as case id is rejected as PERSONAL_DATA_IN_FIELD."""
    pipeline = PurePipeline()
    outcome = pipeline.submit(Story().signal(case="0612345678"), now=NOW)
    assert isinstance(outcome, Rejection)
    assert outcome.code is RejectionCode.PERSONAL_DATA_IN_FIELD


@pytest.mark.parametrize(
    "case",
    [
        f"case-{BSN[:3]}-{BSN[3:6]}-{BSN[6:]}",
        f"ref-aaaaaaa{BSN}",
        f"zaak-2025-11-03-{BSN}",
        "tel0612345678",
        "case-31612345678",
        "zaak-2025-11-03-0612345678",
    ],
)
def test_a_bsn_or_phone_number_glued_into_an_id_is_refused(case: str) -> None:
    """A case id hiding a BSN or phone number between dashes, letters or a date is refused as
    PERSONAL_DATA_IN_FIELD naming case_id, without the value."""
    refusal = _refusal(Story().signal(case=case))
    assert refusal.code is RejectionCode.PERSONAL_DATA_IN_FIELD
    assert refusal.reason.startswith("case_id holds what looks like a ")
    assert case not in refusal.reason and BSN not in refusal.reason


@pytest.mark.parametrize(
    "case",
    [
        "visit-01-2025-0003",
        "case-0042-2025-0001",
        "meeting-07-2025-0012",
        "controledag-03012025",
        "controledag-20250103",
        "case-2025-0001",
        "ref-2025-007",
        "tip-mma-2025-00001",
    ],
)
def test_ids_of_dates_years_and_counters_are_accepted(case: str) -> None:
    """Ids built from months, years, compact dates and counters are not mistaken for a phone
    number or a BSN."""
    assert check_fields(REGISTRY, Story().signal(case=case)) is None


@pytest.mark.parametrize("kind", list(FieldKind))
def test_the_quick_pass_accepts_exactly_what_the_full_check_accepts(kind: FieldKind) -> None:
    """For every kind of field and every value tried (conforming ones, identifiers, wrong
    shapes), the first pass over an event finds a string fine exactly when the full check,
    which names the field, finds nothing wrong with it: it never lets through what that refuses."""
    rules = (
        [FieldRule(kind, name) for name in REGISTRY.codes.names()]
        if kind is FieldKind.CODE
        else [FieldRule(kind)]
    )
    values = [*INJECTED.values(), "synthetic", "case-1", "municipality", "police", "2261"]
    values += ["WK191601", "GM1916", "GM19160", pseudonym("x"), "", "Case 1", "case-06-12345678"]
    for rule in rules:
        if rule.code_list is not None:
            values += sorted(REGISTRY.codes.allowed(rule.code_list))[:3]
    quick = _Pass(REGISTRY)
    for rule in rules:
        for value in values:
            full = _check(REGISTRY, "field", rule, value)
            assert quick.fine(rule, value) == (full is None), (rule, value, full)


class _Text(str):
    """A subclass of str: walked as a string."""

    __slots__ = ()


class _Items(list[object]):
    """A subclass of list: walked as a sequence."""


def test_the_quick_pass_walks_every_kind_of_value_as_the_full_walk_does() -> None:
    """Values of every class an event may hold (strings and their subclasses, enums, times,
    ids, sets, maps with identifiers as keys, nested records, subclasses of lists) are fine in
    the first pass exactly when every string the full walk finds in them is fine."""
    nested = _clean_event("ActionPlanAdopted")
    values: list[object] = [None, True, 3, 2.5, b"bytes", BSN, _Text(BSN), _Text("synthetic")]
    values += [dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.date(2025, 1, 1), NOW]
    values += [FieldKind.TEXT, RejectionCode.INVALID_VALUE, nested, [nested], (nested,)]
    values += [("synthetic", BSN), {"synthetic"}, frozenset({BSN}), _Items(["x", BSN])]
    values += [{"key": "synthetic"}, {BSN: "synthetic"}, {"key": BSN}, {"k": [nested]}, {}, []]
    values += [uuid.UUID(int=5), object(), {"k": {"deep": BSN}}]
    quick = _Pass(REGISTRY)
    for kind in (FieldKind.TEXT, FieldKind.OPAQUE_ID, FieldKind.PSEUDONYM):
        rule = FieldRule(kind)
        for value in values:
            walked = all(
                _check(REGISTRY, path, found_rule, found) is None
                for path, found_rule, found in _strings_in(value, "field", rule)
            )
            assert quick.value_fine(value, rule) == walked, (kind, value)
