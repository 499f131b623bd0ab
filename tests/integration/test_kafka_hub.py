"""The hub on a real Kafka broker: the same core, the same results as the embedded backend."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ketenhub import topics
from ketenhub.core.sealing import decode_sealed
from ketenhub.demo.scenario import ScenarioMessage, build_year
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from tests.integration.hub_harness import HubUnderTest, wait_for, wait_until_checkpointed

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ScenarioMessage]]:
    """The demo year, built once with one key folder that both backends share."""
    keys = tmp_path_factory.mktemp("keys")
    HubFolder(keys).keys.create()  # as `ketenhub init` makes them
    protector = HubFolder(keys).protector()
    try:
        return keys, build_year(2025, protector=protector)
    finally:
        protector.close()


@pytest.fixture(scope="module")
def embedded(
    scenario: tuple[Path, list[ScenarioMessage]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """What the embedded backend makes of the demo year: the reference result."""
    keys, messages = scenario
    folder = tmp_path_factory.mktemp("embedded")
    (folder / "keys").symlink_to(keys / "keys")
    with EmbeddedHub(folder, create=True) as hub:
        for m in messages:
            hub.publish_raw(m.partner, m.value, m.headers)
        hub.run()
        result = outcome_of(hub.registry.partners, hub.live_views, lambda t: list(hub.records(t)))
        return result | {"folder": folder}


def outcome_of(partners: object, live_views: object, records: object) -> dict[str, object]:
    """Views per partner, rejected (bytes, code) per partner, and the sealed event ids in order."""
    views = {p.id: live_views(p.id) for p in partners}  # type: ignore[attr-defined, operator]
    rejected = {
        p.id: sorted(
            (r.value, dict(r.headers)["ketenhub_rejection_code"])
            for r in records(topics.rejected(p.id))
        )  # type: ignore[attr-defined, operator]
        for p in partners  # type: ignore[attr-defined]
    }
    sealed = [decode_sealed(r.value, r.offset).event_id for r in records(topics.AUDIT_LOG)]  # type: ignore[operator]
    return {"views": views, "rejected": rejected, "sealed": sealed}


@pytest.fixture(
    params=[(1, 1), (2, 2), (2, 1)],
    ids=["one-worker", "two-workers", "two-workers-one-view-partition"],
)
def hub(
    request: pytest.FixtureRequest,
    kafka_bootstrap: str,
    unique_name: str,
    scenario: tuple[Path, list[ScenarioMessage]],
    tmp_path: Path,
) -> Iterator[HubUnderTest]:
    """A hub on its own topics, with the shared key folder, run by one worker or two sharing the load.

    With two workers and one view partition the ingest topics are shared, and the worker that
    seals also projects (no by-case stream).
    """
    keys, _ = scenario
    (tmp_path / "keys").symlink_to(keys / "keys")
    workers, view_partitions = request.param
    name = unique_name.replace("_", "-")[-48:]
    under_test = HubUnderTest(
        kafka_bootstrap, tmp_path, name, ingest_partitions=workers, view_partitions=view_partitions
    )
    for _ in range(workers):
        under_test.start_worker()
    yield under_test
    under_test.stop_all()


def by_partner(message: ScenarioMessage) -> object:
    return message.partner


def by_partner_and_case(message: ScenarioMessage) -> object:
    """With several ingest partitions only one case's messages keep their order (they share a key)."""
    subject = dict(message.headers).get("ce_subject")
    return message.partner, subject if subject is not None else id(
        message
    )  # unkeyed: a wave of its own


def publish_in_waves(
    hub: HubUnderTest,
    messages: list[ScenarioMessage],
    wave: Callable[[ScenarioMessage], object] = by_partner,
) -> None:
    """Publish partner by partner as the partners would: each run of one partner's messages, then wait until decided."""
    partners = [p.id for p in hub.client().registry.partners]
    client = hub.client()
    reader = KafkaLogReader(hub.settings)
    published = ignored = 0
    try:
        for _, run in itertools.groupby(messages, key=wave):
            batch = list(run)
            for message in batch:
                client.publish_raw(message.partner, message.value, message.headers)
            client.flush()
            published += len(batch)
            ignored += sum(m.expect == "DUPLICATE" for m in batch)
            expected = published - ignored
            wait_for(
                lambda expected=expected: hub.outputs(reader, partners) >= expected,
                300,  # generous: a rebalance on a loaded 2-core machine can take a while
                f"{expected} decided messages",
                hub.worker_logs,
            )
    finally:
        reader.close()
        client.close()


def kafka_outcome(hub: HubUnderTest) -> dict[str, object]:
    client = hub.client()
    try:
        return outcome_of(
            client.registry.partners, client.live_views, lambda t: list(client.records(t))
        )
    finally:
        client.close()


def test_the_demo_year_on_kafka_gives_the_embedded_result(
    hub: HubUnderTest,
    embedded: dict[str, object],
    scenario: tuple[Path, list[ScenarioMessage]],
    tmp_path: Path,
) -> None:
    """Published partner by partner, the demo year yields the same views, rejections and sealed events.

    With two workers (two partitions per ingest and view topic) the result is the same as with one.
    """
    _, messages = scenario
    hub.wait_until_serving()
    publish_in_waves(
        hub, messages, by_partner if hub.ingest_partitions == 1 else by_partner_and_case
    )
    wait_for(
        lambda: kafka_outcome(hub)["views"] == embedded["views"],
        120,
        "the views to match",
        hub.worker_logs,
    )
    got = kafka_outcome(hub)
    assert got["sealed"] == embedded["sealed"]
    assert got["rejected"] == embedded["rejected"]
    assert got["views"] == embedded["views"]
    wait_until_checkpointed(hub)
    keys, _ = scenario
    verify = subprocess.run(
        [
            sys.executable,
            "-m",
            "ketenhub",
            "verify",
            "--kafka",
            hub.bootstrap,
            "--data-dir",
            str(hub.data_dir),
            "--trusted-key",
            str(keys / "keys" / "hub-signing-key.pub.pem"),
        ],
        env=hub.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert f"{len(embedded['sealed'])} sealed records, hash chain intact" in verify.stdout  # type: ignore[arg-type]
    if hub.ingest_partitions == 1:
        assert_same_evaluation_csvs(hub, embedded["folder"], tmp_path)  # type: ignore[arg-type]


def assert_same_evaluation_csvs(hub: HubUnderTest, embedded_folder: Path, out: Path) -> None:
    """The annual evaluation of the same history read from Kafka and from the embedded log: byte-identical CSVs."""
    from ketenhub.cli.sources import EmbeddedSource
    from replay.kafka_source import KafkaSource
    from replay.pipeline import evaluate_source
    from replay.report import write_report

    public_key = hub.data_dir / "keys" / "hub-signing-key.pub.pem"
    kafka = KafkaSource(
        hub.bootstrap,
        public_key,
        audit_topic=hub.names.audit_log,
        checkpoint_topic=hub.names.checkpoints,
    )
    write_report(evaluate_source(kafka, 2025), out / "from-kafka")
    write_report(evaluate_source(EmbeddedSource(embedded_folder), 2025), out / "from-embedded")
    csvs = sorted(p.name for p in (out / "from-embedded").glob("*.csv"))
    assert csvs, "the evaluation wrote no CSV"
    assert csvs == sorted(p.name for p in (out / "from-kafka").glob("*.csv"))
    for name in csvs:
        assert (out / "from-kafka" / name).read_bytes() == (
            out / "from-embedded" / name
        ).read_bytes(), name
