"""On Kafka, retention reaches the data subjects of messages the hub refused (rejected.<partner>):
one named only there is erased when `refused_inputs` has run from the refusal and not a day
before; one also named in a sealed case keeps the case's longer period; afterwards the chain and
checkpoints verify and no topic holds the erased key or text. A message refused for a clear
identifier leaves no copy of itself in the rejected topic, yet its subject is reached too."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketenhub import topics
from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import decode_event, encode_event
from ketenhub.contract import models as m
from ketenhub.core.privacy import associated_data
from ketenhub.hub_folder import HubFolder
from ketenhub.json_events import event_from_json
from ketenhub.runtime.kafka.client import KafkaHub
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from streams.retention_timer import run_retention
from tests.integration.hub_harness import (
    HubUnderTest,
    fixed_clock_command,
    wait_for,
    wait_until_checkpointed,
)
from tests.integration.test_kafka_retention import hub_topics
from tests.retention_setup import erasures, line, signal_line

pytestmark = pytest.mark.kafka
CLOCK = dt.datetime(2023, 1, 1, 12, tzinfo=dt.UTC)  # the worker's fake clock: the refusal day
REFUSED_ON = CLOCK.date()
CLOSED_ON = dt.date(2022, 12, 31)  # the sealed case's close: its 365 days outlast the refusal's 90
WAIT_S = 120
ONLY, BOTH = "synthetic-person-kref-only", "synthetic-person-kref-both"  # clear identifiers
RAW, CLEAR_NAME = "synthetic-person-kref-raw", "Testpersoon Mike November"
RAW_TEXT = "Synthetic text kilo: a raw producer's message."
SEALED_TEXT = "Synthetic text golf: sleeps in the garage."
REFUSED_TEXTS = (
    "Synthetic text hotel: sent again by mistake.",
    "Synthetic text india: the same person once more.",
)


def signal(person: str, text: str, at: str) -> str:
    """A signal about ``person`` of case-kref-0001, its text keyed to the person."""
    return signal_line("case-kref-0001", person, text, at)


STEPS = (  # partner, line, how many records audit.log and rejected.municipal-staff then hold
    ("municipal-staff", signal(BOTH, SEALED_TEXT, "2022-12-30T09:00:00+00:00"), (1, 0)),
    (
        "municipality",
        line(
            type="CaseClosed",
            occurred_at=f"{CLOSED_ON}T09:00:00+00:00",
            case_id="case-kref-0001",
            reason="NOT_TRAFFICKING",
        ),
        (2, 0),
    ),
    ("municipal-staff", signal(ONLY, REFUSED_TEXTS[0], "2023-01-01T09:00:00+00:00"), (2, 1)),
    ("municipal-staff", signal(BOTH, REFUSED_TEXTS[1], "2023-01-01T09:01:00+00:00"), (2, 2)),
)


@pytest.fixture
def hub(kafka_bootstrap: str, tmp_path: Path, unique_name: str) -> Iterator[HubUnderTest]:
    """A hub whose one worker seals on the fake clock (CLOCK) and runs no retention itself."""
    hub = HubUnderTest(kafka_bootstrap, tmp_path / "hub", unique_name)
    hub.start_command(fixed_clock_command(hub.settings, CLOCK))
    hub.wait_until_serving()
    yield hub
    hub.stop_all()


def publish(hub: HubUnderTest) -> None:
    """Publish each step as its partner and wait until the hub decided it."""
    client = hub.client()

    def decided() -> tuple[int, int]:
        audit = list(client.records(topics.AUDIT_LOG))
        return len(audit), len(list(client.records(topics.rejected("municipal-staff"))))

    try:
        for number, (partner, text, expected) in enumerate(STEPS, 1):
            parsed = event_from_json(
                text, number, partner, client.protector, registry=client.registry
            )
            client.publish(parsed.event)
            client.flush()
            wait_for(
                lambda want=expected: decided() == want,
                WAIT_S,
                f"(sealed, refused) records {expected}",
                hub.worker_logs,
                every=0.2,
            )
        raw_publish(client)
        wait_for(
            lambda: decided() == (2, 3),
            WAIT_S,
            "the raw producer's message refused",
            hub.worker_logs,
            every=0.2,
        )
    finally:
        client.close()


def raw_publish(client: KafkaHub) -> None:
    """As a partner's own producer that skips the SDK's checks: a signal naming RAW by pseudonym
    (its text under RAW's key) and someone else by clear name."""
    person = client.protector.pseudonym(RAW)
    bound = associated_data(m.SignalReceived.EVENT_TYPE, "free_text")
    text = client.protector.encrypt(person, RAW_TEXT, bound)
    line_of = json.loads(signal(RAW, RAW_TEXT, "2023-01-01T09:02:00+00:00"))
    line_of.update(case_id="case-kref-0002", free_text=None, persons=[])
    parsed = event_from_json(json.dumps(line_of), 1, "municipal-staff", client.protector)
    event = parsed.event.model_copy(update={"persons": [person, CLEAR_NAME], "free_text": text})
    partner = client.registry.get("municipal-staff")
    client.publish_raw(partner.id, encode_event(event), build_headers(event, partner.urn))
    client.flush()


def refused_texts(hub: HubUnderTest) -> list[str]:
    """The free texts of the refused signals on the topic, decrypted with the hub's keys now."""
    client = hub.client()
    try:
        shown = []
        for record in client.records(topics.rejected("municipal-staff")):
            if record.value is None:  # withheld: a field held a clear identifier
                continue
            event = decode_event(record.value)
            assert isinstance(event, m.SignalReceived) and event.free_text is not None
            bound = associated_data(event.EVENT_TYPE, "free_text")
            shown.append(client.protector.decrypt(event.free_text, bound))
        return shown
    finally:
        client.close()


def test_the_retention_run_erases_a_subject_only_in_refused_messages_on_time(
    hub: HubUnderTest,
) -> None:
    """The worker's retention run, on fake clocks: ONLY not on the 89th day after the refusal, on
    the 90th (reason kept); BOTH only once its case's 365 days have run; the chain and checkpoints
    verify and no topic (rejected, ingest, audit.log, views, changelogs) holds ONLY's key or text."""
    publish(hub)
    wait_until_checkpointed(hub, WAIT_S)
    folder = HubFolder(hub.data_dir)
    registry = folder.registry()
    protector = folder.protector()
    only, both, raw = (protector.pseudonym(p) for p in (ONLY, BOTH, RAW))
    protector.close()
    with sqlite3.connect(hub.data_dir / "keys" / "subjects.sqlite") as db:
        keys = [
            bytes(row[0])
            for subject in (only, raw)
            for row in db.execute("SELECT key FROM subject_keys WHERE subject = ?", (subject,))
        ]
    assert len(keys) == 2
    assert refused_texts(hub) == list(REFUSED_TEXTS)
    with hub.client() as client:
        withheld = list(client.records(topics.rejected("municipal-staff")))[-1]
    headers = {name: value.decode() for name, value in withheld.headers}
    assert withheld.value is None and headers["ketenhub_value_withheld"] == "INVALID_VALUE"
    assert headers["ketenhub_subjects"] == raw

    def retention_on(day: dt.date) -> int:
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        return run_retention(hub.settings, registry, lambda: moment)

    assert retention_on(REFUSED_ON + dt.timedelta(days=89)) == 0 and erasures(hub.data_dir) == {}
    expiry = REFUSED_ON + dt.timedelta(days=90)
    assert retention_on(expiry) == 2
    reasons = erasures(hub.data_dir)
    assert sorted(reasons) == sorted([only, raw])
    assert reasons[only].startswith(f"retention: expired {expiry}; refused input ")
    assert reasons[only].endswith(f": refused_inputs, 90 days from {REFUSED_ON}")
    assert refused_texts(hub) == ["[erased]", REFUSED_TEXTS[1]]
    case_expiry = CLOSED_ON + dt.timedelta(days=365)
    assert retention_on(case_expiry - dt.timedelta(days=1)) == 0 and both not in erasures(
        hub.data_dir
    )
    assert retention_on(case_expiry) == 1 and both in erasures(hub.data_dir)

    with hub.client() as client:
        client.verify()
    names = hub_topics(hub)
    assert any(".rejected." in name for name in names)
    with KafkaLogReader(hub.settings) as reader:
        stored = {name: [r.value or b"" for r in reader.all_records(name)] for name in names}
    passing = {hub.names.ingest("municipal-staff"), hub.names.admitted}
    assert hub.names.rejected("municipal-staff") in stored
    for name, values in stored.items():
        for value in values:
            assert not any(key in value for key in keys), name
            texts = (*REFUSED_TEXTS, SEALED_TEXT, RAW_TEXT)
            assert all(text.encode() not in value for text in texts), name
            if name not in passing:  # the inputs as they arrived, deleted after a month or a week
                assert CLEAR_NAME.encode() not in value, name
    assert any(CLEAR_NAME.encode() in v for v in stored[hub.names.ingest("municipal-staff")])
