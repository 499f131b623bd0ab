"""The embedded sealer decides inputs in arrival order across partners, whatever their timestamps."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
import pytest
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub import topics
from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.contract.base import Event
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.embedded.damage import DamagedRecord
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog


def publish_at(hub: EmbeddedHub, event: Event, timestamp_us: int) -> None:
    """Append an event to its recorder's ingest topic with a chosen record timestamp."""
    partner = hub.registry.get(event.recorded_by)
    headers = build_headers(event, partner.urn)
    topic = topics.ingest(partner.id)
    hub.log.append(topic, encode_event(event), headers=headers, timestamp_us=timestamp_us)


def test_interleaved_partners_are_sealed_in_the_order_they_arrived(tmp_path: Path) -> None:
    """Arrival order wins over record timestamps: a clock step back reorders nothing."""
    story = Story()
    police = story.signal("case-p", by="police", channel="POLICE")
    staff = story.signal("case-s")
    later = story.signal("case-p2", by="police", channel="POLICE")
    with EmbeddedHub(tmp_path / "hub", create=True) as hub:
        publish_at(hub, police, timestamp_us=3_000)
        publish_at(hub, staff, timestamp_us=1_000)  # arrived second, stamped earliest
        publish_at(hub, later, timestamp_us=2_000)
        hub.run(batch=2)
        sealed = [decode_sealed(r.value or b"", r.offset) for r in hub.records(topics.AUDIT_LOG)]
    assert [r.event_id for r in sealed] == [str(e.event_id) for e in (police, staff, later)]


def test_arrivals_are_read_across_topics_in_insertion_order(tmp_path: Path) -> None:
    """read_arrivals merges several topics by global insertion order, from each start, up to a limit."""
    with SqliteTopicLog(tmp_path / "log.sqlite") as log:
        for n, topic in enumerate(["a", "b", "b", "a", "c", "b"]):
            log.append(topic, f"{topic}{n}".encode())
        read = log.read_arrivals({"a": 0, "b": 1, "c": 0}, limit=3)
        assert [r.value for r in read] == [b"a0", b"b2", b"a3"]
        assert [r.value for r in log.read_arrivals({"a": 0, "b": 0})] == [
            b"a0",
            b"b1",
            b"b2",
            b"a3",
            b"b5",
        ]


def test_an_arrival_read_turns_only_the_rows_it_returns_into_records(tmp_path: Path) -> None:
    """Rows past the limit are not parsed: a damaged one is reported when a read reaches it."""
    with SqliteTopicLog(tmp_path / "log.sqlite") as log:
        for n, topic in enumerate(["a", "b", "a", "b"]):
            log.append(topic, f"{topic}{n}".encode())
    with sqlite3.connect(tmp_path / "log.sqlite") as db:
        db.execute("UPDATE records SET headers = 'not json' WHERE topic = 'b' AND \"offset\" = 1")
    with SqliteTopicLog(tmp_path / "log.sqlite") as log:
        assert [r.value for r in log.read_arrivals({"a": 0, "b": 0}, limit=3)] == [
            b"a0",
            b"b1",
            b"a2",
        ]
        with pytest.raises(DamagedRecord, match="offset 1"):
            log.read_arrivals({"a": 0, "b": 0}, limit=4)
