"""Arrivals on Kafka: read by the sealer from the ingest topics, or forwarded with two headers that the
sealer reads exactly, judging the rest."""

from __future__ import annotations

import pytest
from synthetic import NOW, Story

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.config import load_registry
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.input_ref import InputRef
from ketenhub.core.rejection import RejectionCode
from ketenhub.pipeline.effects import AppendRejected, AppendSealed
from ketenhub.pipeline.sealing_step import SealingStep
from ketenhub.runtime.kafka.arrivals import (
    EARLIER_VERDICT_HEADER,
    PARTNER_HEADER,
    WHERE_HEADER,
    NotForwarded,
    arrival,
    forwarding_headers,
    ingested,
    read_forwarded,
)
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import hub_topics
from ketenhub.topics import TopicNames

REGISTRY = load_registry()
NAMES = TopicNames("run-1.")
WHERE = InputRef("run-1.ingest.municipal-staff", 0, 41)


def staff_signal() -> tuple[bytes, list[tuple[str, bytes]]]:
    """A signal of municipal staff: its bytes and CloudEvents headers."""
    event = Story().signal("case-arrival-1")
    return encode_event(event), list(build_headers(event, REGISTRY.get("municipal-staff").urn))


def test_a_forwarded_message_reads_back_as_its_partner_origin_and_own_headers() -> None:
    """The arrival names the partner of its ingest topic and where it was read; the headers come back unchanged."""
    value, headers = staff_signal()
    record = arrival(NAMES, WHERE, value, headers)
    assert record.topic == NAMES.admitted and record.value == value and record.key is None
    forwarded = read_forwarded(record.headers)
    assert forwarded.partner == "municipal-staff"
    assert forwarded.where == WHERE
    assert list(forwarded.headers) == headers


def test_a_message_read_from_an_ingest_topic_is_the_partners_input_with_its_headers_unchanged() -> (
    None
):
    """Read by the sealer itself, a message's partner is its ingest topic's and its identity where it was read."""
    value, headers = staff_signal()
    item = ingested(NAMES, WHERE, value, tuple(headers))
    assert (item.partner, item.ref, item.value) == ("municipal-staff", WHERE, value)
    assert list(item.headers) == headers
    step = SealingStep(REGISTRY, generate_hub_key(), checkpoint_every=100, clock=lambda: NOW)
    assert isinstance(step.decide([item])[0], AppendSealed)


@pytest.mark.parametrize(("partitions", "forwarded"), [(1, False), (2, True)])
def test_hub_admitted_exists_only_when_ingest_topics_are_spread(
    partitions: int, forwarded: bool
) -> None:
    """With one partition per ingest topic the sealer reads them itself; with more, hub.admitted is made."""
    settings = KafkaSettings(
        kafka_bootstrap="localhost:9092", topic_prefix="run-1.", ingest_partitions=partitions
    )
    names = {spec.name for spec in hub_topics(REGISTRY, settings)}
    assert (NAMES.admitted in names) is forwarded
    assert NAMES.ingest("police") in names


def test_a_partners_own_hub_header_is_kept_and_refused_by_the_sealer() -> None:
    """A partner cannot pass for another by sending ketenhub_partner itself: the sealer refuses the header."""
    value, headers = staff_signal()
    forged = [*headers, (PARTNER_HEADER, b"police"), (WHERE_HEADER, b"ingest.police/0/1")]
    forwarded = read_forwarded(forwarding_headers(forged, "municipal-staff", WHERE))
    assert forwarded.partner == "municipal-staff" and forwarded.where == WHERE
    assert list(forwarded.headers) == forged
    step = SealingStep(REGISTRY, generate_hub_key(), checkpoint_every=100, clock=lambda: NOW)
    effects = step.decide([forwarded.input(value)])
    refused = [e for e in effects if isinstance(e, AppendRejected)]
    assert [r.rejection.code for r in refused] == [RejectionCode.INVALID_HEADERS]
    assert not [e for e in effects if isinstance(e, AppendSealed)]


def test_a_verdict_an_earlier_validator_added_is_set_aside_and_the_sealer_judges() -> None:
    """hub.admitted may still hold messages with a validator's verdict: the sealer judges them itself."""
    value, headers = staff_signal()
    earlier = [
        *forwarding_headers(headers, "municipal-staff", WHERE),
        (EARLIER_VERDICT_HEADER, b"NOT_AUTHORIZED stale verdict"),
    ]
    forwarded = read_forwarded(earlier)
    assert list(forwarded.headers) == headers
    step = SealingStep(REGISTRY, generate_hub_key(), checkpoint_every=100, clock=lambda: NOW)
    assert isinstance(step.decide([forwarded.input(value)])[0], AppendSealed)


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("ce_id", b"x")],
        [(WHERE_HEADER, WHERE.encode()), (PARTNER_HEADER, b"municipal-staff")],  # wrong order
        [(PARTNER_HEADER, b"municipal-staff"), (WHERE_HEADER, b"not an input")],
    ],
    ids=["none", "partner's only", "swapped", "bad origin"],
)
def test_a_message_the_forwarder_did_not_write_is_named_as_such(
    headers: list[tuple[str, bytes]],
) -> None:
    """Without the two headers the forwarder appends last, a message on hub.admitted is not decided."""
    with pytest.raises(NotForwarded, match=r"only the hub.s workers may write to hub\.admitted"):
        read_forwarded(headers)
