"""The control-day field app on a phone: a whole day logged, sealed and in the right views; offline loses nothing."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Route, expect

from ketenhub.contract import models as m
from ketenhub.web.pages.rendering import today_local
from tests.web.browser.conftest import PagesHub, Screen

AT = "2025-11-03T09:15:00+01:00"


def _plan_days(hub: PagesHub) -> None:
    for day_id, participants in (
        ("controledag-vandaag", ["heit", "police"]),
        ("controledag-nla", ["nla"]),
    ):
        hub.publish(
            "municipality",
            {
                "type": "ControlDayPlanned",
                "occurred_at": AT,
                "control_day_id": day_id,
                "day": today_local().isoformat(),
                "kind": "INTEGRAL",
                "participants": participants,
            },
        )


def _open_app(hub: PagesHub, screens: Callable[..., Screen]) -> Screen:
    screen = screens(hub, phone=True)
    screen.sign_in(hub.user("heit"))
    screen.goto("/veld/")
    expect(screen.page.locator("#dag option")).to_have_count(1)
    expect(screen.page.locator("#dag")).to_have_value("controledag-vandaag")
    return screen


def _log_visit(screen: Screen, area: str, finding: str, people: int) -> None:
    page = screen.page
    page.get_by_label("Adres (wordt gepseudonimiseerd)").fill(f"Voorbeeldstraat {people}")
    page.get_by_label("Postcodegebied of wijkcode").fill(area)
    page.locator("#bevindingen").get_by_label(finding, exact=True).check()
    page.get_by_label("Aangetroffen personen").fill(str(people))


def _waiting(screen: Screen) -> str:
    return screen.page.locator("#wachtend-aantal").inner_text()


def _visits(hub: PagesHub) -> list[m.ControlVisitLogged]:
    return [e for e in hub.sealed_events() if isinstance(e, m.ControlVisitLogged)]


def test_a_whole_control_day_on_a_phone_ends_up_sealed_and_in_the_views(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """Two visits (one raising a signal and a measure) and closing the day: sealed, and the signal in the views."""
    _plan_days(pages_hub)
    screen = _open_app(pages_hub, screens)
    page = screen.page
    screen.shot("start")

    _log_visit(screen, "2264", "Overbewoning", 3)
    page.get_by_label("Maak een signaal").check()
    page.get_by_label("Vorm van uitbuiting").select_option("LABOUR")
    page.get_by_label("Toelichting (wordt versleuteld", exact=False).fill("Matrassen in de kelder.")
    page.get_by_label("Maatregel", exact=True).select_option("PENALTY_ORDER")
    page.get_by_label("Grondslag").select_option("Gemeentewet art. 125; Awb art. 5:32")
    screen.shot("bezoek-invullen")
    page.get_by_role("button", name="Bezoek bewaren").click()
    expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(3)
    expect(page.locator("#wachtend-aantal")).to_have_text("0")

    _log_visit(screen, "2265", "Niemand aangetroffen", 0)
    page.get_by_role("button", name="Bezoek bewaren").click()
    expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(4)
    expect(page.locator("#bezoeken li")).to_have_count(2)
    screen.shot("bezoeken")
    page.get_by_role("button", name="Controledag afsluiten").click()
    expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(5)
    expect(page.locator("#dag option")).to_have_text(["Geen open controledag"])
    screen.shot("dag-gesloten")

    events = [e for e in pages_hub.sealed_events() if e.recorded_by == "heit"]
    assert [type(e) for e in events] == [
        m.SignalReceived,
        m.ControlVisitLogged,
        m.MeasureImposed,
        m.ControlVisitLogged,
        m.ControlDayClosed,
    ]
    signal, first, measure, second, _ = events
    assert isinstance(signal, m.SignalReceived) and isinstance(first, m.ControlVisitLogged)
    assert isinstance(measure, m.MeasureImposed) and isinstance(second, m.ControlVisitLogged)
    assert signal.channel == "PARTNER" and signal.free_text is not None
    assert b"kelder" not in signal.free_text.ciphertext
    assert first.signals_raised == [signal.case_id] and second.signals_raised == []
    assert first.address.startswith("psn-") and "Voorbeeldstraat" not in first.address
    assert (first.finding_codes, first.people_encountered) == (["OVERCROWDING"], 3)
    assert measure.control_visit_id == first.visit_id and measure.case_id is None
    coordinator_view = pages_hub.case("municipality", signal.case_id)
    assert coordinator_view is not None and coordinator_view["signal"]["reported_by"] == "heit"
    assert pages_hub.case("heit", signal.case_id) is not None
    assert pages_hub.case("police", signal.case_id) is None, "a team member who did not report it"


def test_offline_entries_wait_on_the_phone_and_arrive_once(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """Offline: entries wait (also across a reload); online: all arrive; a resend after a lost answer is no double."""
    _plan_days(pages_hub)
    screen = _open_app(pages_hub, screens)
    page = screen.page
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    page.context.set_offline(True)
    expect(page.locator("#verbinding")).to_contain_text("Geen verbinding")
    for waiting, (area, people) in enumerate((("2264", 1), ("2266", 2)), start=1):
        _log_visit(screen, area, "Geen bevindingen", people)
        page.get_by_role("button", name="Bezoek bewaren").click()
        expect(page.locator("#wachtend-aantal")).to_have_text(str(waiting))
    expect(page.locator("#wachtend-aantal")).to_have_text("2")
    screen.shot("offline-wachtrij")
    assert _visits(pages_hub) == []
    page.reload()
    expect(page.locator("#wachtend-aantal")).to_have_text("2")
    expect(page.locator("#bezoeken li")).to_have_count(2)
    screen.shot("offline-herladen")

    page.context.set_offline(False)
    expect(page.locator("#wachtend-aantal")).to_have_text("0", timeout=30_000)
    expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(2)
    visits = _visits(pages_hub)
    assert len(visits) == 2 and len({v.visit_id for v in visits}) == 2
    screen.shot("online-verstuurd")

    answers_lost: list[str] = []

    def lose_the_answer(route: Route) -> None:
        route.fetch()  # the hub takes the entry in ...
        answers_lost.append(route.request.url)
        route.abort()  # ... but the phone never hears back

    page.route("**/veld/boeking", lose_the_answer)
    _log_visit(screen, "2267", "Geen bevindingen", 4)
    page.get_by_role("button", name="Bezoek bewaren").click()
    for _ in range(300):  # Playwright calls the handler while the test waits in Playwright
        if answers_lost:
            break
        page.wait_for_timeout(100)
    assert answers_lost, "the entry was never sent"
    expect(page.locator("#wachtend-aantal")).to_have_text("1")
    page.unroute("**/veld/boeking")
    page.get_by_role("button", name="Nu versturen").click()
    expect(page.locator("#wachtend-aantal")).to_have_text("0", timeout=30_000)
    visits = _visits(pages_hub)
    assert len(visits) == 3 and len({v.event_id for v in visits}) == 3, (
        "the resend recorded nothing twice"
    )


def test_entries_waiting_on_a_shared_phone_go_out_only_as_the_user_who_made_them(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """One phone, two users: what one left waiting is never sent as the other, and is not lost."""
    _plan_days(pages_hub)
    screen = _open_app(pages_hub, screens)
    page = screen.page
    page.route("**/veld/boeking", lambda route: route.abort())  # the connection drops
    _log_visit(screen, "2264", "Geen bevindingen", 1)
    page.get_by_role("button", name="Bezoek bewaren").click()
    expect(page.locator("#wachtend-aantal")).to_have_text("1")
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_load_state()
    page.unroute("**/veld/boeking")

    screen.sign_in(pages_hub.user("police"))  # a colleague of the same team takes the phone
    screen.goto("/veld/")
    expect(page.locator("#dag")).to_have_value("controledag-vandaag")
    expect(page.locator("#wachtend-aantal")).to_have_text("0")
    _log_visit(screen, "2266", "Geen bevindingen", 2)
    page.get_by_role("button", name="Bezoek bewaren").click()
    expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(1)
    page.get_by_role("button", name="Nu versturen").click()
    expect(page.locator("#wachtend-aantal")).to_have_text("0")
    by_police = [v for v in _visits(pages_hub) if v.recorded_by == "police"]
    assert [v.people_encountered for v in by_police] == [2], "only the police user's own visit"
    assert [v for v in _visits(pages_hub) if v.recorded_by == "heit"] == []
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_load_state()

    screen.sign_in(pages_hub.user("heit"))  # the first user is back: the entry goes out as theirs
    screen.goto("/veld/")
    expect(page.locator("#wachtend-aantal")).to_have_text("0", timeout=30_000)
    expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(1)
    by_heit = [v for v in _visits(pages_hub) if v.recorded_by == "heit"]
    assert [v.people_encountered for v in by_heit] == [1]
    assert len(_visits(pages_hub)) == 2
