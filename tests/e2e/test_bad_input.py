"""Bad input never stops the embedded pipeline and is never lost: it lands in rejected.<partner>."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub import topics
from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import MARKER, encode_event
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import read_all


@pytest.fixture
def hub(tmp_path: Path) -> EmbeddedHub:
    with EmbeddedHub(tmp_path / "hub", create=True) as opened:
        yield opened  # type: ignore[misc]


def rejected_of(hub: EmbeddedHub, partner: str) -> list[tuple[bytes | None, dict[str, str]]]:
    return [
        (r.value, {name: value.decode() for name, value in r.headers})
        for r in read_all(hub.log, topics.rejected(partner))
    ]


def test_every_kind_of_bad_input_is_kept_with_a_reason_and_good_input_still_flows(
    hub: EmbeddedHub,
) -> None:
    """Garbage, unknown schema, unauthorized, missing reference, out of order and duplicates: none stops the rest."""
    story = Story()
    signal = story.signal("case-1")
    unknown_schema = MARKER + bytes.fromhex("deadbeefdeadbeef") + b"\x02\x04"
    plan_too_early = story.plan("case-1")
    intake_by_police = story.intake("case-1", by="police")
    ack_without_forward = story.ack("case-1", story.forward("case-1", "police"), "police")
    hub.publish(signal)
    hub.publish_raw("police", b"\x00garbage\xff", (("ce_id", b"x"),))
    hub.publish_raw("police", unknown_schema, ())
    hub.publish(intake_by_police)
    hub.publish(ack_without_forward)
    hub.publish(plan_too_early)
    hub.publish(signal)  # the same event again
    conflicting = signal.model_copy(update={"indicators": ["CHANGED"]})
    hub.publish(conflicting)
    later = story.signal("case-2")
    hub.publish(later)

    stats = hub.run()

    assert stats.sealed == 2 and stats.duplicates == 1 and stats.rejected == 6
    police_rejected = rejected_of(hub, "police")
    assert [h["ketenhub_rejection_code"] for _, h in police_rejected] == [
        "UNDECODABLE",
        "UNKNOWN_SCHEMA",
        "NOT_AUTHORIZED",
        "MISSING_REFERENCE",
    ]
    assert police_rejected[0][0] == b"\x00garbage\xff"  # the original bytes, byte for byte
    assert police_rejected[1][0] == unknown_schema
    assert police_rejected[2][0] == encode_event(intake_by_police)
    assert "deadbeefdeadbeef" in police_rejected[1][1]["ketenhub_rejection_reason"]
    assert police_rejected[3][1]["ce_id"] == str(
        ack_without_forward.event_id
    )  # original headers kept
    municipality = rejected_of(hub, "municipality")
    assert [h["ketenhub_rejection_code"] for _, h in municipality] == ["OUT_OF_ORDER"]
    staff = rejected_of(hub, "municipal-staff")
    assert [h["ketenhub_rejection_code"] for _, h in staff] == ["CONFLICTING_DUPLICATE"]
    assert staff[0][1]["ketenhub_source_topic"] == "ingest.municipal-staff"
    assert set(hub.live_views("municipal-staff")) == {"case-1", "case-2"}


def test_a_rerun_after_everything_is_processed_changes_nothing(hub: EmbeddedHub) -> None:
    """Running the pipeline again seals, rejects and writes nothing more."""
    story = Story()
    hub.publish(story.signal())
    hub.publish_raw("police", b"junk", ())
    hub.run()
    again = hub.run()
    assert (again.sealed, again.rejected, again.views_written) == (0, 0, 0)
    assert hub.log.end_offset(topics.AUDIT_LOG) == 1


def test_headers_of_another_partner_are_refused(hub: EmbeddedHub) -> None:
    """An event whose ce_source is another partner's URN is refused as INVALID_HEADERS."""
    event = Story().signal(by="police", channel="POLICE")
    hub.publish_raw(
        "police", encode_event(event), build_headers(event, hub.registry.get("heit").urn)
    )
    stats = hub.run()
    assert [r.code.value for _, r in stats.rejections] == ["INVALID_HEADERS"]
