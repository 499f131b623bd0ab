"""access.log on a real Kafka broker: created with the hub's topics, every view read sealed onto it, verified."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from connectors.sdk import CaseView, PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from ketenhub.core.access_query import access_entries
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.sealing import decode_sealed, encode_sealed
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from tests.e2e.test_connectors_sdk import FreshStory
from tests.integration.hub_harness import HubUnderTest, wait_for

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def kafka_hub(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubUnderTest]:
    """One hub worker on uuid-named topics, its keys made as `ketenhub init` makes them."""
    hub = HubUnderTest(
        kafka_bootstrap, tmp_path_factory.mktemp("access-hub"), f"acc-{uuid.uuid4().hex[:12]}"
    )
    hub.start_worker()
    hub.wait_until_serving()
    yield hub
    hub.stop_all()


def ketenhub(hub: HubUnderTest, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the `ketenhub` command against the hub on Kafka, as an operator would."""
    where = ["--kafka", hub.bootstrap, "--data-dir", str(hub.data_dir)]
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", *args, *where],
        env=hub.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def shared_case(hub: HubUnderTest) -> str:
    """A new case forwarded to the police at intake, once its view reached the police."""
    story, case = FreshStory(), new_opaque_id("acc")
    with hub.client() as client, KafkaLogReader(hub.settings) as reader:
        # two partners' topics: the hub decides in arrival order, so the intake waits until
        # the signal it refers to is sealed
        sealed = reader.end_offset(hub.names.audit_log)
        client.publish(story.signal(case=case))
        client.flush()
        wait_for(
            lambda: reader.end_offset(hub.names.audit_log) > sealed,
            120,
            f"the signal of {case} sealed",
            hub.worker_logs,
        )
        client.publish(story.intake(case, outcome="FORWARD", forward_to="police"))
        client.flush()
    with PartnerClient("police", KafkaTransport(hub.settings), name="police-wait") as police:
        wait_for(
            lambda: case in police.snapshot(), 120, f"the police's view of {case}", hub.worker_logs
        )
    return case


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
