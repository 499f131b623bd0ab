"""The wire format: single-object encoding, fingerprints, CloudEvents headers, and bad bytes."""

from __future__ import annotations

import contextlib
import datetime as dt
import random

import pytest
from synthetic import Story
from test_demo_scenario import YEAR, FakeProtector
from test_field_check import _clean_event

from ketenhub.codec.cloudevents import build_headers, check_agreement, parse_headers
from ketenhub.codec.event_writer import _compiled, encode_event_compiled
from ketenhub.codec.single_object import HEADER_SIZE, MARKER, decode_event, encode_event
from ketenhub.config import load_registry
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import catalogue, crc64_fingerprint
from ketenhub.demo.scenario import build_year
from ketenhub.errors import (
    CodecError,
    CorruptDatum,
    InvalidCloudEventHeaders,
    NotSingleObjectEncoded,
    UnknownSchemaFingerprint,
)

POLICE_URN = load_registry().get("police").urn


def test_fingerprint_matches_the_avro_specification_vector() -> None:
    """CRC-64-AVRO of the schema "null" is the specification's 7195948357588979594, little-endian."""
    assert crc64_fingerprint("null") == (7195948357588979594).to_bytes(8, "little")


def test_value_starts_with_marker_and_writer_fingerprint() -> None:
    """An encoded event is C3 01 + the newest schema's fingerprint + the datum."""
    event = Story().signal()
    value = encode_event(event)
    assert value[:2] == MARKER
    assert value[2:HEADER_SIZE] == catalogue().latest(event.SCHEMA_NAME).fingerprint


def test_unknown_fingerprint_is_named() -> None:
    """A value naming a schema the hub does not know raises UnknownSchemaFingerprint with the fingerprint."""
    value = MARKER + bytes.fromhex("0102030405060708") + b"\x00"
    with pytest.raises(UnknownSchemaFingerprint, match="0102030405060708"):
        decode_event(value)


@pytest.mark.parametrize("value", [b"", b"garbage", b"\xc3\x01\x00", b"\x00\x01" + bytes(8)])
def test_values_without_the_header_are_not_single_object_encoded(value: bytes) -> None:
    """Bytes that lack the C3 01 marker or a full fingerprint raise NotSingleObjectEncoded."""
    with pytest.raises(NotSingleObjectEncoded):
        decode_event(value)


def test_truncated_datum_is_corrupt() -> None:
    """A datum cut short raises CorruptDatum naming the event type."""
    value = encode_event(Story().signal())
    with pytest.raises(CorruptDatum, match="SignalReceived"):
        decode_event(value[:-5])


def test_trailing_bytes_are_corrupt() -> None:
    """Bytes after a complete datum are refused, not silently ignored."""
    with pytest.raises(CorruptDatum, match="unexpected byte"):
        decode_event(encode_event(Story().signal()) + b"\x00\x00")


def test_random_corruption_raises_only_codec_errors() -> None:
    """Thousands of random byte flips either decode or raise a CodecError, never anything else."""
    value = bytearray(encode_event(Story().signal()))
    rng = random.Random(5)
    for _ in range(3000):
        mutated = bytearray(value)
        for _ in range(rng.randrange(1, 4)):
            mutated[rng.randrange(HEADER_SIZE, len(mutated))] = rng.randrange(256)
        with contextlib.suppress(CodecError):
            decode_event(bytes(mutated))


def test_headers_round_trip_and_agree() -> None:
    """Built CloudEvents headers parse back and agree with the event and its source."""
    event = Story().signal(by="police", channel="POLICE")
    headers = build_headers(event, POLICE_URN)
    names = [name for name, _ in headers]
    assert names[:5] == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"]
    assert ("ce_type", b"nl.ketenhub.signal-received") in headers
    attributes = parse_headers(headers)
    check_agreement(attributes, event, POLICE_URN)
    assert attributes.subject == "case-1"


def test_headers_that_disagree_with_the_event_are_refused() -> None:
    """A ce_id that is not the event's id raises InvalidCloudEventHeaders naming the header."""
    story = Story()
    event, other = (
        story.signal(by="police", channel="POLICE"),
        story.signal(by="police", channel="POLICE"),
    )
    with pytest.raises(InvalidCloudEventHeaders, match="ce_id"):
        check_agreement(parse_headers(build_headers(other, POLICE_URN)), event, POLICE_URN)


