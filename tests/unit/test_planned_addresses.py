"""A control day's planned addresses and a visit's note: pseudonyms to link, encrypted texts, a key per day."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from synthetic import PurePipeline, Story, pseudonym

from ketenhub.codec.single_object import encode_event
from ketenhub.config import load_registry
from ketenhub.contract import models as m
from ketenhub.core.admission import Admitted
from ketenhub.core.control_day_subject import PLANNED_ADDRESS_FIELD, control_day_identifier
from ketenhub.core.privacy import associated_data
from ketenhub.core.rejection import Rejection, RejectionCode
from ketenhub.core.retention import RetentionLedger, RetentionPeriods, retention_basis
from ketenhub.json_events import InvalidEventLine, event_from_json
from ketenhub.protection.keystore import SqliteKeyStore, UnknownSubject
from ketenhub.protection.protector import ERASED, KeyStoreProtector

ADDRESS = "Voorbeeldstraat 12, Voorburg"  # synthetic
OTHER_ADDRESS = "Proefweg 3a, Leidschendam"  # synthetic
BOUND = associated_data("ControlDayPlanned", PLANNED_ADDRESS_FIELD)


@pytest.fixture
def protector(tmp_path: Path) -> Iterator[KeyStoreProtector]:
    keys = KeyStoreProtector(bytes(range(32)), SqliteKeyStore(tmp_path / "subjects.sqlite"))
    yield keys
    keys.close()


def planned_line(*addresses: object, day_id: str = "dag-1") -> str:
    return json.dumps(
        {
            "type": "ControlDayPlanned",
            "occurred_at": "2025-11-03T08:00:00+01:00",
            "control_day_id": day_id,
            "day": "2025-11-03",
            "kind": "INTEGRAL",
            "participants": ["heit", "police"],
            "planned_addresses": list(addresses),
        }
    )


def plan(protector: KeyStoreProtector, *addresses: object) -> m.ControlDayPlanned:
    event = event_from_json(
        planned_line(*addresses), 1, "municipality", protector, registry=load_registry()
    ).event
    assert isinstance(event, m.ControlDayPlanned)
    return event


def test_a_planned_address_becomes_its_pseudonym_and_a_display_form_under_the_days_key(
    protector: KeyStoreProtector,
) -> None:
    """The pseudonym is the one a visit to the address carries; only the day's key opens the display form."""
    event = plan(
        protector,
        {"address": ADDRESS, "area_code": "2271"},
        {"address": OTHER_ADDRESS, "area_code": "2264"},
    )
    first, second = event.planned_addresses
    assert first.address == protector.pseudonym(ADDRESS) and first.address.startswith("psn-")
    assert first.area_code == "2271" and second.area_code == "2264"
    day_subject = protector.pseudonym(control_day_identifier("dag-1"))
    assert {first.display.subject, second.display.subject} == {day_subject}
    assert protector.decrypt(first.display, BOUND) == ADDRESS
    assert protector.decrypt(second.display, BOUND) == OTHER_ADDRESS
    assert b"Voorbeeldstraat" not in encode_event(event) and b"Proefweg" not in encode_event(event)


