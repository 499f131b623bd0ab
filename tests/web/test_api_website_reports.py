"""POST /api/v1/website-reports: no token, only a website signal, no reporter kept without consent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ketenhub import topics
from ketenhub.codec.single_object import decode_event
from ketenhub.runtime.embedded.hub import EmbeddedHub
from tests.web.conftest import WebHub, serve_embedded, wait_until

REPORT = {
    "exploitation_forms": ["LABOUR"],
    "indicators": ["LIVES_AT_WORK"],
    "area_code": "2264",
    "description": "Many people seem to live above the car wash.",
}


def _signals(hub: WebHub) -> list[Any]:
    with EmbeddedHub(hub.data_dir) as embedded:
        return [
            decode_event(r.value or b"") for r in embedded.records(topics.ingest("municipality"))
        ]


def test_a_report_becomes_a_website_signal_without_reporter(web_hub: WebHub) -> None:
    """202 without a token; the coordinator sees a WEBSITE signal with no reporter role and no persons."""
    with web_hub.client() as public:
        response = public.post("/api/v1/website-reports", json=REPORT)
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "received", "removed_contact_details": 0}

    def website_cases() -> list[dict[str, Any]]:
        with web_hub.client("municipality") as coordinator:
            cases = coordinator.get("/api/v1/cases").json()["cases"]
        return [c for c in cases if c["view"]["signal"]["channel"] == "WEBSITE"]

    wait_until(lambda: len(website_cases()) == 1, "the website signal in the coordinator's view")
    (case,) = website_cases()
    assert case["case_id"].startswith("web-")
    signal = case["view"]["signal"]
    assert signal.get("reporter_role") is None and signal["persons"] == []
    assert signal["location"]["area_code"] == "2264"


def test_contact_details_are_removed_and_a_role_kept_only_with_consent(tmp_path: Path) -> None:
    """A phone number and e-mail address in the text are removed; the role is kept only with consent."""
    with serve_embedded(tmp_path / "hub") as hub, hub.client() as public:
        with_contact = REPORT | {"description": "Call 0612345678 or mail a.person@example.nl"}
        first = public.post("/api/v1/website-reports", json=with_contact)
        consented = public.post(
            "/api/v1/website-reports",
            json=REPORT | {"reporter": {"consent": True, "role": "BUSINESS"}},
        )
        refused_consent = public.post(
            "/api/v1/website-reports",
            json=REPORT | {"reporter": {"consent": False, "role": "BUSINESS"}},
        )
        with_name = public.post("/api/v1/website-reports", json=REPORT | {"name": "A. Person"})
        assert first.json()["removed_contact_details"] == 2
        assert consented.status_code == 202
        assert refused_consent.status_code == 400 and with_name.status_code == 400
        signals = _signals(hub)
        raw = b"".join(
            r.value or b"" for r in EmbeddedHub(hub.data_dir).records(topics.ingest("municipality"))
        )
    assert [s.reporter_role for s in signals] == [None, "BUSINESS"]
    assert all(s.channel == "WEBSITE" and s.recorded_by == "municipality" for s in signals)
    assert b"0612345678" not in raw and b"example.nl" not in raw


def test_only_a_website_signal_can_be_made(embedded_web_hub: WebHub) -> None:
    """Another event type, a channel, a recorder or a case id in the form are refused (400)."""
    with embedded_web_hub.client() as public:
        for extra in (
            {"type": "CaseClosed"},
            {"channel": "POLICE"},
            {"recorded_by": "police"},
            {"case_id": "case-2025-0001"},
            {"persons": ["someone"]},
        ):
            response = public.post("/api/v1/website-reports", json=REPORT | extra)
            assert response.status_code == 400, extra
        bad_area = public.post("/api/v1/website-reports", json=REPORT | {"area_code": "Main St 1"})
    assert bad_area.status_code == 422 and "area_code" in bad_area.json()["detail"]
    assert "Main St" not in bad_area.text
    assert _signals(embedded_web_hub) == []


def test_reports_are_rate_limited_per_client(tmp_path: Path) -> None:
    """With a burst of 2 per address, the third report from it is refused with Retry-After."""
    with serve_embedded(tmp_path / "hub", web_report_burst=2) as hub, hub.client() as public:
        codes = [public.post("/api/v1/website-reports", json=REPORT).status_code for _ in range(3)]
        refused = public.post("/api/v1/website-reports", json=REPORT)
    assert codes == [202, 202, 429]
    assert (
        refused.json()["type"] == "urn:ketenhub:problem:rate-limited"
        and refused.headers["Retry-After"]
    )
