"""A clear identifier in a URL: no answer of the API or the pages repeats it, and the pages answer in HTML."""

from __future__ import annotations

import re

import httpx
import pytest

from ketenhub.hub_folder import HubFolder
from ketenhub.web.users import UserStore
from tests.web.conftest import WebHub

SYNTHETIC_BSN = "111222333"  # passes the eleven-test; nobody's
SYNTHETIC_MAIL = "jan.synthetisch@example.org"
SYNTHETIC_PHONE = "0612345678"
CLEAR = (SYNTHETIC_BSN, SYNTHETIC_MAIL, SYNTHETIC_PHONE, "111.222.333", "jan.synthetisch")
PASSWORD = "proef-wachtwoord-voor-tests"

API_REQUESTS = [
    ("GET", f"/api/v1/cases/{SYNTHETIC_BSN}"),  # an id of the right form: 404 for it
    ("GET", f"/api/v1/cases/case-{SYNTHETIC_PHONE}"),
    ("GET", f"/api/v1/cases/{SYNTHETIC_MAIL}"),  # not an id: 400
    ("GET", "/api/v1/cases/111.222.333"),
    ("GET", f"/api/v1/no-such-thing/{SYNTHETIC_MAIL}"),  # no route: 404
    ("DELETE", f"/api/v1/cases/{SYNTHETIC_BSN}"),  # a method not allowed: 405
    ("GET", f"/api/v1/decisions/{SYNTHETIC_BSN}"),  # not a uuid: 400
]


@pytest.mark.parametrize(("method", "path"), API_REQUESTS)
def test_an_api_problem_never_repeats_a_clear_identifier_from_the_path(
    embedded_web_hub: WebHub, method: str, path: str
) -> None:
    """A BSN, e-mail address or phone number in the path: a problem document that does not repeat it."""
    with embedded_web_hub.client("police") as police:
        answer = police.request(method, path)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    for clear in CLEAR:
        assert clear not in answer.text, (path, answer.text)


def _signed_in(hub: WebHub, partner: str) -> httpx.Client:
    name = f"{partner}-medewerker"
    UserStore(hub.data_dir).add(HubFolder(hub.data_dir).registry(), partner, name, PASSWORD)
    client = httpx.Client(base_url=hub.url, timeout=30)
    signed = client.post("/aanmelden", data={"name": name, "password": PASSWORD})
    assert signed.status_code == 303, signed.text
    return client


PAGE_PATHS = [
    f"/zaken/{SYNTHETIC_MAIL}",  # not a case id
    f"/zaken/{SYNTHETIC_BSN}",  # a case id of the right form that is nobody's case
    f"/zaken/case-{SYNTHETIC_BSN}/nergens",
    f"/dashboard?jaar={SYNTHETIC_BSN}",
    f"/niets/{SYNTHETIC_PHONE}",
]


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_a_page_with_a_clear_identifier_in_its_url_answers_an_html_page_without_it(
    embedded_web_hub: WebHub, path: str
) -> None:
    """The pages answer a bad or unknown URL with their own HTML error page, not repeating what the URL held."""
    browser = _signed_in(embedded_web_hub, "municipality")
    try:
        answer = browser.get(path)
    finally:
        browser.close()
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("text/html"), answer.text
    assert re.search(r"<html", answer.text)
    for clear in CLEAR:
        assert clear not in answer.text, (path, answer.text)


def test_a_read_report_naming_a_bsn_as_case_is_refused_without_repeating_it(
    embedded_web_hub: WebHub,
) -> None:
    """A case id of the right form that holds a BSN, reported as read: 404, and the BSN is not repeated."""
    with embedded_web_hub.client("police") as police:
        answer = police.post(
            "/api/v1/reads", json={"operation": "sdk.views", "case_ids": [SYNTHETIC_BSN]}
        )
    assert answer.status_code == 404, answer.text
    assert SYNTHETIC_BSN not in answer.text


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(
    embedded_web_hub: WebHub,
) -> None:
    """`ketenhub users password` (the old one leaked): a session opened with the old one ends at its next request."""
    browser = _signed_in(embedded_web_hub, "police")
    try:
        assert browser.get("/zaken").status_code == 200
        UserStore(embedded_web_hub.data_dir).set_password(
            "police-medewerker", "een-nieuw-wachtwoord"
        )
        answer = browser.get("/zaken")
        assert answer.status_code == 303 and "/aanmelden" in answer.headers["location"]
    finally:
        browser.close()
    again = httpx.post(
        f"{embedded_web_hub.url}/aanmelden",
        data={"name": "police-medewerker", "password": "een-nieuw-wachtwoord"},
    )
    assert again.status_code == 303 and "/zaken" in again.headers["location"]
