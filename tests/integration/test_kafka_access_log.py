"""access.log on a real Kafka broker: created with the hub's topics, every view read sealed onto it, verified."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from connectors.sdk import CaseView, PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from ketenhub.core.access_query import access_entries
from ketenhub.core.sealing import decode_sealed, encode_sealed
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from tests.integration.access_hub import access_hub, ketenhub, shared_case
from tests.integration.hub_harness import HubUnderTest

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def kafka_hub(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubUnderTest]:
    """One hub worker on uuid-named topics, its keys made as `ketenhub init` makes them."""
    with access_hub(kafka_bootstrap, tmp_path_factory.mktemp("access-hub"), "acc") as hub:
        yield hub


def test_the_worker_creates_access_log_and_its_checkpoints_with_one_partition(
    kafka_hub: HubUnderTest,
) -> None:
    """access.log and access.checkpoints exist as soon as the hub serves, each with one partition."""
    with KafkaLogReader(kafka_hub.settings) as reader:
        for topic in (kafka_hub.names.access_log, kafka_hub.names.access_checkpoints):
            assert len(reader.partitions(topic)) == 1, topic


def test_reads_on_kafka_are_sealed_answerable_and_verified(kafka_hub: HubUnderTest) -> None:
    """`view --kafka` and the SDK leave records on access.log that access-log finds and verify checks."""
    case = shared_case(kafka_hub)
    shown = ketenhub(kafka_hub, "view", "police", case)
    assert case in shown.stdout
    with PartnerClient("police", KafkaTransport(kafka_hub.settings), name="police-sync") as police:
        assert case in [v.case_id for v in police.views() if isinstance(v, CaseView)]
    done = ketenhub(kafka_hub, "access-log", "--case", case, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    operations = [(r["partner"], r["system"], r["operation"]) for r in rows]
    assert ("police", "cli", "cli.view") in operations
    assert ("police", "sdk", "sdk.views") in operations
    assert all(r["subjects"].startswith("psn-") for r in rows)
    verified = ketenhub(kafka_hub, "verify", "--trust-on-first-use")
    assert "hash chain intact, each covered by one of" in verified.stdout


def test_a_record_forged_onto_access_log_is_found_and_stops_further_reads(
    kafka_hub: HubUnderTest,
) -> None:
    """An insider appends a copy of a record: verify --kafka names its offset; reads refuse to continue the log."""
    case = shared_case(kafka_hub)
    ketenhub(kafka_hub, "view", "police", case)
    names = kafka_hub.names
    with KafkaLogReader(kafka_hub.settings) as reader:
        stored = list(reader.all_records(names.access_log))
        forged_at = reader.end_offset(names.access_log)
    assert [e.record.case_id for e in access_entries(stored)][-1] == case
    copy = decode_sealed(stored[-1].value or b"", stored[-1].offset)
    producer = KafkaProducer(**kafka_hub.settings.client_config(), acks="all")
    producer.send(names.access_log, value=encode_sealed(copy), partition=0).get(timeout=30)
    producer.close()
    done = ketenhub(kafka_hub, "verify", "--trust-on-first-use", check=False)
    assert done.returncode == 1
    assert f"access.log offset {forged_at}" in done.stderr
    refused = ketenhub(kafka_hub, "view", "police", case, check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "the read was refused" in refused.stderr
