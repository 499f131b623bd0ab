"""GET /api/v1/cases: each partner's own view, paged and filtered; nobody learns of a case it may not see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.web.conftest import WebHub, signal_fields, wait_for_decision, wait_until


def _publish_signals(hub: WebHub, count: int) -> list[str]:
    cases = [f"case-list-{n:04d}" for n in range(count)]
    with hub.client("municipal-staff") as staff:
        ids = [
            staff.post("/api/v1/events", json=signal_fields(case)).json()["event_id"]
            for case in cases
        ]
        for event_id in ids:
            assert wait_for_decision(staff, event_id)["status"] == "sealed"
    return cases


def _close(hub: WebHub, case_id: str) -> None:
    closing = {
        "type": "CaseClosed",
        "occurred_at": "2025-11-04T09:00:00+01:00",
        "case_id": case_id,
        "reason": "NOT_SEVERE",
    }
    with hub.client("municipality") as coordinator:
        response = coordinator.post("/api/v1/events", json=closing)
        assert response.status_code == 202, response.text
        assert wait_for_decision(coordinator, response.json()["event_id"])["status"] == "sealed"


def _cases(hub: WebHub, partner: str, **params: Any) -> dict[str, Any]:
    with hub.client(partner) as client:
        response = client.get("/api/v1/cases", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_cases_page_in_case_id_order_with_next_links(web_hub: WebHub) -> None:
    """limit=2 over five cases: three pages following `next` (and the Link header), none missed or doubled."""
    cases = _publish_signals(web_hub, 5)
    wait_until(lambda: len(_cases(web_hub, "municipality")["cases"]) == 5, "five cases in view")
    seen: list[str] = []
    with web_hub.client("municipality") as coordinator:
        url: str | None = "/api/v1/cases?limit=2"
        while url is not None:
            response = coordinator.get(url)
            page = response.json()
            seen += [case["case_id"] for case in page["cases"]]
            if page["next"] is not None:
                assert response.headers["Link"] == f'<{page["next"]}>; rel="next"'
            url = page["next"]
    assert seen == sorted(cases)


def test_cases_filter_by_phase_status_and_change_time(web_hub: WebHub) -> None:
    """status=CLOSED finds only the closed case; phase and changed_since narrow as they say."""
    cases = _publish_signals(web_hub, 3)
    wait_until(lambda: len(_cases(web_hub, "municipality")["cases"]) == 3, "three cases in view")
    _close(web_hub, cases[0])
    wait_until(
        lambda: (
            [c["case_id"] for c in _cases(web_hub, "municipality", status="CLOSED")["cases"]]
            == [cases[0]]
        ),
        "the closed case",
    )
    open_cases = _cases(web_hub, "municipality", status="OPEN")["cases"]
    assert sorted(c["case_id"] for c in open_cases) == cases[1:]
    assert {c["phase"] for c in _cases(web_hub, "municipality", phase="RECEIVED")["cases"]} == {
        "RECEIVED"
    }
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert _cases(web_hub, "municipality", changed_since=later.isoformat())["cases"] == []
    earlier = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert len(_cases(web_hub, "municipality", changed_since=earlier.isoformat())["cases"]) == 3


def test_bad_filters_are_400_problems(web_hub: WebHub) -> None:
    """An unknown phase, a limit out of range or a time without zone: 400 problem+json."""
    with web_hub.client("municipality") as coordinator:
        for params in (
            {"phase": "NOPE"},
            {"limit": "0"},
            {"limit": "501"},
            {"changed_since": "2025-01-01T00:00:00"},
        ):
            response = coordinator.get("/api/v1/cases", params=params)
            assert response.status_code == 400, params
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"] == "urn:ketenhub:problem:invalid-request"


def test_another_partners_case_is_404_exactly_like_a_missing_one(web_hub: WebHub) -> None:
    """Care has no reason to see a new signal: its answer for that case equals the one for no case at all."""
    (case,) = _publish_signals(web_hub, 1)
    wait_until(lambda: len(_cases(web_hub, "municipality")["cases"]) == 1, "the case in view")
    with web_hub.client("shop") as care:
        hidden = care.get(f"/api/v1/cases/{case}")
        missing = care.get("/api/v1/cases/case-list-9999")
        listed = care.get("/api/v1/cases").json()["cases"]
    assert hidden.status_code == missing.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k not in {"detail", "instance"}}  # noqa: E731
    assert strip(hidden.json()) == strip(missing.json())
    assert hidden.json()["detail"].replace(case, "X") == missing.json()["detail"].replace(
        "case-list-9999", "X"
    )
    assert listed == []


def test_a_partner_sees_only_what_its_role_may(web_hub: WebHub) -> None:
    """Municipal staff see their own report's phase and status, never its persons or free text."""
    (case,) = _publish_signals(web_hub, 1)
    wait_until(lambda: len(_cases(web_hub, "municipal-staff")["cases"]) == 1, "the staff's case")
    with web_hub.client("municipal-staff") as staff:
        document = staff.get(f"/api/v1/cases/{case}").json()
    assert document["case_id"] == case and document["status"] == "OPEN"
    assert "signal" not in document["view"] and "psn-" not in str(document)
