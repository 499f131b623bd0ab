"""Compiled event readers: the same events as ``decode_event``, the same refusals for bad bytes."""

from __future__ import annotations

import random
import re
from typing import Annotated
from uuid import UUID

import pytest
from pydantic import Field, field_validator, model_validator
from synthetic import Story
from test_demo_scenario import YEAR, FakeProtector
from test_field_check import _clean_event

from ketenhub.codec.avro_nodes import long_bytes
from ketenhub.codec.event_reader import (
    NotCompiled,
    _long,
    _long8,
    _maker,
    _reader,
    _uuid,
    _validates_beyond_types,
    compile_reader,
    read_event,
)
from ketenhub.codec.single_object import HEADER_SIZE, decode_event, encode_datum, encode_event
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import EVENT_NAMESPACE, catalogue
from ketenhub.demo.scenario import build_year
from ketenhub.errors import CodecError


def _same_outcome(value: bytes) -> None:
    """``read_event`` gives what ``decode_event`` gives: the equal event, or the same error."""
    try:
        expected = decode_event(value)
    except CodecError as exc:
        refusal = exc
    else:
        refusal = None
    if refusal is not None:
        with pytest.raises(type(refusal)) as raised:
            read_event(value)
        assert _without_addresses(raised.value) == _without_addresses(refusal)
        return
    event = read_event(value)
    assert event == expected
    assert type(event) is type(expected)
    assert event.model_fields_set == expected.model_fields_set


def _without_addresses(exc: BaseException) -> str:
    """An error's message without object addresses (some of fastavro's name an object)."""
    return re.sub(r"0x[0-9a-f]+", "0x", str(exc))


@pytest.mark.parametrize("name", sorted(EVENT_MODELS))
def test_every_event_type_reads_as_decode_event_reads_it(name: str) -> None:
    """For every event type, with every optional field present and without, the compiled
    reader gives the event ``decode_event`` gives, and the type has a compiled reader."""
    full = _clean_event(name)
    bare = full.model_copy(
        update={f: None for f, info in type(full).model_fields.items() if info.default is None}
    )
    for event in (full, bare):
        value = encode_event(event)
        assert read_event(value) == decode_event(value) == event
    assert _reader(encode_event(full)[2:HEADER_SIZE]) is not None


def test_a_demo_year_reads_as_decode_event_reads_it() -> None:
    """Every event of a demo year is read by the compiled readers as ``decode_event`` reads it."""
    compared = 0
    for message in build_year(YEAR, protector=FakeProtector()):
        if message.expect in ("ACCEPT", "DUPLICATE"):
            _same_outcome(message.value)
            compared += 1
    assert compared > 400


def test_older_schema_versions_are_resolved_as_before() -> None:
    """An event written with an older schema version of its type is read as ``decode_event``
    reads it (resolved to the newest version)."""
    compared = 0
    for name in catalogue().names(EVENT_NAMESPACE):
        versions = catalogue().versions(f"{EVENT_NAMESPACE}.{name}")
        if len(versions) == 1:  # only types with an older version
            continue
        event = _clean_event(name)
        datum = event.to_datum()
        older = versions[0]
        fields = {f["name"] for f in older.source["fields"]}
        value = encode_datum(older, {k: v for k, v in datum.items() if k in fields})
        _same_outcome(value)
        compared += 1
    assert compared >= 1


def test_cut_short_and_trailing_bytes_are_refused_as_before() -> None:
    """A datum cut short, or followed by more bytes, is refused with decode_event's error."""
    value = encode_event(Story().signal())
    for bad in (value[:-5], value[:-1], value + b"\x00", value + b"\x00\x00", value[:HEADER_SIZE]):
        _same_outcome(bad)


def test_random_corruption_reads_or_is_refused_as_before() -> None:
    """Thousands of random byte flips in every kind of event give decode_event's outcome."""
    rng = random.Random(11)
    for name in sorted(EVENT_MODELS):
        value = bytearray(encode_event(_clean_event(name)))
        for _ in range(300):
            mutated = bytearray(value)
            for _ in range(rng.randrange(1, 4)):
                mutated[rng.randrange(HEADER_SIZE, len(mutated))] = rng.randrange(256)
            _same_outcome(bytes(mutated))


