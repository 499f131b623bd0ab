"""POST /api/v1/events and GET /api/v1/decisions: published once, decided by the hub, on both backends."""

from __future__ import annotations

import uuid

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.hub_folder import HubFolder
from tests.unit.synthetic import Story
from tests.web.conftest import WebHub, ingested, signal_fields, wait_for_decision, wait_until

PROBLEM = "application/problem+json"


def test_a_json_event_is_published_sealed_and_seen(web_hub: WebHub) -> None:
    """202 with the event id and where to follow it; the decision becomes sealed and the case shows."""
    with web_hub.client("municipal-staff") as staff:
        response = staff.post("/api/v1/events", json=signal_fields("case-web-0001"))
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["event_type"] == "SignalReceived" and accepted["duplicate"] is False
        assert response.headers["Location"] == accepted["decision"]
        assert accepted["decision"] == f"/api/v1/decisions/{accepted['event_id']}"
        decision = wait_for_decision(staff, accepted["event_id"])
        assert decision["status"] == "sealed" and decision["case_id"] == "case-web-0001"
        assert isinstance(decision["sequence"], int)
    with web_hub.client("municipality") as coordinator:
        # the view follows the seal: on Kafka another agent projects it a moment later
        wait_until(
            lambda: coordinator.get("/api/v1/cases/case-web-0001").status_code == 200,
            "the case in the coordinator's view",
        )
        case = coordinator.get("/api/v1/cases/case-web-0001")
        view = case.json()["view"]
        assert view["signal"]["persons"][0].startswith("psn-")  # pseudonymised on the way in
        assert "storage room" not in case.text  # free text encrypted before it was stored


def test_the_same_event_twice_is_published_once(web_hub: WebHub) -> None:
    """The same id and content again: 202 marked duplicate, and no second message on the topic."""
    event = signal_fields("case-web-0002", event_id=str(uuid.uuid4()))
    with web_hub.client("municipal-staff") as staff:
        first = staff.post("/api/v1/events", json=event)
        second = staff.post("/api/v1/events", json=event)
        assert (first.status_code, second.status_code) == (202, 202)
        assert second.json()["duplicate"] is True
        assert first.json()["event_id"] == second.json()["event_id"] == event["event_id"]
        assert wait_for_decision(staff, event["event_id"])["status"] == "sealed"
        third = staff.post("/api/v1/events", json=event)
        assert third.json()["duplicate"] is True
    assert ingested(web_hub, "municipal-staff") == 1


def test_without_an_id_the_same_line_gets_the_same_keyed_id(web_hub: WebHub) -> None:
    """A JSON event without event_id gets the keyed id `publish` gives it: posting it again is a duplicate."""
    with web_hub.client("municipal-staff") as staff:
        first = staff.post("/api/v1/events", json=signal_fields("case-web-0003"))
        second = staff.post("/api/v1/events", json=signal_fields("case-web-0003"))
    assert first.json()["event_id"] == second.json()["event_id"]
    assert second.json()["duplicate"] is True


def test_the_same_id_with_other_content_is_a_conflict(web_hub: WebHub) -> None:
    """An event id reused for other content answers 409 and publishes nothing more."""
    event_id = str(uuid.uuid4())
    with web_hub.client("municipal-staff") as staff:
        assert (
            staff.post(
                "/api/v1/events", json=signal_fields("case-web-0004", event_id=event_id)
            ).status_code
            == 202
        )
        other = staff.post("/api/v1/events", json=signal_fields("case-web-0005", event_id=event_id))
    assert other.status_code == 409
    assert other.headers["content-type"] == PROBLEM
    assert other.json()["type"] == "urn:ketenhub:problem:conflicting-duplicate"
    assert ingested(web_hub, "municipal-staff") == 1


def test_a_role_that_may_not_record_a_type_gets_403_with_the_rule(web_hub: WebHub) -> None:
    """Care may not record an intake: 403 naming the rule and who may; nothing is published."""
    intake = {
        "type": "IntakeAssessed",
        "occurred_at": "2025-11-03T10:00:00+01:00",
        "case_id": "case-web-0006",
        "is_undermining_crime": True,
        "is_municipal_task": True,
        "is_within_municipality": True,
        "outcome": "ACCEPT",
    }
    with web_hub.client("shop") as care:
        response = care.post("/api/v1/events", json=intake)
    assert response.status_code == 403
    problem = response.json()
    assert problem["type"] == "urn:ketenhub:problem:not-authorized"
    assert problem["rule"] == "NOT_AUTHORIZED"
    assert "IntakeAssessed" in problem["detail"] and "COORDINATOR" in problem["detail"]
    assert ingested(web_hub, "shop") == 0


