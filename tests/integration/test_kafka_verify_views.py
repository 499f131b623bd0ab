"""`ketenhub verify --views --kafka` compares the view and rejected topics with audit.log, idle."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition

from ketenhub import topics
from ketenhub.core.input_ref import INPUT_HEADER, input_of
from ketenhub.demo.scenario import ScenarioMessage, build_year
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from tests.integration.hub_harness import HubUnderTest, wait_until_checkpointed
from tests.integration.test_kafka_hub import publish_in_waves

pytestmark = pytest.mark.kafka


@pytest.fixture(params=[1, 2], ids=["sealer-projects", "projectors-by-case"])
def hub(
    request: pytest.FixtureRequest, kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> Iterator[HubUnderTest]:
    """A hub run by one worker; with two view partitions it routes and projects by case."""
    name = unique_name.replace("_", "-")[-48:]
    under_test = HubUnderTest(kafka_bootstrap, tmp_path, name, view_partitions=request.param)
    under_test.start_worker()
    yield under_test
    under_test.stop_all()


def demo_year(hub: HubUnderTest, year: int = 2025) -> list[ScenarioMessage]:
    protector = HubFolder(hub.data_dir).protector()
    try:
        return build_year(year, protector=protector)
    finally:
        protector.close()


def publish_at_once(hub: HubUnderTest, messages: list[ScenarioMessage]) -> None:
    """Publish without waiting for any decision: the worker is busy right after."""
    client = hub.client()
    try:
        for message in messages:
            client.publish_raw(message.partner, message.value, message.headers)
        client.flush()
    finally:
        client.close()


def current(hub: HubUnderTest) -> tuple[dict[str, dict[str, bytes]], list, dict[str, list]]:  # type: ignore[type-arg]
    """The live views per partner, audit.log's records and the rejected records per partner."""
    client = hub.client()
    try:
        partners = client.registry.partners
        return (
            {p.id: client.live_views(p.id) for p in partners},
            list(client.records(topics.AUDIT_LOG)),
            {p.id: list(client.records(topics.rejected(p.id))) for p in partners},
        )
    finally:
        client.close()


def verify_command(hub: HubUnderTest, *extra: str) -> list[str]:
    pin = hub.data_dir / "keys" / "hub-signing-key.pub.pem"
    command = ["verify", "--views", "--kafka", hub.bootstrap, "--data-dir", str(hub.data_dir)]
    return [sys.executable, "-m", "ketenhub", *command, "--trusted-key", str(pin), *extra]