def test_the_newest_version_of_every_event_schema_compiles() -> None:
    """The newest version of every event schema compiles into a reader of its model."""
    for name in catalogue().names(EVENT_NAMESPACE):
        assert callable(compile_reader(catalogue().latest(f"{EVENT_NAMESPACE}.{name}")))


@pytest.mark.parametrize(
    "text",
    [
        "12345678-1234-5678-1234-567812345678",
        "12345678123456781234567812345678",
        "{12345678-1234-5678-1234-567812345678}",
        "urn:uuid:12345678-1234-5678-1234-567812345678",
        "1234_678-1234-5678-1234-567812345678",
        "+2345678-1234-5678-1234-567812345678",
        "1234567-81234-5678-1234-567812345678",
        "12345678-1234-5678-1234-56781234567",
        "12345678-1234-5678-1234-5678123456789",
        "12345678-1234-5678-1234-56781234567g",
        "",
    ],
)
def test_a_uuid_is_parsed_as_uuid_parses_it(text: str) -> None:
    """A uuid's text gives the UUID ``UUID(text)`` gives, or the same refusal."""
    try:
        expected = UUID(text)
    except ValueError as exc:
        refusal: ValueError | None = exc
    else:
        refusal = None
    if refusal is not None:
        with pytest.raises(ValueError, match=re.escape(str(refusal))):
            _uuid(text)
        return
    parsed = _uuid(text)
    assert parsed == expected
    assert type(parsed) is UUID
    assert str(parsed) == str(expected)
    assert parsed.is_safe == expected.is_safe


def test_eight_byte_varints_read_as_the_generic_varint_reads_them() -> None:
    """Every varint read whole by ``_long8`` gives ``_long``'s value and position, from one
    byte to ten, positive and negative, and cut short."""
    rng = random.Random(3)
    numbers = [0, 1, -1, 2**55 - 1, -(2**55), 2**63 - 1, -(2**63)]
    numbers += [rng.randrange(-(2**63), 2**63) >> rng.randrange(64) for _ in range(3000)]
    for number in numbers:
        value = b"\x07" + long_bytes(number) + b"\x05"
        assert _long8(value, 1) == _long(value, 1) == (number, len(value) - 1)
    whole = long_bytes(1_764_000_000_123_456)  # a timestamp of 2025: eight bytes
    assert len(whole) == 8  # the case ``_long8`` reads as one integer
    for cut in range(1, len(whole)):
        short = b"\x07" + whole[:cut]
        try:
            _, after = _long8(short, 1)
        except IndexError:
            continue
        assert after > len(short), "a varint cut short must leave the position past the end"


def _signal_model_with(**namespace: object) -> type:
    """A model like SignalReceived whose validation does one thing more."""
    base = EVENT_MODELS["SignalReceived"]
    return type("StricterSignal", (base,), {"__module__": __name__, **namespace})


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(
            {"_short": field_validator("case_id")(lambda cls, v: v[:8])}, id="a field validator"
        ),
        pytest.param(
            {"_checked": model_validator(mode="after")(lambda self: self)}, id="a model validator"
        ),
        pytest.param(
            {"__annotations__": {"case_id": Annotated[str, Field(max_length=4)]}},
            id="a field constraint",
        ),
    ],
)
def test_a_model_that_validates_more_than_its_types_is_left_to_pydantic(
    extra: dict[str, object],
) -> None:
    """The compiled reader makes models without validating them: only for models whose
    validation it does itself. A validator or constraint added later must not be skipped."""
    base = EVENT_MODELS["SignalReceived"]
    schema = catalogue().latest(base.SCHEMA_NAME).source
    assert not _validates_beyond_types(base)
    _maker(base, schema)  # the model as it is: compiled
    stricter = _signal_model_with(**extra)
    assert _validates_beyond_types(stricter)
    with pytest.raises(NotCompiled):
        _maker(stricter, schema)


def test_every_event_model_is_made_by_its_compiled_reader() -> None:
    """Today no event model validates more than its types, so every one is compiled."""
    for model in EVENT_MODELS.values():
        assert not _validates_beyond_types(model), model.__name__
