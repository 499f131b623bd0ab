"""A control day planned with addresses: the coordinator's form, the team's phone offline then online, then closed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from ketenhub.contract import models as m
from ketenhub.core.control_day_subject import PLANNED_ADDRESS_FIELD
from ketenhub.core.privacy import associated_data
from ketenhub.hub_folder import HubFolder
from ketenhub.protection.protector import ERASED
from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.pages.rendering import today_local
from ketenhub.web.server import free_port
from tests.web.browser.conftest import PagesHub, Screen, wait_for
from tests.web.conftest import WebHub

FIRST = "Oefenlaan 12, Voorburg"  # synthetic addresses and note
SECOND = "Proefweg 3a, Leidschendam"
NOTE = "Twee bewoners in de schuur aangetroffen."
CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""
DASH = "\N{EN DASH}"
KEPT_DAY_LISTS = """() => new Promise((resolve) => {
  const request = indexedDB.open("ketenhub-veld", 1);
  request.onsuccess = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains("gegevens")) { db.close(); resolve(""); return; }
    const all = db.transaction("gegevens").objectStore("gegevens").getAll();
    all.onsuccess = () => { db.close(); resolve(JSON.stringify(all.result)); };
  };
})"""
CLEAR_TEXTS = (b"Oefenlaan", b"Proefweg", b"bewoners in de schuur")


def _plan_with_addresses(hub: PagesHub, screens: Callable[..., Screen]) -> m.ControlDayPlanned:
    screen = screens(hub, label="coordinator")
    screen.sign_in(hub.user("municipality"))
    screen.goto("/controledagen")
    page = screen.page
    page.get_by_label("Datum").fill(today_local().isoformat())
    page.get_by_label("Soort controle").select_option("INTEGRAL")
    page.get_by_label("HEIT").check()
    page.get_by_label("Politie (AVIM)").check()
    page.get_by_label("Adressen (één per regel").fill(f"{FIRST}; 2271\n{SECOND}; 2264\n")
    screen.shot("plannen")
    page.get_by_role("button", name="Controledag plannen").click()
    expect(page.locator(".flash")).to_contain_text("Vastgelegd")
    expect(page.locator("#controledagen tbody tr td").nth(3)).to_have_text("2")
    assert FIRST not in page.content(), "the planning page lists no address"
    screen.shot("gepland")
    (day,) = [e for e in hub.sealed_events() if isinstance(e, m.ControlDayPlanned)]
    assert isinstance(day, m.ControlDayPlanned)
    return day


def _scan_for_clear_texts(data_dir: Path, logs: str) -> None:
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" or "sqlite" in p.name for p in files), files
    for path in files:
        content = path.read_bytes()
        for clear in CLEAR_TEXTS:
            assert clear not in content, f"{clear!r} in clear in {path.name}"
    assert '"event": "page_step_published"' in logs, "the hub's log lines were captured"
    assert '"event": "control_day_addresses_erased"' in logs
    for clear in CLEAR_TEXTS:
        assert clear.decode() not in logs, f"{clear!r} in the log"


@dataclass
class LoggedHub:
    """A hub served by ``ketenhub web`` in its own process, its debug logs kept in a file."""

    pages: PagesHub
    log_file: Path


@pytest.fixture
def logged_hub(tmp_path: Path) -> Iterator[LoggedHub]:
    """``ketenhub --log-level debug web`` on a fresh embedded hub, as an operator starts it."""
    data_dir, log_file = tmp_path / "hub", tmp_path / "web.log"
    create_hub(data_dir)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    command = [sys.executable, "-m", "ketenhub", "--log-level", "debug", "web"]
    with log_file.open("wb") as log:
        server = subprocess.Popen(
            [*command, "--data-dir", str(data_dir), "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: _answers(f"{url}/health"), "ketenhub web to serve")
            yield LoggedHub(PagesHub(WebHub(data_dir, url, "embedded")), log_file)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def test_a_day_planned_with_addresses_is_visited_from_a_phone_and_erased_when_closed(
    logged_hub: LoggedHub, screens: Callable[..., Screen]
) -> None:
    """Planned on the web, shown to the team only, visited offline with a note, sent online; closing shreds them."""
    _plan_visit_and_close(logged_hub.pages, screens)
    logs = logged_hub.log_file.read_text(encoding="utf-8")
    _scan_for_clear_texts(logged_hub.pages.web.data_dir, logs)


def _plan_visit_and_close(pages_hub: PagesHub, screens: Callable[..., Screen]) -> None:
    day = _plan_with_addresses(pages_hub, screens)
    first, second = day.planned_addresses

    outsider = screens(pages_hub, phone=True, label="nla")
    outsider.sign_in(pages_hub.user("nla"))
    outsider.goto("/veld/dagen.json")
    assert (
        FIRST not in outsider.page.content() and day.control_day_id not in outsider.page.content()
    )

    screen = screens(pages_hub, phone=True, label="heit")
    screen.sign_in(pages_hub.user("heit"))
    screen.goto("/veld/")
    page = screen.page
    expect(page.locator("#dag")).to_have_value(day.control_day_id)
    expect(page.locator("#adressen li")).to_have_text(
        [
            f"{FIRST} (gebied 2271) {DASH} nog te bezoeken",
            f"{SECOND} (gebied 2264) {DASH} nog te bezoeken",
        ]
    )
    expect(page.get_by_label("Gepland adres")).to_have_value(first.address)
    expect(page.get_by_label("Adres (wordt gepseudonimiseerd)")).to_be_hidden()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    screen.shot("adressen")

    page.context.set_offline(True)
    expect(page.locator("#verbinding")).to_contain_text("Geen verbinding")
    page.locator("#bevindingen").get_by_label("Overbewoning", exact=True).check()
    page.get_by_label("Aangetroffen personen").fill("2")
    page.get_by_label("Notitie bij het bezoek").fill(NOTE)
    page.get_by_role("button", name="Bezoek bewaren").click()
    expect(page.locator("#wachtend-aantal")).to_have_text("1")
    expect(page.locator("#adressen li").first).to_contain_text("bezocht")
    expect(page.get_by_label("Gepland adres")).to_have_value(second.address)
    screen.shot("offline-bezoek")
    page.reload()  # offline: the shell from the service worker, the days from this user's copy
    expect(page.locator("#wachtend-aantal")).to_have_text("1")
    expect(page.locator("#adressen li").nth(1)).to_contain_text(SECOND)
    cached = page.evaluate(CACHED_URLS)
    assert any(url.endswith("/veld/") for url in cached), cached
    assert not [url for url in cached if "dagen" in url], "the service worker caches no day list"
    assert not [e for e in pages_hub.sealed_events() if isinstance(e, m.ControlVisitLogged)]

    page.context.set_offline(False)
    expect(page.locator("#wachtend-aantal")).to_have_text("0", timeout=30_000)
    expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(1)
    expect(page.locator("#bezoeken li")).to_have_count(1)
    expect(page.locator("#bezoeken li").first).to_contain_text(f"{FIRST}, gebied 2271")
    expect(page.locator("#bezoeken li").first).to_contain_text(f"Notitie: {NOTE}")
    screen.shot("online-verstuurd")

    (visit,) = [e for e in pages_hub.sealed_events() if isinstance(e, m.ControlVisitLogged)]
    assert isinstance(visit, m.ControlVisitLogged) and visit.note is not None
    assert (visit.address, visit.area_code) == (first.address, "2271")
    assert visit.finding_codes == ["OVERCROWDING"] and visit.people_encountered == 2
    protector = HubFolder(pages_hub.web.data_dir).protector()
    try:
        assert protector.decrypt(visit.note, associated_data("ControlVisitLogged", "note")) == NOTE

        page.get_by_role("button", name="Controledag afsluiten").click()
        expect(page.locator("#verstuurd li[data-status='sealed']")).to_have_count(2)
        expect(page.locator("#dag option")).to_have_text(["Geen open controledag"])
        expect(page.locator("#adressen li")).to_have_text(["Geen geplande adressen."])
        screen.shot("dag-gesloten")
        screen.goto("/veld/dagen.json")
        assert FIRST not in page.content() and SECOND not in page.content()
        bound = associated_data("ControlDayPlanned", PLANNED_ADDRESS_FIELD)
        assert protector.decrypt(first.display, bound) == ERASED
        assert protector.decrypt(second.display, bound) == ERASED
    finally:
        protector.close()


def test_after_signing_out_the_phone_shows_no_address_even_offline(
    pages_hub: PagesHub, screens: Callable[..., Screen]
) -> None:
    """Signed out, the phone taken offline: the field app shows nobody the day's addresses it kept."""
    _plan_with_addresses(pages_hub, screens)
    screen = screens(pages_hub, phone=True, label="team")
    screen.sign_in(pages_hub.user("heit"))
    screen.goto("/veld/")
    page = screen.page
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("#adressen li")).to_have_count(2)
    expect(page.locator("#adressen")).to_contain_text(FIRST)
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Aanmelden")).to_be_visible()

    kept = page.evaluate(KEPT_DAY_LISTS)
    assert FIRST not in kept and SECOND not in kept, "the phone keeps no day list once signed out"
    page.context.set_offline(True)
    try:
        page.goto(f"{pages_hub.url}/veld/")
    except PlaywrightError:  # no page at all offline is just as good
        return
    page.wait_for_load_state()
    assert FIRST not in page.content() and SECOND not in page.content()
