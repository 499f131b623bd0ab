"""Admission reads events by their compiled readers: the same events, refusals and checks as before."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from test_demo_scenario import YEAR, FakeProtector
from test_field_check import CASES, INJECTED, _clean_event, _with

from ketenhub.codec import event_reader
from ketenhub.codec.single_object import HEADER_SIZE, decode_event, encode_event
from ketenhub.config import load_registry
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import catalogue
from ketenhub.core import admission
from ketenhub.core.admission import Inspected, inspect
from ketenhub.core.field_check import check_fields
from ketenhub.core.rejection import Rejection, RejectionCode
from ketenhub.demo.scenario import build_year

REGISTRY = load_registry()
MESSAGES = list(build_year(YEAR, protector=FakeProtector()))


def outcome(partner: str, value: bytes, headers: tuple[tuple[str, bytes], ...]) -> object:
    """What inspecting a message gives, comparable: the event and digest, or the refusal."""
    found = inspect(REGISTRY, REGISTRY.get(partner), value, headers)
    if isinstance(found, Inspected):
        return "inspected", found.event, found.payload, found.digest
    assert isinstance(found, Rejection)
    return "refused", found.code, found.reason


def both_ways(
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, bytes, tuple[tuple[str, bytes], ...]]],
) -> Iterator[tuple[object, object]]:
    """Each message inspected by the compiled readers and, for comparison, by decode_event."""
    for partner, value, headers in messages:
        compiled = outcome(partner, value, headers)
        with monkeypatch.context() as patch:
            patch.setattr(admission, "read_event", decode_event)
            yield compiled, outcome(partner, value, headers)


def damaged(rng: random.Random) -> list[tuple[str, bytes, tuple[tuple[str, bytes], ...]]]:
    """Every cut of some demo messages, single bytes changed, garbage and made-up fingerprints."""
    found = []
    for message in rng.sample(MESSAGES, 12):
        value, keep = message.value, (message.partner, message.headers)
        found += [(keep[0], value[:cut], keep[1]) for cut in range(len(value))]
        found += [(keep[0], value + b"\x00", keep[1])]
        for _ in range(60):
            at = rng.randrange(len(value))
            changed = value[:at] + bytes([rng.randrange(256)]) + value[at + 1 :]
            found.append((keep[0], changed, keep[1]))
        found.append((keep[0], value[:HEADER_SIZE] + rng.randbytes(40), keep[1]))
        found.append((keep[0], value[:2] + rng.randbytes(8) + value[HEADER_SIZE:], keep[1]))
    found += [(MESSAGES[0].partner, rng.randbytes(n), MESSAGES[0].headers) for n in range(0, 64)]
    return found


def test_every_demo_message_is_inspected_as_decode_event_inspects_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every message of the demo year, its deliberate mistakes included: the same event and
    digest, or the same refusal, whichever way its bytes are read."""
    messages = [(m.partner, m.value, m.headers) for m in MESSAGES]
    pairs = list(both_ways(monkeypatch, messages))
    assert all(compiled == generic for compiled, generic in pairs)
    assert sum(1 for compiled, _ in pairs if compiled[0] == "inspected") > 400


def test_cut_changed_and_made_up_bytes_are_refused_or_read_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every truncation, single-byte changes anywhere, trailing bytes, random garbage and
    fingerprints no schema has: the same event or the same refusal as decode_event gives, and
    no made-up fingerprint is remembered."""
    kept = len(event_reader._readers)
    pairs = list(both_ways(monkeypatch, damaged(random.Random("admission"))))
    assert len(pairs) > 2000
    for compiled, generic in pairs:
        assert compiled == generic
    codes = {compiled[1] for compiled, _ in pairs if compiled[0] == "refused"}
    assert {RejectionCode.UNDECODABLE, RejectionCode.UNKNOWN_SCHEMA} <= codes
    assert len(event_reader._readers) <= kept + len(EVENT_MODELS)
    assert all(catalogue().by_fingerprint(f) is not None for f in event_reader._waiting)


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n}.{p}" for n, p in CASES])
def test_a_clear_identifier_in_any_string_field_is_refused_from_the_bytes(
    name: str, path: str
) -> None:
    """A BSN, phone number, e-mail address or name in any string field, sent as Avro bytes,
    is read into the same event as before and refused by the field check, naming the field."""
    clean = _clean_event(name).model_dump()
    for label, value in INJECTED.items():
        event = EVENT_MODELS[name].model_validate(_with(clean, path, value))
        read = event_reader.read_event(encode_event(event))
        assert read == event == decode_event(encode_event(event))
        refusal = check_fields(REGISTRY, read)
        assert isinstance(refusal, Rejection), f"{label} in {path} was accepted"
        assert refusal.reason.startswith(f"{path} "), refusal.reason


def test_a_type_met_often_gets_its_reader_and_reads_the_same_events() -> None:
    """A type's first events are read by decode_event, the later ones by its compiled reader
    once it is made, and every one is the event decode_event gives."""
    values = [m.value for m in MESSAGES if m.expect == "ACCEPT"]
    fingerprint = values[0][2:HEADER_SIZE]
    same = [v for v in values if v[2:HEADER_SIZE] == fingerprint]
    for value in same * (event_reader.COMPILE_AFTER // len(same) + 2):
        assert event_reader.read_event(value) == decode_event(value)
    assert event_reader._readers.get(fingerprint) is not None
