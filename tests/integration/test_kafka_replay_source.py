"""The Kafka source of replay: sealed records and checkpoints read back from a real broker."""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub.codec.single_object import encode_event
from ketenhub.core.checkpoint_records import encode_checkpoint
from ketenhub.core.checkpoints import generate_hub_key, public_key_to_pem, sign_checkpoint
from ketenhub.core.merkle import MerkleFrontier, leaf_hash
from ketenhub.core.sealing import ChainHead, encode_sealed, seal
from ketenhub.evaluation import evaluate_events
from replay.kafka_source import KafkaSource
from replay.pipeline import evaluate_source
from replay.sources import SourceUnavailable
from replay.verify import VerificationFailed, verify_source

with warnings.catch_warnings():
    # kafka-python 3.0.12 loads its protocol schemas with a deprecated importlib API.
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient

pytestmark = pytest.mark.kafka
EVERY = 4


def history() -> Chronicle:
    """A few cases of 2025 through several phases."""
    s = Chronicle()
    for n in range(5):
        case = f"k{n}"
        s.signal(case, at(2025, 2, 1 + n), "WEBSITE" if n % 2 else "INTERNAL_ROUTE")
        s.intake(case, at(2025, 2, 3 + n))
        if n < 3:
            s.severity(case, at(2025, 2, 10 + n))
    return s


def sealed_values(story: Chronicle) -> tuple[list[bytes], list[bytes], Any]:
    """The events sealed with the core functions: audit values, checkpoint values, the key."""
    key = generate_hub_key()
    head, frontier = ChainHead(), MerkleFrontier()
    records, checkpoints = [], []
    for n, event in enumerate(story.events):
        sealed_at = dt.datetime(2025, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
        record = seal(head, event.recorded_by, event, encode_event(event), sealed_at)
        head = head.after(record)
        frontier.append(leaf_hash(record.hash))
        records.append(encode_sealed(record))
        if frontier.size % EVERY == 0 or n == len(story.events) - 1:
            signed = sign_checkpoint(key, frontier.size, frontier.root(), 1_740_787_200_000_000 + n)
            checkpoints.append(encode_checkpoint(signed))
    return records, checkpoints, key


def create_topics(config: Mapping[str, Any], *names: str) -> None:
    """Create one-partition topics and wait for their leaders."""
    admin = KafkaAdminClient(**config)
    try:
        admin.create_topics(
            {n: {"num_partitions": 1, "replication_factor": 1} for n in names},
            wait_for_metadata=True,
        )
    finally:
        admin.close()


def produce(config: Mapping[str, Any], topic: str, values: list[bytes]) -> None:
    """Send ``values`` in order and wait for every acknowledgement."""
    producer = KafkaProducer(acks="all", **config)
    try:
        for value in values:
            producer.send(topic, value=value).get(timeout=30)
    finally:
        producer.close()


@pytest.fixture
def topics_with(kafka_bootstrap: str, unique_name: str, tmp_path: Path) -> Any:
    """Create uniquely named audit and checkpoint topics filled with given values; return a source."""

    def fill(records: list[bytes], checkpoints: list[bytes], key: Any) -> KafkaSource:
        config = {"bootstrap_servers": kafka_bootstrap}
        audit, marks = f"{unique_name}.audit.log", f"{unique_name}.audit.checkpoints"
        create_topics(config, audit, marks)
        produce(config, audit, records)
        produce(config, marks, checkpoints)
        pem = tmp_path / "hub.pub.pem"
        pem.write_bytes(public_key_to_pem(key.public_key()))
        return KafkaSource(kafka_bootstrap, pem, audit_topic=audit, checkpoint_topic=marks)

    return fill


def test_the_source_reads_every_record_and_checkpoint_in_order(topics_with: Any) -> None:
    """What was produced comes back at offsets 0..n-1, and verifies against its checkpoints."""
    records, checkpoints, key = sealed_values(history())
    source = topics_with(records, checkpoints, key)
    assert list(source.records()) == list(enumerate(records))
    assert [c.tree_size for c in source.checkpoints()] == [4, 8, 12, 13]
    verified = verify_source(source)
    assert (verified.records, verified.checkpoints, verified.unsigned_tail) == (13, 4, 0)


def test_the_evaluation_from_kafka_equals_the_evaluation_of_the_events(topics_with: Any) -> None:
    """evaluate_source over Kafka gives the tables the pure evaluation gives for the same events."""
    story = history()
    source = topics_with(*sealed_values(story))
    run = evaluate_source(source, 2025, 2024)
    assert run.provenance.verified
    assert run.evaluation == evaluate_events(story.events, 2025, 2024)


def test_records_out_of_order_on_kafka_are_refused(topics_with: Any) -> None:
    """Two records swapped on the topic fail verification at the first of them."""
    records, checkpoints, key = sealed_values(history())
    records[5], records[6] = records[6], records[5]
    source = topics_with(records, checkpoints, key)
    with pytest.raises(VerificationFailed, match=r"audit\.log offset 5"):
        verify_source(source)


def test_a_missing_topic_is_one_clear_error(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """Reading a topic that does not exist names it instead of waiting forever."""
    key = generate_hub_key()
    pem = tmp_path / "hub.pub.pem"
    pem.write_bytes(public_key_to_pem(key.public_key()))
    source = KafkaSource(kafka_bootstrap, pem, audit_topic=f"{unique_name}.missing")
    with pytest.raises(SourceUnavailable, match="does not exist"):
        list(source.records())