def test_a_channel_the_role_may_not_use_gets_403(web_hub: WebHub) -> None:
    """Municipal staff report on the internal route only."""
    with web_hub.client("municipal-staff") as staff:
        response = staff.post(
            "/api/v1/events", json=signal_fields("case-web-0007", channel="POLICE")
        )
    assert response.status_code == 403
    assert "channel POLICE" in response.json()["detail"]


def test_an_invalid_event_is_refused_without_echoing_its_values(web_hub: WebHub) -> None:
    """422 names the field and rule; a BSN in free text is refused and never repeated back."""
    bsn = "111222333"
    with web_hub.client("municipal-staff") as staff:
        bad_text = staff.post(
            "/api/v1/events", json=signal_fields("case-web-0008", free_text=f"BSN {bsn} seen")
        )
        unknown_type = staff.post("/api/v1/events", json={"type": "NoSuchEvent"})
        not_json = staff.post(
            "/api/v1/events", content=b"{not json", headers={"content-type": "application/json"}
        )
        bad_id = staff.post("/api/v1/events", json=signal_fields("Case With Spaces"))
    for response in (bad_text, unknown_type, not_json, bad_id):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "urn:ketenhub:problem:invalid-event"
    assert "free_text" in bad_text.json()["detail"] and bsn not in bad_text.text
    assert "Case With Spaces" not in bad_id.text
    assert ingested(web_hub, "municipal-staff") == 0


def test_other_media_types_and_large_bodies_are_refused(web_hub: WebHub) -> None:
    """415 for a body that is neither JSON nor Avro; 413 for one over the size limit."""
    with web_hub.client("municipal-staff") as staff:
        text = staff.post(
            "/api/v1/events", content=b"hello", headers={"content-type": "text/plain"}
        )
        huge = staff.post(
            "/api/v1/events",
            content=b"{" + b" " * (300 * 1024) + b"}",
            headers={"content-type": "application/json"},
        )
    assert (
        text.status_code == 415
        and text.json()["type"] == "urn:ketenhub:problem:unsupported-media-type"
    )
    assert (
        huge.status_code == 413 and huge.json()["type"] == "urn:ketenhub:problem:payload-too-large"
    )


def _avro_headers(event: object, urn: str) -> dict[str, str]:
    return {
        name.replace("_", "-", 1): value.decode()
        for name, value in build_headers(event, urn)  # type: ignore[arg-type]
        if name.startswith("ce_")
    } | {"content-type": "application/avro"}


def test_an_avro_event_with_cloudevents_headers_is_sealed(web_hub: WebHub) -> None:
    """Avro single-object bytes with ce-* headers go through as they are and are sealed."""
    registry = HubFolder(web_hub.data_dir).registry()
    event = Story().signal(
        "case-web-avro-1", by="police", channel="POLICE", reporter_role="POLICE_OFFICER"
    )
    with web_hub.client("police") as police:
        response = police.post(
            "/api/v1/events",
            content=encode_event(event),
            headers=_avro_headers(event, registry.get("police").urn),
        )
        assert response.status_code == 202, response.text
        assert response.json()["event_id"] == str(event.event_id)
        assert wait_for_decision(police, str(event.event_id))["status"] == "sealed"


def test_avro_headers_that_disagree_or_are_unknown_are_refused(web_hub: WebHub) -> None:
    """Another partner's source, a missing attribute or an unknown ce-* header: 422, nothing stored."""
    registry = HubFolder(web_hub.data_dir).registry()
    event = Story().signal(
        "case-web-avro-2", by="police", channel="POLICE", reporter_role="POLICE_OFFICER"
    )
    good = _avro_headers(event, registry.get("police").urn)
    variants = {
        "source": good | {"ce-source": registry.get("heit").urn},
        "missing": {k: v for k, v in good.items() if k != "ce-id"},
        "unknown": good | {"ce-reporter": "someone"},
    }
    with web_hub.client("police") as police:
        for name, headers in variants.items():
            response = police.post("/api/v1/events", content=encode_event(event), headers=headers)
            assert response.status_code == 422, (name, response.text)
        garbage = police.post("/api/v1/events", content=b"\xc3\x01garbage", headers=good)
        assert garbage.status_code == 422
    assert ingested(web_hub, "police") == 0