def test_source_must_be_an_nl_gov_urn() -> None:
    """ce_source must be urn:nld:oin:<OIN>:systeem:<name>."""
    headers = [
        (n, b"https://example.org" if n == "ce_source" else v)
        for n, v in build_headers(Story().signal(), POLICE_URN)
    ]
    with pytest.raises(InvalidCloudEventHeaders, match="ce_source"):
        parse_headers(headers)


def test_missing_and_naive_times_are_refused() -> None:
    """A missing ce_id or a ce_time without zone is refused with the header named."""
    headers = build_headers(Story().signal(), POLICE_URN)
    with pytest.raises(InvalidCloudEventHeaders, match="ce_id"):
        parse_headers([h for h in headers if h[0] != "ce_id"])
    naive = dt.datetime(2025, 1, 1, 12).isoformat().encode()  # noqa: DTZ001  # deliberately naive
    with pytest.raises(InvalidCloudEventHeaders, match="time zone"):
        parse_headers([(n, naive if n == "ce_time" else v) for n, v in headers])


IDENTIFYING = "Placeholder Person 111222333 placeholder@example.nl"


def test_unknown_and_repeated_headers_are_refused_without_their_values() -> None:
    """Extra headers (which audit.log would keep beyond any erasure) and repeated ones are refused."""
    event = Story().signal(by="police", channel="POLICE")
    headers = list(build_headers(event, POLICE_URN))
    for bad in (
        [*headers, ("x-note", IDENTIFYING.encode())],
        [("bsn-111222333", b"1"), *headers],
        [("ce_subject", IDENTIFYING.encode()), *headers],
        [*headers, ("ketenhub_input", b"ingest.municipality/0/0")],
    ):
        with pytest.raises(InvalidCloudEventHeaders) as refused:
            parse_headers(bad)
        assert "111222333" not in str(refused.value) and "example.nl" not in str(refused.value)


def test_refusals_of_header_values_never_repeat_the_value() -> None:
    """A ce_subject, ce_id, ce_source or ce_time that is wrong is named, its value never shown."""
    event = Story().signal(by="police", channel="POLICE")
    for name in ("ce_subject", "ce_id", "ce_source", "ce_time", "ce_specversion"):
        headers = [
            (n, IDENTIFYING.encode() if n == name else v)
            for n, v in build_headers(event, POLICE_URN)
        ]
        with pytest.raises(InvalidCloudEventHeaders, match=name) as refused:
            check_agreement(parse_headers(headers), event, POLICE_URN)
        assert "111222333" not in str(refused.value) and "Placeholder" not in str(refused.value)


def test_times_before_the_year_1000_keep_four_digits() -> None:
    """format_time zero-pads the year, so early dates round-trip through ce_time."""
    event = (
        Story()
        .signal(by="police", channel="POLICE")
        .model_copy(update={"occurred_at": dt.datetime(1, 1, 1, 23, tzinfo=dt.UTC)})
    )
    attributes = parse_headers(build_headers(event, POLICE_URN))
    check_agreement(attributes, event, POLICE_URN)


@pytest.mark.parametrize("name", sorted(EVENT_MODELS))
def test_the_compiled_event_writer_writes_what_fastavro_writes(name: str) -> None:
    """For every event type, with every optional field present and without, and for every
    event of a demo year, the compiled writer's bytes are exactly ``encode_event``'s."""
    full = _clean_event(name)
    bare = full.model_copy(
        update={f: None for f, info in type(full).model_fields.items() if info.default is None}
    )
    for event in (full, bare):
        assert encode_event_compiled(event) == encode_event(event)
    assert _compiled(full.SCHEMA_NAME) is not None, "the nodes express every event schema"


def test_the_compiled_event_writer_matches_on_a_demo_year() -> None:
    """Every event of a demo year is written by the compiled writer as fastavro writes it."""
    compared = 0
    for message in build_year(YEAR, protector=FakeProtector()):
        if message.expect in ("ACCEPT", "DUPLICATE"):
            event = decode_event(message.value)
            assert encode_event_compiled(event) == encode_event(event)
            compared += 1
    assert compared > 400
