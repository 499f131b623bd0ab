"""access.log on Kafka has one writer: readers on several machines at once, a reader killed mid-read,
a sealer stopped between its records and their checkpoint, and no sealer at all."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from connectors.sdk import PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from ketenhub.codec.single_object import encode_datum
from ketenhub.core import processing
from ketenhub.core.access_log import ReadNotRecorded, read_head, seal_reads
from ketenhub.core.access_query import AccessEntry, access_entries
from ketenhub.core.processing import (
    Actor,
    ActorKind,
    ProcessingRecord,
    ProcessingRecordInvalid,
    ReadOperation,
    encode_processing_record,
    processing_record_schema,
)
from ketenhub.core.sealing import encode_sealed
from ketenhub.runtime.kafka.access_sealer import INTAKE_HEADER
from ketenhub.runtime.kafka.client import KafkaHub
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from tests.integration.access_hub import access_hub, ketenhub, shared_case
from tests.integration.hub_harness import HubUnderTest, wait_for, wait_until_checkpointed

pytestmark = pytest.mark.kafka
READS = 20  # per reader process


@pytest.fixture(scope="module")
def kafka_hub(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubUnderTest]:
    """One hub worker on uuid-named topics, with a case in the police's view."""
    with access_hub(kafka_bootstrap, tmp_path_factory.mktemp("sealing-hub"), "acs") as hub:
        shared_case(hub)
        yield hub


def machine(hub: HubUnderTest, folder: Path) -> str:
    """The hub's settings as a reader on another machine has them: its own copy of the folder."""
    shutil.copytree(hub.data_dir, folder, ignore=shutil.ignore_patterns("worker-*.log", "faust"))
    return hub.settings.model_copy(update={"data_dir": folder}).model_dump_json()


def reader(hub: HubUnderTest, settings: str, name: str, reads: int) -> subprocess.Popen[str]:
    """Start a reader process (``tests.integration.access_reader``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.access_reader", settings, name, str(reads)],
        env=hub.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def entries_of(hub: HubUnderTest, name: str) -> list[AccessEntry]:
    """The processing records access.log holds of the SDK client ``name``."""
    with KafkaLogReader(hub.settings) as log:
        stored = list(log.all_records(hub.names.access_log))
    return [e for e in access_entries(stored) if e.record.actor.actor_id == name]


def assert_verifies(hub: HubUnderTest) -> None:
    wait_until_checkpointed(hub)
    verified = ketenhub(hub, "verify", "--trust-on-first-use", check=False)
    assert verified.returncode == 0, verified.stderr
    assert "access.log" in verified.stdout


def test_readers_on_three_machines_at_once_have_every_read_sealed_exactly_once(
    kafka_hub: HubUnderTest, tmp_path: Path
) -> None:
    """Three processes, each on its own copy of the data folder, read at the same moment: every
    read they were handed is in access.log exactly once (one record per case it read) and
    `ketenhub verify --kafka` passes."""
    names = [f"machine-{number}" for number in range(3)]
    settings = [machine(kafka_hub, tmp_path / name) for name in names]
    readers = [reader(kafka_hub, s, name, READS) for s, name in zip(settings, names, strict=True)]
    for process in readers:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert out.split() == [str(n) for n in range(READS)]
    for name in names:
        entries = entries_of(kafka_hub, name)
        reads = Counter(e.record.read_at for e in entries)
        assert len(reads) == READS, name
        pairs = Counter((e.record.read_at, e.record.case_id) for e in entries)
        assert set(pairs.values()) == {1}, f"{name}: a read sealed twice"
        assert len(set(reads.values())) == 1, f"{name}: a read sealed in part"
    assert_verifies(kafka_hub)


def test_a_reader_killed_mid_read_leaves_a_log_that_verifies_and_goes_on(
    kafka_hub: HubUnderTest, tmp_path: Path
) -> None:
    """A reader killed (SIGKILL) in the middle of its reads: each read it sent is sealed once at
    most, the next reader's read is recorded, and access.log verifies."""
    process = reader(kafka_hub, machine(kafka_hub, tmp_path / "killed"), "killed", 1000)
    assert process.stdout is not None
    handed = [process.stdout.readline() for _ in range(3)]
    assert all(line.strip() for line in handed), process.stderr
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with PartnerClient("police", KafkaTransport(kafka_hub.settings), name="after") as police:
        assert police.snapshot()
    assert entries_of(kafka_hub, "after")
    killed = entries_of(kafka_hub, "killed")
    assert len({e.record.read_at for e in killed}) >= 3
    pairs = Counter((e.record.read_at, e.record.case_id) for e in killed)
    assert set(pairs.values()) == {1}
    assert_verifies(kafka_hub)


def test_bytes_on_access_intake_that_are_no_processing_record_are_passed_over(
    kafka_hub: HubUnderTest,
) -> None:
    """Garbage and a record with a clear name where a pseudonym belongs, sent to access.intake,
    are not sealed and do not stop the sealer: the next read is recorded and all verifies."""
    forged = dataclasses.replace(synthetic_record("poison"), subjects=("Jan Jansen",))
    with pytest.raises(ProcessingRecordInvalid):
        encode_processing_record(forged)  # a reader refuses it before sending; a forger does not
    named = encode_datum(processing_record_schema(), processing._datum(forged))
    truncated = encode_processing_record(synthetic_record("poison"))[:-3]
    producer = KafkaProducer(**kafka_hub.settings.client_config(), acks="all")
    for value in (b"garbage", truncated, named):
        producer.send(kafka_hub.names.access_intake, value=value, partition=0).get(timeout=30)
    producer.close()
    snapshot(kafka_hub, "after-poison")
    assert entries_of(kafka_hub, "after-poison")
    assert not entries_of(kafka_hub, "poison")
    assert_verifies(kafka_hub)