def test_an_avro_event_recorded_by_another_partner_is_forbidden(web_hub: WebHub) -> None:
    """Police cannot publish an event that says heit recorded it: 403 WRONG_RECORDER."""
    registry = HubFolder(web_hub.data_dir).registry()
    event = Story().signal(
        "case-web-avro-3", by="heit", channel="PARTNER", reporter_role="PARTNER_ORGANISATION"
    )
    with web_hub.client("police") as police:
        response = police.post(
            "/api/v1/events",
            content=encode_event(event),
            headers=_avro_headers(event, registry.get("police").urn),
        )
    assert response.status_code == 403
    assert response.json()["rule"] == "WRONG_RECORDER"


def test_a_refusal_by_the_hub_shows_as_a_rejected_decision_and_in_rejections(
    web_hub: WebHub,
) -> None:
    """An intake for a case the hub never saw is refused by the hub: code and reason, also in /rejections."""
    intake = {
        "type": "IntakeAssessed",
        "occurred_at": "2025-11-03T10:00:00+01:00",
        "case_id": "case-web-unknown",
        "is_undermining_crime": True,
        "is_municipal_task": True,
        "is_within_municipality": True,
        "outcome": "ACCEPT",
    }
    with web_hub.client("municipality") as coordinator:
        accepted = coordinator.post("/api/v1/events", json=intake).json()
        decision = wait_for_decision(coordinator, accepted["event_id"])
        assert decision["status"] == "rejected"
        assert decision["code"] in {"MISSING_REFERENCE", "OUT_OF_ORDER"} and decision["reason"]
        rejections = coordinator.get("/api/v1/rejections").json()["rejections"]
    assert [r["event_id"] for r in rejections] == [accepted["event_id"]]
    assert (
        rejections[0]["code"] == decision["code"]
        and rejections[0]["event_type"] == "IntakeAssessed"
    )


def test_a_decision_is_only_found_by_the_partner_that_sent_the_event(web_hub: WebHub) -> None:
    """Another partner's event id, and an id never sent, both answer 404 alike; a bad id 400."""
    with web_hub.client("municipal-staff") as staff:
        accepted = staff.post("/api/v1/events", json=signal_fields("case-web-0009")).json()
        wait_for_decision(staff, accepted["event_id"])
    with web_hub.client("police") as police:
        theirs = police.get(f"/api/v1/decisions/{accepted['event_id']}")
        never = police.get(f"/api/v1/decisions/{uuid.uuid4()}")
        malformed = police.get("/api/v1/decisions/not-a-uuid")
    assert theirs.status_code == never.status_code == 404
    assert theirs.json()["type"] == never.json()["type"] == "urn:ketenhub:problem:not-found"
    assert malformed.status_code == 400


def test_the_anonymous_channel_keeps_no_reporter(web_hub: WebHub) -> None:
    """A tip with a reporter role and a phone number: the role is dropped, the number removed, it is sealed."""
    tip = signal_fields(
        "case-web-tip-1",
        channel="ANONYMOUS_TIP",
        reporter_role="CITIZEN",
        free_text="call me on 0612345678 about the bakery",
    )
    with web_hub.client("meld-misdaad-anoniem") as tips:
        accepted = tips.post("/api/v1/events", json=tip)
        assert accepted.status_code == 202, accepted.text
        assert wait_for_decision(tips, accepted.json()["event_id"])["status"] == "sealed"
    with web_hub.client("municipality") as coordinator:
        path = "/api/v1/cases/case-web-tip-1"
        wait_until(lambda: coordinator.get(path).status_code == 200, "the tip in view")
        view = coordinator.get(path).json()["view"]
    assert view["signal"].get("reporter_role") is None


def test_a_log_that_stays_locked_answers_503_and_then_recovers(embedded_web_hub: WebHub) -> None:
    """Another process holding the log's write lock past the wait: 503 with Retry-After, then 202."""
    import sqlite3

    from ketenhub.runtime.embedded.hub import LOG_FILE

    blocker = sqlite3.connect(embedded_web_hub.data_dir / LOG_FILE, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with embedded_web_hub.client("municipal-staff") as staff:
            blocked = staff.post("/api/v1/events", json=signal_fields("case-web-locked"))
        assert blocked.status_code == 503, blocked.text
        assert blocked.json()["type"] == "urn:ketenhub:problem:hub-unavailable"
        assert blocked.headers["Retry-After"] == "5"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with embedded_web_hub.client("municipal-staff") as staff:
        accepted = staff.post("/api/v1/events", json=signal_fields("case-web-locked"))
        assert accepted.status_code == 202
        assert wait_for_decision(staff, accepted.json()["event_id"])["status"] == "sealed"
