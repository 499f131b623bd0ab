"""Partners in a real browser: each sees only its own cases (404 for the rest), takes up, reports, decides referrals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenhub.contract import models as m
from tests.web.browser.conftest import PagesHub, Screen

AT = "2025-11-03T09:15:00+01:00"


def _signal(case_id: str) -> dict[str, Any]:
    return {
        "type": "SignalReceived",
        "occurred_at": AT,
        "case_id": case_id,
        "channel": "WEBSITE",
        "reporter_role": "CITIZEN",
        "exploitation_forms": ["LABOUR"],
        "indicators": ["LIVES_AT_WORK"],
        "location": {"municipality_code": "GM1916", "area_code": "2264"},
        "persons": ["voorbeeld-persoon-1"],
        "free_text": "Mensen slapen op het werk.",
    }


def _phases_to_plan(hub: PagesHub, case_id: str, owner: str) -> None:
    steps: list[dict[str, Any]] = [
        {
            "type": "IntakeAssessed",
            "is_undermining_crime": True,
            "is_municipal_task": True,
            "is_within_municipality": True,
            "outcome": "ACCEPT",
        },
        {"type": "SeverityAssessed", "outcome": "INVESTIGATE"},
        {"type": "SourceResearchCompleted", "registers_consulted": ["BRP"], "finding_codes": []},
        {
            "type": "ActionPlanAdopted",
            "actions": [
                {
                    "action_id": "a1",
                    "kind": "CRIMINAL_INVESTIGATION",
                    "owner": owner,
                    "due_date": "2031-01-31",
                }
            ],
            "forward_to_police": False,
            "escalate_to_riec": False,
        },
    ]
    for step in steps:
        hub.publish("municipality", step | {"occurred_at": AT, "case_id": case_id})


def test_police_sees_only_its_cases_takes_one_up_and_reports_its_action(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """The police list holds the forwarded case only; another case is a 404; take-up and report are sealed."""
    pages_hub.publish("municipality", _signal("zaak-politie"))
    pages_hub.publish("municipality", _signal("zaak-niet-gedeeld"))
    pages_hub.publish(
        "municipality",
        {
            "type": "SignalForwarded",
            "occurred_at": AT,
            "case_id": "zaak-politie",
            "to_partner": "police",
            "reason": "CRIMINAL_INVESTIGATION",
        },
    )
    _phases_to_plan(pages_hub, "zaak-politie", "police")

    screen = screens(pages_hub)
    screen.sign_in(pages_hub.user("police"))
    page = screen.page
    rows = page.locator("#zaken tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("zaak-politie")
    expect(rows.first).to_contain_text("doorgestuurd")
    screen.shot("lijst")

    response = page.goto(f"{pages_hub.url}/zaken/zaak-niet-gedeeld")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    screen.shot("niet-gevonden")
    response = page.goto(f"{pages_hub.url}/zaken/zaak-die-niet-bestaat")
    assert response is not None and response.status == 404

    screen.goto("/zaken/zaak-politie")
    expect(page.get_by_text("Toelichting")).to_have_count(0)  # police never see the free text
    screen.shot("zaak")
    page.get_by_role("button", name="Zaak oppakken").click()
    expect(page.locator(".flash-success")).to_have_text("Vastgelegd.")
    expect(page.get_by_role("button", name="Zaak oppakken")).to_have_count(0)
    page.locator("#result-a1").select_option("COMPLETED")
    page.locator("#form-actie-a1 summary").click()
    page.locator("#form-actie-a1").get_by_label("Onderzoek gestart").check()
    page.get_by_role("button", name="Actie rapporteren").click()
    expect(page.locator(".flash-success")).to_have_text("Vastgelegd.")
    expect(page.locator("#status")).to_have_text("Open")
    screen.shot("gerapporteerd")

    coordinator_view = pages_hub.case("municipality", "zaak-politie")
    assert coordinator_view is not None
    assert coordinator_view["actions"]["a1"]["result"] == "COMPLETED"
    assert coordinator_view["actions"]["a1"]["finding_codes"] == ["INVESTIGATION_STARTED"]
    forward = next(iter(coordinator_view["forwards"].values()))
    assert "police" in forward["acknowledged"]
    recorded = [e for e in pages_hub.sealed_events() if e.recorded_by == "police"]
    assert [type(e) for e in recorded] == [m.SignalAcknowledged, m.ActionCompleted]


def test_a_partner_cannot_post_a_step_on_a_case_it_may_not_see(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """A crafted take-up of another partner's case is a 404 and publishes nothing."""
    pages_hub.publish("municipality", _signal("zaak-van-een-ander"))
    screen = screens(pages_hub)
    screen.sign_in(pages_hub.user("riec"))
    screen.goto("/zaken")
    token = screen.page.locator("form[action='/afmelden'] input[name='csrf_token']").get_attribute(
        "value"
    )
    response = screen.page.request.post(
        f"{pages_hub.url}/zaken/zaak-van-een-ander/partner/oppakken",
        form={"csrf_token": token or "", "forward_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert response.status == 404
    forged = screen.page.request.post(
        f"{pages_hub.url}/zaken/zaak-van-een-ander/stap/sluiten",
        form={"csrf_token": token or "", "reason": "NOT_TRAFFICKING"},
    )
    assert forged.status == 404, "a coordinator's form does not exist for the RIEC"
    no_token = screen.page.request.post(f"{pages_hub.url}/zaken/nieuw", form={"channel": "WEBSITE"})
    assert no_token.status in (403, 404)
    assert [e.recorded_by for e in pages_hub.sealed_events()] == ["municipality"]


def test_care_provider_sees_only_its_referral_and_takes_it_to_the_end(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """SHOP sees its own referral (not Leger des Heils'), accepts it, starts and ends care; each step sealed."""
    pages_hub.publish("municipality", _signal("zaak-zorg"))
    pages_hub.publish("municipality", _signal("zaak-zonder-zorg"))
    pages_hub.publish(
        "municipality",
        {
            "type": "VictimIdentified",
            "occurred_at": AT,
            "case_id": "zaak-zorg",
            "victim": "voorbeeld-persoon-1",
            "age_group": "FROM_18_TO_23",
            "gender": "FEMALE",
            "exploitation_form": "LABOUR",
            "other_exploitation_forms": ["SEXUAL"],
            "residence_status": "EU_CITIZEN",
        },
    )
    for referral_id, provider, care_type in (
        ("verwijzing-shop", "shop", "SHELTER_WOMEN"),
        ("verwijzing-ldh", "leger-des-heils", "SPECIALISED_GUIDANCE"),
    ):
        pages_hub.publish(
            "municipality",
            {
                "type": "ReferralMade",
                "occurred_at": AT,
                "case_id": "zaak-zorg",
                "referral_id": referral_id,
                "victim": "voorbeeld-persoon-1",
                "provider": provider,
                "care_type": care_type,
                "urgency": "URGENT",
            },
        )

    screen = screens(pages_hub)
    screen.sign_in(pages_hub.user("shop"))
    page = screen.page
    rows = page.locator("#verwijzingen tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("verwijzing-shop")
    screen.shot("lijst")
    response = page.goto(f"{pages_hub.url}/zaken/zaak-zonder-zorg")
    assert response is not None and response.status == 404

    screen.goto("/zaken/zaak-zorg")
    expect(page.get_by_text("verwijzing-ldh")).to_have_count(0)
    expect(page.locator(".victim-forms")).to_have_text("Arbeidsuitbuiting, Seksuele uitbuiting")
    screen.shot("verwijzing")
    page.get_by_role("button", name="Aanvaarden").click()
    expect(page.locator(".referral-status")).to_have_text("Aanvaard")
    page.get_by_role("button", name="Zorg gestart").click()
    expect(page.locator(".referral-status")).to_have_text("Zorg gestart")
    page.get_by_label("Afloop").select_option("COMPLETED")
    page.get_by_role("button", name="Zorg beëindigd").click()
    expect(page.locator(".referral-status")).to_have_text("Zorg beëindigd")
    screen.shot("zorg-beeindigd")

    recorded = [e for e in pages_hub.sealed_events() if e.recorded_by == "shop"]
    assert [type(e) for e in recorded] == [m.ReferralAccepted, m.CareStarted, m.CareEnded]
    view = pages_hub.case("municipality", "zaak-zorg")
    assert view is not None and view["referrals"]["verwijzing-shop"]["status"] == "CARE_ENDED"
    assert view["referrals"]["verwijzing-ldh"]["status"] == "MADE"