def test_records_a_stopped_sealer_left_unsigned_are_signed_once_by_the_next_one(
    kafka_hub: HubUnderTest,
) -> None:
    """The sealer stopped after storing a record but before its checkpoint: verify fails until
    the next worker checks the record, signs a checkpoint over it and goes on after its intake
    offset (the record is not sealed a second time); then reads are recorded and all verifies."""
    wait_until_checkpointed(kafka_hub)  # audit.log signed: verify then speaks of access.log
    kafka_hub.stop_all()
    names, key = kafka_hub.names, kafka_hub.settings.hub_folder.signing_key()
    record = synthetic_record("stopped-sealer")
    producer = KafkaProducer(**kafka_hub.settings.client_config(), acks="all")
    intake = producer.send(
        names.access_intake, value=encode_processing_record(record), partition=0
    ).get(timeout=30)
    with KafkaLogReader(kafka_hub.settings) as log:
        head = read_head(log, names.access_log, names.access_checkpoints, key)
    batch = seal_reads(head, [record], key, dt.datetime.now(dt.UTC))
    producer.send(
        names.access_log,
        value=encode_sealed(batch.sealed[0]),
        headers=[(INTAKE_HEADER, str(intake.offset).encode())],
        partition=0,
    ).get(timeout=30)
    producer.close()
    unsigned = ketenhub(kafka_hub, "verify", "--trust-on-first-use", check=False)
    assert unsigned.returncode == 1 and "access.log" in unsigned.stderr
    kafka_hub.start_worker()
    with PartnerClient("police", KafkaTransport(kafka_hub.settings), name="next") as police:
        assert police.snapshot()  # recorded once the new worker sealed (and signed) before it
    assert [e.offset for e in entries_of(kafka_hub, "stopped-sealer")] == [head.chain.next_sequence]
    assert entries_of(kafka_hub, "next")
    assert_verifies(kafka_hub)


def test_a_witness_pins_access_log_on_kafka(kafka_hub: HubUnderTest, tmp_path: Path) -> None:
    """verify --kafka --write-witness pins access.log's checkpoint: more reads extend it; the
    access topics deleted and made anew fail verify --witness, naming access.log."""
    snapshot(kafka_hub, "witnessed")
    wait_until_checkpointed(kafka_hub)
    witness = tmp_path / "witness.json"
    written = ketenhub(kafka_hub, "verify", "--trust-on-first-use", "--write-witness", str(witness))
    assert "(access.log at tree size" in written.stdout
    snapshot(kafka_hub, "after-witness")
    extended = ketenhub(kafka_hub, "verify", "--witness", str(witness))
    assert "access.log extends the witnessed checkpoint at tree size" in extended.stdout
    names = kafka_hub.names
    gone = [names.access_log, names.access_checkpoints]
    admin = KafkaAdminClient(**kafka_hub.settings.client_config())
    try:
        admin.delete_topics(gone)
        wait_for(lambda: not set(gone) & set(admin.list_topics()), 60, "the access topics deleted")
    finally:
        admin.close()
    ensure_topics(kafka_hub.settings, hub_topics(kafka_hub.client_registry(), kafka_hub.settings))
    done = ketenhub(kafka_hub, "verify", "--witness", str(witness), check=False)
    assert done.returncode == 1, done.stdout
    assert "TAMPERING DETECTED: access.log" in done.stderr


def snapshot(hub: HubUnderTest, name: str) -> None:
    """One recorded read of the police's views by the SDK client ``name``."""
    with PartnerClient("police", KafkaTransport(hub.settings), name=name) as police:
        assert police.snapshot()


def synthetic_record(actor: str) -> ProcessingRecord:
    """A processing record of one read of a case by the command line."""
    return ProcessingRecord(
        read_at=dt.datetime.now(dt.UTC),
        actor=Actor(ActorKind.SYSTEM, "cli", actor_id=actor),
        operation=ReadOperation.CLI_VIEW,
        purpose="CASE_COORDINATION",
        legal_basis="synthetic-basis",
        case_id="case-synthetic-read",
        subjects=(),
    )


def test_a_read_no_worker_seals_fails_naming_the_missing_worker(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """With the hub's topics but no worker running, a read waits its timeout and is refused."""
    idle = HubUnderTest(kafka_bootstrap, tmp_path, f"acn-{uuid.uuid4().hex[:12]}")
    settings = idle.settings.model_copy(update={"access_record_timeout_s": 1.0})
    ensure_topics(settings, hub_topics(settings.hub_folder.registry(), settings))
    record = synthetic_record("uid:1000")
    with KafkaHub(settings) as hub, pytest.raises(ReadNotRecorded) as refused:
        hub.record_reads([record])
    assert "the read was refused" in str(refused.value)
    assert "no hub worker sealed its 1 processing record(s)" in str(refused.value)
    with KafkaLogReader(settings) as log:
        assert log.end_offset(settings.topic_prefix + "access.log") == 0
