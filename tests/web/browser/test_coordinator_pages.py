"""The coordinator in a real browser: sign in, a signal through all five phases, the hub's refusal in plain words."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from ketenhub.contract import models as m
from tests.web.browser.conftest import PagesHub, Screen


def _submit(screen: Screen, form_id: str) -> None:
    screen.page.locator(f"#{form_id} button[type=submit]").click()
    screen.page.wait_for_load_state()


def test_sign_in_refuses_a_wrong_password_and_needs_a_session(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """A wrong password gets one plain answer; without a session every page sends you to sign in."""
    name = pages_hub.user("municipality", "coordinator")
    screen = screens(pages_hub)
    screen.goto("/zaken")
    expect(screen.page).to_have_url(f"{pages_hub.url}/aanmelden?terug=/zaken")
    screen.sign_in(name, "niet-het-goede-wachtwoord")
    expect(screen.page.get_by_role("alert")).to_have_text("De naam of het wachtwoord klopt niet.")
    screen.shot("aanmelden-fout")
    screen.sign_in(name)
    expect(screen.page.get_by_role("heading", level=1)).to_have_text(
        "Zakenbord: open zaken per fase"
    )
    cookie = next(c for c in screen.page.context.cookies() if c["name"] == "ketenhub_sessie")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    screen.page.get_by_role("button", name="Afmelden").click()
    screen.goto("/zaken")
    expect(screen.page).to_have_url(f"{pages_hub.url}/aanmelden?terug=/zaken")


def test_coordinator_records_a_signal_from_a_school(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """The kind of outside organisation is chosen on the form and sealed with the external signal."""
    screen = screens(pages_hub)
    screen.sign_in(pages_hub.user("municipality", "coordinator"))
    page = screen.page
    page.get_by_text("Nieuw signaal vastleggen").click()
    page.get_by_label("Kanaal").select_option("EXTERNAL_ROUTE")
    page.get_by_label("Rol van de melder").select_option("EXTERNAL_PROFESSIONAL")
    page.get_by_label("Soort externe organisatie", exact=False).select_option("SCHOOL")
    page.get_by_label("Criminele uitbuiting").check()
    page.get_by_label("Postcodegebied of wijkcode (geen adres)").fill("2263")
    page.get_by_role("button", name="Signaal vastleggen").click()
    expect(page.locator(".flash-success")).to_have_text("Vastgelegd.")
    case_id = page.url.rsplit("/", 1)[1]
    signals = [
        e
        for e in pages_hub.sealed_events()
        if isinstance(e, m.SignalReceived) and e.case_id == case_id
    ]
    assert [(s.channel, s.source_organisation) for s in signals] == [("EXTERNAL_ROUTE", "SCHOOL")]
    expect(page.locator(".source-organisation")).to_have_text("School")


def test_coordinator_takes_a_signal_through_all_five_phases(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """New signal, intake, severity, source research, plan with an owner and due date, action, close: each sealed."""
    screen = screens(pages_hub)
    screen.sign_in(pages_hub.user("municipality", "coordinator"))
    page = screen.page
    screen.shot("bord-leeg")

    page.get_by_text("Nieuw signaal vastleggen").click()
    page.get_by_label("Kanaal").select_option("INTERNAL_ROUTE")
    page.get_by_label("Rol van de melder").select_option("ENFORCER")
    page.get_by_label("Arbeidsuitbuiting").check()
    page.locator("summary", has_text="Indicatoren kiezen").click()
    page.locator("#signal-indicator-2").check()
    page.get_by_label("Postcodegebied of wijkcode (geen adres)").fill("2264")
    page.get_by_label("Toelichting (wordt versleuteld", exact=False).fill(
        "Werknemers slapen in de opslag."
    )
    page.get_by_role("button", name="Signaal vastleggen").click()
    expect(page.locator(".flash-success")).to_have_text("Vastgelegd.")
    case_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#fase")).to_have_text("Signaal ontvangen")
    screen.shot("zaak-nieuw")

    page.locator("#q1-ja").check()
    page.locator("#q2-ja").check()
    page.locator("#q3-ja").check()
    page.get_by_label("Uitkomst").select_option("ACCEPT")
    page.get_by_label("Motivering (wordt versleuteld)").fill("Past bij de signalenkaart.")
    _submit(screen, "form-intake")
    expect(page.locator("#fase")).to_have_text("1. Ontvangst en intake")

    page.get_by_label("Concreet en zwaar genoeg?").select_option("INVESTIGATE")
    _submit(screen, "form-ernst")
    expect(page.locator("#fase")).to_have_text("2. Zwaarte signaal")

    page.get_by_label("BRP", exact=True).check()
    page.get_by_label("KvK").check()
    page.locator("#form-bronnenonderzoek summary", has_text="Bevindingen kiezen").click()
    page.get_by_label("Overbewoond adres").check()
    _submit(screen, "form-bronnenonderzoek")
    expect(page.locator("#fase")).to_have_text("3. Intern bronnenonderzoek")
    screen.shot("zaak-onderzoek")

    page.locator("#action-1-kind").select_option("CONTROL_VISIT")
    page.locator("#action-1-owner").select_option("heit")
    page.locator("#action-1-due").fill("2031-03-01")
    page.locator("#action-2-kind").select_option("ADDRESS_CHECK")
    page.locator("#action-2-owner").select_option("municipality")
    page.locator("#action-2-due").fill("2031-03-15")
    page.get_by_label("Ook doorsturen naar de politie").check()
    _submit(screen, "form-plan")
    expect(page.locator("#fase")).to_have_text("4. Plan van aanpak")
    screen.shot("zaak-plan")

    page.locator("#result-a1").select_option("COMPLETED")
    page.locator("#form-actie-a1 summary", has_text="Bevindingen kiezen").click()
    page.locator("#form-actie-a1").get_by_label("Overbewoning").check()
    _submit(screen, "form-actie-a1")
    expect(page.locator("#fase")).to_have_text("5. Actie")
    page.locator("#result-a2").select_option("COMPLETED")
    _submit(screen, "form-actie-a2")

    page.locator("summary", has_text="Zaak sluiten").click()
    page.locator("#close-reason").select_option("ACTIONS_COMPLETED")
    _submit(screen, "form-sluiten")
    expect(page.locator("#status")).to_have_text("Gesloten")
    expect(page.locator(".timeline li")).to_have_count(8)
    screen.shot("zaak-gesloten")

    view = pages_hub.case("municipality", case_id)
    assert view is not None and view["status"] == "CLOSED" and view["phase"] == "ACTION"
    kinds = [type(e) for e in pages_hub.sealed_events() if getattr(e, "case_id", None) == case_id]
    assert kinds == [
        m.SignalReceived,
        m.IntakeAssessed,
        m.SeverityAssessed,
        m.SourceResearchCompleted,
        m.ActionPlanAdopted,
        m.ActionCompleted,
        m.ActionCompleted,
        m.CaseClosed,
    ]
    plan = next(e for e in pages_hub.sealed_events() if isinstance(e, m.ActionPlanAdopted))
    assert [(a.owner, a.due_date.isoformat()) for a in plan.actions] == [
        ("heit", "2031-03-01"),
        ("municipality", "2031-03-15"),
    ]
    signal = next(e for e in pages_hub.sealed_events() if isinstance(e, m.SignalReceived))
    assert signal.free_text is not None and b"opslag" not in signal.free_text.ciphertext
    assert pages_hub.case("heit", case_id) is not None, "the action's owner sees the case"
    assert pages_hub.case("police", case_id) is not None, "the plan forwarded it to the police"

    screen.goto("/zaken")
    expect(page.locator(f"a[href='/zaken/{case_id}']")).to_have_count(0)
    screen.shot("bord")


def test_the_hubs_refusal_shows_in_plain_words(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """A step on a case another tab just closed is refused by the hub, and the page says why in Dutch."""
    name = pages_hub.user("municipality", "coordinator")
    first, second = screens(pages_hub, label="a"), screens(pages_hub, label="b")
    first.sign_in(name)
    second.sign_in(name)
    pages_hub.publish(
        "municipality",
        {
            "type": "SignalReceived",
            "occurred_at": "2025-11-03T09:15:00+01:00",
            "case_id": "zaak-weigering",
            "channel": "WEBSITE",
            "reporter_role": "CITIZEN",
            "exploitation_forms": ["SEXUAL"],
            "indicators": [],
            "location": {"municipality_code": "GM1916", "area_code": "2264"},
            "persons": [],
        },
    )
    first.goto("/zaken/zaak-weigering")
    second.goto("/zaken/zaak-weigering")
    second.page.locator("summary", has_text="Zaak sluiten").click()
    second.page.locator("#close-reason").select_option("NOT_TRAFFICKING")
    _submit(second, "form-sluiten")
    expect(second.page.locator("#status")).to_have_text("Gesloten")

    for question in ("q1-nee", "q2-ja", "q3-ja"):
        first.page.locator(f"#{question}").check()
    first.page.get_by_label("Uitkomst").select_option("CLOSE")
    _submit(first, "form-intake")
    alert = first.page.get_by_role("alert")
    expect(alert).to_contain_text("De hub heeft dit geweigerd. De zaak is al gesloten.")
    first.shot("weigering")
    assert not any(isinstance(e, m.IntakeAssessed) for e in pages_hub.sealed_events())
