"""Browser tests of the pages: real headless Chromium (Debian's) driven by Playwright, axe-core for accessibility.

``chromium`` launches /usr/bin/chromium once per session (Playwright's own browser download
is not used). ``pages_hub`` is an embedded hub served by the web tier with one user per
partner that a test names (``PagesHub.user``). ``Screen`` signs a user in on a page, saves
screenshots of the main screens into tests/web/browser/screenshots/ (look at them) and
checks each screen with axe-core (no serious or critical violations). axe-core comes from
the npm registry (package.json here), installed into node_modules by ``npm ci``.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from ketenhub import topics
from ketenhub.codec.single_object import decode_event
from ketenhub.contract.base import Event
from ketenhub.core.sealing import decode_sealed
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.web.users import UserStore
from tests.web.conftest import WebHub, serve_embedded, wait_for_decision

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "proef-wachtwoord-voor-tests"
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry with ``npm ci`` when missing."""
    if not AXE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright, once per session."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium (``apt-get install chromium``; `make test` installs it)."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class PagesHub:
    """A hub served by the web tier, and the users made for its pages."""

    web: WebHub
    users: dict[str, str] = field(default_factory=dict)  # name -> partner

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.web.url

    def user(self, partner: str, name: str | None = None) -> str:
        """A user of ``partner`` (made once), by sign-in name."""
        name = name or f"{partner}-medewerker"
        if name not in self.users:
            registry = HubFolder(self.web.data_dir).registry()
            UserStore(self.web.data_dir).add(registry, partner, name, PASSWORD)
            self.users[name] = partner
        return name

    def publish(self, partner: str, fields: dict[str, Any]) -> str:
        """Publish one event through the API as ``partner``; return its id once it is sealed."""
        with self.web.client(partner) as client:
            response = client.post("/api/v1/events", json=fields)
            assert response.status_code == 202, response.text
            event_id: str = response.json()["event_id"]
            decision = wait_for_decision(client, event_id)
        assert decision["status"] == "sealed", decision
        return event_id

    def case(self, partner: str, case_id: str) -> dict[str, Any] | None:
        """The partner's view of a case through the API (None when it is not in the view)."""
        with self.web.client(partner) as client:
            response = client.get(f"/api/v1/cases/{case_id}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        view: dict[str, Any] = response.json()["view"]
        return view

    def sealed_events(self) -> list[Event]:
        """Every event of audit.log, in log order (read from the data folder)."""
        with EmbeddedHub(self.web.data_dir) as hub:
            records = list(hub.records(topics.AUDIT_LOG))
        return [decode_event(decode_sealed(r.value or b"", r.offset).payload) for r in records]


def make_pages_hub(data_dir: Path) -> Iterator[PagesHub]:
    """Serve the embedded hub in ``data_dir`` (created if missing) for the pages."""
    with serve_embedded(data_dir) as web:
        yield PagesHub(web)


@pytest.fixture
def pages_hub(tmp_path: Path) -> Iterator[PagesHub]:
    """A fresh embedded hub served by the web tier, for the pages."""
    yield from make_pages_hub(tmp_path / "hub")


@dataclass
class Screen:
    """One browser tab of a signed-in user: screenshots and accessibility checks of its screens."""

    page: Page
    test_name: str
    axe: str
    hub: PagesHub

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        """Sign in through the sign-in form."""
        self.page.goto(f"{self.hub.url}/aanmelden")
        self.page.get_by_label("Naam").fill(name)
        self.page.get_by_label("Wachtwoord").fill(password)
        self.page.get_by_role("button", name="Aanmelden").click()
        self.page.wait_for_load_state()

    def goto(self, path: str) -> None:
        """Open a page of the hub."""
        self.page.goto(f"{self.hub.url}{path}")

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot of the current screen and check it with axe-core."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.check_accessible(name)
        return path

    def check_accessible(self, name: str) -> None:
        """No serious or critical axe-core violation of WCAG 2.1 A/AA on the current screen."""
        self.page.evaluate(self.axe)
        result = self.page.evaluate(
            "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        )
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
        summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in blocking]
        assert not blocking, f"{name}: {json.dumps(summary)}"

    def flash(self) -> str:
        """The text of the messages on the current page."""
        return " ".join(self.page.locator(".flash").all_inner_texts())


@pytest.fixture
def screens(
    request: pytest.FixtureRequest, chromium: Browser, axe_source: str
) -> Iterator[Callable[..., Screen]]:
    """Make browser tabs (each in its own context, so its own cookies) for the test's hub."""
    contexts: list[BrowserContext] = []
    test_name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")

    def open_screen(hub: PagesHub, *, phone: bool = False, label: str = "") -> Screen:
        options: dict[str, Any] = {"locale": "nl-NL", "timezone_id": "Europe/Amsterdam"}
        if phone:
            options |= {"viewport": PHONE, "is_mobile": True, "has_touch": True}
        context = chromium.new_context(**options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        name = f"{test_name}-{label}" if label else test_name
        return Screen(context.new_page(), name, axe_source, hub)

    yield open_screen
    for context in contexts:
        context.close()


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