def verify_views(hub: HubUnderTest, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        verify_command(hub, *extra),
        env=hub.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def verify_views_waiting(hub: HubUnderTest, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """verify --views in the background, once it has checked the chain and waits for an idle
    hub; returns the process and what it printed so far."""
    process = subprocess.Popen(
        verify_command(hub, *extra),
        env=hub.env() | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    printed = ""
    while "waiting until the hub is idle" not in printed:
        line = process.stdout.readline()
        if not line:  # it ended before waiting
            _, err = process.communicate(timeout=60)
            raise AssertionError(printed + err)
        printed += line
    return process, printed


def produce(hub: HubUnderTest, topic: str, key: bytes | None, value: bytes, headers: list) -> None:  # type: ignore[type-arg]
    producer = KafkaProducer(bootstrap_servers=hub.bootstrap, acks="all")
    try:
        producer.send(topic, key=key, value=value, headers=headers).get(timeout=60)
    finally:
        producer.close()


def delete_records(hub: HubUnderTest, topic: str, before: int) -> None:
    """Delete partition 0 of ``topic`` up to offset ``before`` (Kafka deletes only a prefix)."""
    admin = KafkaAdminClient(bootstrap_servers=hub.bootstrap)
    try:
        admin.delete_records({TopicPartition(topic, 0): before})
    finally:
        admin.close()


def test_views_and_rejections_compare_when_idle_and_every_forgery_is_named(
    hub: HubUnderTest,
) -> None:
    """The demo year, worker idle: exit 0 naming the views compared. The next year published
    while no worker runs: nothing compared, exit 2 (never 1); verified again while a worker
    decides it: compared once idle, exit 0. A partner's ingest expired: its rejections are
    counted apart, exit 0. Then a view forged for police, an altered view, a forged rejection
    and a deleted rejection: each named, exit 1."""
    hub.wait_until_serving()
    publish_in_waves(hub, demo_year(hub))
    wait_until_checkpointed(hub)
    views, sealed, rejected = current(hub)

    clean = verify_views(hub)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    count = sum(len(v) for v in views.values())
    assert f"idle with {len(sealed)} sealed record(s), all projected" in clean.stdout
    assert f"{count} partner view(s) equal their rebuild from audit.log" in clean.stdout
    assert f"rejections: {sum(map(len, rejected.values()))} record(s)" in clean.stdout
    clean_sealed = sealed

    hub.stop_all()  # a backlog no worker decides: nothing is compared, exit 2, never 1
    publish_at_once(hub, demo_year(hub, 2026))
    busy = verify_views(hub, "--idle-timeout", "3")
    assert busy.returncode == 2, busy.stdout + busy.stderr
    assert "UNVERIFIABLE: views not compared: the hub was not idle within 3 s" in busy.stderr
    assert f"record(s) of {hub.names.ingest('municipality')}" in busy.stderr
    assert "DERIVED DATA DIFFERS" not in busy.stderr

    waiting, printed = verify_views_waiting(hub, "--idle-timeout", "300")
    hub.start_worker()  # only now is the backlog decided and projected
    rest, err = waiting.communicate(timeout=600)
    out = printed + rest
    views, sealed, rejected = current(hub)
    assert waiting.returncode == 0, out + err
    assert f"idle with {len(sealed)} sealed record(s), all projected" in out
    assert len(sealed) > len(clean_sealed)

    names = hub.names
    sealed_input = input_of(sealed[-1].headers)
    assert sealed_input is not None
    owner = names.partner_of_ingest(sealed_input.topic)
    expiring = next(p for p, records in rejected.items() if records and p != owner)
    with KafkaLogReader(hub.settings) as reader:
        ingest_end = reader.end_offsets(names.ingest(expiring))[0]
    delete_records(hub, names.ingest(expiring), ingest_end)  # as a month's retention would
    expired = verify_views(hub)
    assert expired.returncode == 0, expired.stdout + expired.stderr
    assert (
        f"; {len(rejected[expiring])} name(s) an input the ingest topic no longer keeps"
    ) in expired.stdout

    hidden = sorted(set(views["municipality"]) - set(views["police"]))[0]
    produce(hub, names.view("police"), hidden.encode(), next(iter(views["police"].values())), [])
    altered = sorted(views["municipality"])[0]
    produce(
        hub,
        names.view("municipality"),
        altered.encode(),
        views["municipality"][altered] + b"\x00",
        [],
    )
    produce(hub, names.rejected(owner), None, b"forged", [(INPUT_HEADER, sealed_input.encode())])
    victim = next(p for p, records in rejected.items() if records and p != owner)
    delete_records(hub, names.rejected(victim), 1)

    forged = verify_views(hub)
    assert forged.returncode == 1, forged.stdout + forged.stderr
    assert (
        f"{names.view('police')} case {hidden}: the view exists but audit.log gives this partner "
        "no reason to see the case"
    ) in forged.stderr
    assert (
        f"{names.view('municipality')} case {altered}: the stored view differs from the view "
        "rebuilt from audit.log"
    ) in forged.stderr
    assert (
        f"(input {sealed_input}): the input was sealed into audit.log, yet it is listed as rejected"
    ) in forged.stderr
    assert (
        f"{names.rejected(victim)} partition 0: records at offsets 0 to 0 were deleted"
        in forged.stderr
    )
    assert "4 view(s) or rejection(s) differ from audit.log" in forged.stderr