def test_erasing_the_days_key_leaves_the_pseudonyms_and_shreds_the_addresses(
    protector: KeyStoreProtector,
) -> None:
    """Crypto-shredding the day: the display forms read as erased, the link to visits stays."""
    event = plan(protector, {"address": ADDRESS, "area_code": "2271"})
    assert protector.erase(protector.pseudonym(control_day_identifier("dag-1")))
    (planned,) = event.planned_addresses
    assert protector.decrypt(planned.display, BOUND) == ERASED
    assert planned.address == protector.pseudonym(ADDRESS)


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ({"address": pseudonym("adres"), "area_code": "2271"}, "must be the address in clear"),
        ({"address": "   ", "area_code": "2271"}, "must be the address in clear"),
        ({"address": ADDRESS}, "must be {"),
        ({"address": ADDRESS, "area_code": "2271", "extra": "x"}, "must be {"),
        ("Voorbeeldstraat 12", "must be {"),
        ({"address": "Laan 1, BSN 111222333", "area_code": "2271"}, "holds a"),
        ({"address": "Laan 1, bel 0612345678", "area_code": "2271"}, "holds a"),
        ({"address": ADDRESS, "area_code": "Voorburg"}, "area_code"),
    ],
)
def test_a_planned_address_the_hub_cannot_take_is_refused_without_its_value(
    protector: KeyStoreProtector, item: object, says: str
) -> None:
    """A pseudonym, a malformed entry, a BSN or phone number, a bad area: refused, never repeating the value."""
    with pytest.raises(InvalidEventLine) as refused:
        plan(protector, item)
    assert says in refused.value.detail
    for secret in ("111222333", "0612345678", "Voorbeeldstraat", "Laan 1"):
        assert secret not in str(refused.value)


def test_planned_addresses_need_the_day_whose_key_encrypts_them(
    protector: KeyStoreProtector,
) -> None:
    """Without a control day id there is no key to encrypt under: refused."""
    line = json.loads(planned_line({"address": ADDRESS, "area_code": "2271"}))
    del line["control_day_id"]
    with pytest.raises(InvalidEventLine, match="control_day_id"):
        event_from_json(json.dumps(line), 1, "municipality", protector)


def visit_line(note: str | None, address: str) -> str:
    return json.dumps(
        {
            "type": "ControlVisitLogged",
            "occurred_at": "2025-11-03T09:00:00+01:00",
            "control_day_id": "dag-1",
            "visit_id": "bezoek-1",
            "address": address,
            "area_code": "2271",
            "finding_codes": ["OVERCROWDING"],
            "people_encountered": 4,
            "signals_raised": [],
            "note": note,
        }
    )


def test_a_visits_note_is_encrypted_under_the_visited_address(
    protector: KeyStoreProtector,
) -> None:
    """The note of a visit to a planned address: encrypted under that address's key, readable by the hub."""
    address = protector.pseudonym(ADDRESS)
    event = event_from_json(visit_line("Matrassen op zolder.", address), 1, "heit", protector).event
    assert isinstance(event, m.ControlVisitLogged) and event.note is not None
    assert event.address == address and event.note.subject == address
    assert b"Matrassen" not in encode_event(event)
    assert protector.decrypt(event.note, associated_data("ControlVisitLogged", "note")) == (
        "Matrassen op zolder."
    )
    without = event_from_json(visit_line(None, address), 1, "heit", protector).event
    assert isinstance(without, m.ControlVisitLogged) and without.note is None


def test_a_note_with_a_phone_number_is_refused(protector: KeyStoreProtector) -> None:
    """Personal data in clear in a note is refused before anything is encrypted or stored."""
    with pytest.raises(InvalidEventLine, match="note holds a") as refused:
        event_from_json(visit_line("Bel 0612345678", ADDRESS), 1, "heit", protector)
    assert "0612345678" not in str(refused.value)


def rejected(outcome: object, code: RejectionCode) -> Rejection:
    assert isinstance(outcome, Rejection), f"expected a rejection {code}, got {outcome!r}"
    assert outcome.code is code, outcome.reason
    return outcome


def planned_event(story: Story, *addresses: m.PlannedAddress) -> m.ControlDayPlanned:
    event: m.ControlDayPlanned = story.make(
        m.ControlDayPlanned,
        "municipality",
        control_day_id="cd1",
        day=dt.date(2025, 2, 1),
        kind="INTEGRAL",
        participants=["heit", "police"],
        planned_addresses=list(addresses),
    )
    return event


