"""A refused message leaves no clear identifier in rejected.<partner>, whatever rule it broke.

A partner's system may put a BSN, a phone number, an e-mail address or a clear name in a
CloudEvents header, in a header of its own, or in a field of a message the hub refuses for
another reason first (a wrong header, bytes that do not decode). None of it is kept; and no
``ketenhub_*`` header a partner sends steers what retention reads from the record.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub import topics
from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.core.refused_inputs import refused_input
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import LogRecord, read_all

BSN, PHONE, MAIL = "111222333", "0612345678", "synthetic.person@example.org"
CLEAR_NAME = "Testpersoon Mike November"
PARTNER = "municipal-staff"


@pytest.fixture
def hub(tmp_path: Path) -> EmbeddedHub:
    with EmbeddedHub(tmp_path / "hub", create=True) as opened:
        yield opened  # type: ignore[misc]


def refused_one(hub: EmbeddedHub) -> LogRecord:
    """The one record of rejected.<PARTNER> after a run."""
    hub.run()
    (record,) = read_all(hub.log, topics.rejected(PARTNER))
    return record


def kept(record: LogRecord) -> bytes:
    """Every byte the record keeps: its value, header names and header values."""
    parts = [record.value or b""]
    for name, value in record.headers:
        parts += [name.encode(), value]
    return b"\n".join(parts)


def headers_of(record: LogRecord) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


@pytest.mark.parametrize("clear", [BSN, PHONE, MAIL, CLEAR_NAME])
def test_a_clear_identifier_in_ce_subject_is_not_kept(hub: EmbeddedHub, clear: str) -> None:
    """ce_subject holds a clear identifier instead of the case id: refused for its header, and the
    header's value is not kept (the partner still sees code, reason and event id)."""
    event = Story().signal("case-clear-0001")
    urn = hub.registry.get(PARTNER).urn
    headers = [
        (n, clear.encode() if n == "ce_subject" else v) for n, v in build_headers(event, urn)
    ]
    hub.publish_raw(PARTNER, encode_event(event), tuple(headers))
    record = refused_one(hub)
    shown = headers_of(record)
    assert shown["ketenhub_rejection_code"] == "INVALID_HEADERS"
    assert shown["ce_id"] == str(event.event_id)
    assert shown["ketenhub_headers_withheld"] == "6"  # ce_subject, the sixth header sent
    assert clear.encode() not in kept(record)


@pytest.mark.parametrize("clear", [BSN, PHONE, MAIL, CLEAR_NAME])
def test_a_header_of_the_partners_own_is_not_kept(hub: EmbeddedHub, clear: str) -> None:
    """An unknown header (its name or its value a clear identifier) is refused and not kept."""
    story, urn = Story(), hub.registry.get(PARTNER).urn
    for extra in ((("x-melder", clear.encode()),), (((clear, b"1"),))):
        event = story.signal("case-clear-0002")
        hub.publish_raw(PARTNER, encode_event(event), (*build_headers(event, urn), *extra))
    hub.run()
    records = list(read_all(hub.log, topics.rejected(PARTNER)))
    assert len(records) == 2
    for record in records:
        assert headers_of(record)["ketenhub_rejection_code"] == "INVALID_HEADERS"
        assert clear.encode() not in kept(record)


def test_a_clear_identifier_in_a_field_is_not_kept_when_a_header_is_refused_first(
    hub: EmbeddedHub,
) -> None:
    """A BSN where a pseudonym belongs, in a message whose headers are refused before its fields
    are checked: its bytes are withheld like any message refused for a clear identifier, and the
    pseudonyms it named are still listed for retention."""
    person = "psn-" + "ab" * 16
    event = Story().signal("case-clear-0003", persons=[person, BSN])
    headers = build_headers(event, hub.registry.get("heit").urn)  # another partner's source
    hub.publish_raw(PARTNER, encode_event(event), headers)
    record = refused_one(hub)
    shown = headers_of(record)
    assert shown["ketenhub_rejection_code"] == "INVALID_HEADERS"
    assert record.value is None and shown["ketenhub_value_withheld"] == "INVALID_HEADERS"
    assert shown["ketenhub_subjects"] == person
    assert BSN.encode() not in kept(record)


@pytest.mark.parametrize("clear", [BSN, PHONE, MAIL])
def test_bytes_that_do_not_decode_are_not_kept_when_they_hold_a_clear_identifier(
    hub: EmbeddedHub, clear: str
) -> None:
    """Undecodable bytes holding a clear identifier are withheld; other garbage is kept as sent."""
    hub.publish_raw(PARTNER, f"\x00naam;bsn;tel\n{clear}\n".encode(), ())
    record = refused_one(hub)
    assert headers_of(record)["ketenhub_rejection_code"] == "UNDECODABLE"
    assert record.value is None and clear.encode() not in kept(record)


def test_hub_headers_a_partner_sends_do_not_steer_retention(hub: EmbeddedHub) -> None:
    """A partner's own ketenhub_refused_at (years ago) and ketenhub_subjects (another person) are
    dropped: retention counts from the hub's refusal and reaches only what the message named."""
    person, other = "psn-" + "cd" * 16, "psn-" + "ef" * 16
    event = Story().signal("case-clear-0004", persons=[person, BSN])
    forged = (
        ("ketenhub_refused_at", b"2000-01-01T00:00:00+00:00"),
        ("ketenhub_subjects", other.encode()),
        ("ketenhub_value_withheld", b"INVALID_VALUE"),
    )
    urn = hub.registry.get(PARTNER).urn
    hub.publish_raw(PARTNER, encode_event(event), (*build_headers(event, urn), *forged))
    record = refused_one(hub)
    seen = refused_input(record)
    assert seen.subjects == frozenset({person})
    stamps = [v for n, v in record.headers if n == "ketenhub_refused_at"]
    assert len(stamps) == 1 and stamps[0] != forged[0][1]
    assert seen.refused_on != dt.date(2000, 1, 1)
    withheld = [v for n, v in record.headers if n == "ketenhub_value_withheld"]
    assert withheld == [b"INVALID_HEADERS"]  # the hub's own, not the one sent
