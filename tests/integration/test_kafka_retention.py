"""On Kafka the sealing worker runs retention on its schedule: what expired is shredded, the rest
stays readable, and no topic — changelogs and view topics included — holds an erased text or key."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketenhub.hub_folder import HubFolder
from ketenhub.json_events import event_from_json
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from tests.integration.hub_harness import (
    HubUnderTest,
    fixed_clock_command,
    wait_for,
    wait_until_checkpointed,
)
from tests.retention_setup import line, signal_line

pytestmark = pytest.mark.kafka
CLOCK = dt.datetime(
    2023, 1, 1, 12, tzinfo=dt.UTC
)  # the worker's fake clock: 2021's closed case expired
WAIT_S = 120
ERASED_TEXTS = (
    "Synthetic text alpha: a worker sleeps in a shed.",
    "Synthetic text charlie: closed.",
)
KEPT_TEXT = "Synthetic text bravo: long nights in a kitchen."


def signal(case: str, person: str, text: str) -> str:
    return signal_line(case, person, text, "2021-02-01T09:00:00+01:00")


STAFF = [
    signal("case-kret-0001", "synthetic-person-a", ERASED_TEXTS[0]),
    signal("case-kret-0002", "synthetic-person-b", KEPT_TEXT),
]
COORDINATOR = [
    line(
        type="IntakeAssessed",
        occurred_at="2021-02-02T09:00:00+01:00",
        case_id="case-kret-0001",
        is_undermining_crime=False,
        is_municipal_task=True,
        is_within_municipality=True,
        outcome="CLOSE",
        rationale=ERASED_TEXTS[1],
    ),
    line(
        type="CaseClosed",
        occurred_at="2021-02-03T09:00:00+01:00",
        case_id="case-kret-0001",
        reason="NOT_TRAFFICKING",
    ),
]


@pytest.fixture(params=["fixed-clock worker", "ketenhub serve"])
def hub(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path: Path, unique_name: str
) -> Iterator[HubUnderTest]:
    """A hub whose one worker runs retention every second: the app on a fake clock (CLOCK), or
    `ketenhub serve --retention-every 1` as an operator starts it (today's clock: 2021's closed
    case has expired by then too)."""
    hub = HubUnderTest(kafka_bootstrap, tmp_path / "hub", unique_name)
    if request.param == "ketenhub serve":
        command = [
            *(sys.executable, "-m", "ketenhub", "serve", "--kafka", kafka_bootstrap),
            *("--data-dir", str(hub.data_dir), "--retention-every", "1"),
        ]
    else:
        settings = hub.settings.model_copy(update={"retention_every_s": 1.0})
        command = fixed_clock_command(settings, CLOCK)
    hub.start_command(command)
    hub.wait_until_serving()
    yield hub
    hub.stop_all()


def publish(hub: HubUnderTest) -> list[str]:
    """Publish the lines as their partners; return the data subjects of the erased texts."""
    client = hub.client()
    try:
        protector = client.protector
        sealed = 0
        for partner, lines in (("municipal-staff", STAFF), ("municipality", COORDINATOR)):
            for number, text in enumerate(lines, 1):
                parsed = event_from_json(text, number, partner, protector, registry=client.registry)
                client.publish(parsed.event)
            client.flush()
            sealed += len(lines)  # the coordinator's refer to the signals: those sealed first
            wait_for(
                lambda: len(list(client.records("audit.log"))) == sealed,  # noqa: B023
                WAIT_S,
                f"{sealed} sealed records",
                hub.worker_logs,
                every=0.2,
            )
        return [protector.pseudonym("synthetic-person-a"), protector.case_subject("case-kret-0001")]
    finally:
        client.close()


def test_the_worker_erases_what_expired_and_no_topic_keeps_it(hub: HubUnderTest) -> None:
    """Both subjects of the closed case are erased with their reason; the open case's stays; no
    record of any of the hub's topics (ingest, audit.log, views, changelogs) holds an erased
    text or key."""
    erased = publish(hub)
    keys = {}
    with sqlite3.connect(hub.data_dir / "keys" / "subjects.sqlite") as db:
        for subject in erased:
            (row,) = db.execute("SELECT key FROM subject_keys WHERE subject = ?", (subject,))
            keys[subject] = bytes(row[0])
    wait_until_checkpointed(hub, WAIT_S)
    folder = HubFolder(hub.data_dir)

    def shredded() -> bool:
        protector = folder.protector()
        try:
            return all(protector.erasure(s) is not None for s in erased)
        finally:
            protector.close()

    wait_for(shredded, WAIT_S, "the retention timer's erasures", hub.worker_logs, every=0.5)
    protector = folder.protector()
    try:
        for subject in erased:
            found = protector.erasure(subject)
            assert found is not None and (found.reason or "").startswith(
                "retention: expired 2022-02-03"
            )
        kept = protector.pseudonym("synthetic-person-b")
        assert protector.erasure(kept) is None and protector.has_key(kept)
    finally:
        protector.close()

    names = hub_topics(hub)
    with KafkaLogReader(hub.settings) as reader:
        stored = [r.value or b"" for name in names for r in reader.all_records(name)]
    assert any(name.endswith("-changelog") for name in names)
    assert any(".view." in name for name in names)
    assert len(stored) > 4
    for value in stored:
        for text in ERASED_TEXTS:
            assert text.encode() not in value
        for key in keys.values():
            assert key not in value
    logs = hub.worker_logs()
    assert not any(text in logs for text in ERASED_TEXTS)


def hub_topics(hub: HubUnderTest) -> list[str]:
    """Every topic of this hub on the broker: its prefixed topics and its app's changelogs."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(**hub.settings.client_config())
    try:
        topics = sorted(consumer.topics())
    finally:
        consumer.close()
    return [t for t in topics if t.startswith((hub.settings.topic_prefix, hub.settings.app_id))]