def stop(label: str, subject: str = "day") -> m.PlannedAddress:
    display = m.EncryptedField(subject=pseudonym(subject), nonce=b"\0" * 12, ciphertext=b"\1" * 32)
    return m.PlannedAddress(address=pseudonym(label), display=display, area_code="2271")


def test_the_hub_seals_a_day_with_addresses_and_a_visit_to_one_of_them() -> None:
    """A day with two addresses is sealed; a visit carrying one's pseudonym is admitted."""
    hub, story = PurePipeline(), Story()
    assert isinstance(hub.submit(planned_event(story, stop("a"), stop("b"))), Admitted)
    visit = story.make(
        m.ControlVisitLogged,
        "heit",
        control_day_id="cd1",
        visit_id="v1",
        address=pseudonym("a"),
        area_code="2271",
        finding_codes=[],
        people_encountered=0,
        signals_raised=[],
    )
    assert isinstance(hub.submit(visit), Admitted)


def test_the_same_address_twice_or_two_keys_for_one_day_are_refused() -> None:
    """Each address is planned once, and every display form of a day is under one subject."""
    hub, story = PurePipeline(), Story()
    twice = rejected(
        hub.submit(planned_event(story, stop("a"), stop("a"))), RejectionCode.INVALID_VALUE
    )
    assert "twice" in twice.reason
    mixed = rejected(
        hub.submit(planned_event(story, stop("a"), stop("b", subject="other"))),
        RejectionCode.INVALID_VALUE,
    )
    assert "more than one subject" in mixed.reason


def test_a_planned_address_that_is_no_pseudonym_is_refused_by_the_hub() -> None:
    """An address in clear sent as Avro (bypassing the JSON intake) is refused by the field rules."""
    hub, story = PurePipeline(), Story()
    clear = stop("a").model_copy(update={"address": "Voorbeeldstraat 12"})
    refusal = rejected(hub.submit(planned_event(story, clear)), RejectionCode.INVALID_VALUE)
    assert "planned_addresses[0].address is not a pseudonym" in refusal.reason
    assert "Voorbeeldstraat" not in refusal.reason


def test_a_planned_address_and_the_days_key_expire_with_the_days_findings() -> None:
    """Planning an address does not keep it for ever: it and the day's key expire with the day's findings."""
    story = Story()
    planned = planned_event(story, stop("a"), stop("b"))
    visit = story.make(
        m.ControlVisitLogged,
        "heit",
        control_day_id="cd1",
        visit_id="v1",
        address=pseudonym("a"),
        area_code="2271",
        finding_codes=[],
        people_encountered=0,
        signals_raised=[],
    )
    closed = story.make(m.ControlDayClosed, "heit", control_day_id="cd1")
    ledger = RetentionLedger(RetentionPeriods()).fold_all([planned, visit, closed])
    end = closed.occurred_at.date() + dt.timedelta(days=730)
    for subject in (pseudonym("a"), pseudonym("b"), pseudonym("day")):
        assert ledger.subject_expiry(subject).expiry.on == end, subject
    assert retention_basis(m.ControlDayPlanned) == "control_day_findings"


def test_planned_addresses_on_another_event_type_are_refused_and_nothing_is_encrypted(
    tmp_path: Path,
) -> None:
    """A visit carrying planned_addresses is refused by its model before any key is made."""
    keys = SqliteKeyStore(tmp_path / "subjects.sqlite")
    protector = KeyStoreProtector(bytes(range(32)), keys)
    line = json.loads(visit_line(None, pseudonym("adres")))
    line["planned_addresses"] = [{"address": ADDRESS, "area_code": "2271"}]
    try:
        with pytest.raises(InvalidEventLine, match="planned_addresses") as refused:
            event_from_json(json.dumps(line), 1, "heit", protector)
        assert "Voorbeeldstraat" not in str(refused.value)
        day_subject = protector.pseudonym(control_day_identifier("dag-1"))
        with pytest.raises(UnknownSubject):
            keys.get(day_subject)
    finally:
        protector.close()
