"""Authentication and limits: 401 for any missing or bad token, 429 over a token's rate, the API's headers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.web.conftest import WebHub, serve_embedded

ROUTES = (
    ("GET", "/api/v1/cases"),
    ("GET", "/api/v1/cases/case-1"),
    ("GET", "/api/v1/rejections"),
    ("GET", "/api/v1/views/stream"),
    ("GET", "/api/v1/checkpoints"),
    ("GET", "/api/v1/checkpoints/latest"),
    ("GET", "/api/v1/consistency-proofs?old_size=0&new_size=0"),
    ("GET", "/api/v1/decisions/00000000-0000-0000-0000-000000000001"),
    ("POST", "/api/v1/events"),
)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Basic cG9saWNlOnBvbGljZQ==",
        "Bearer khp_tok-000000000000_" + "A" * 43,
        "Bearer not-a-token",
        "Bearer khp_",
        "Bearer khp_tok-_x",
    ],
)
def test_every_partner_route_answers_401_without_a_valid_token(
    embedded_web_hub: WebHub, authorization: str | None
) -> None:
    """No token, another scheme, an unknown or malformed token: the same 401 problem on every route."""
    headers = {} if authorization is None else {"Authorization": authorization}
    with embedded_web_hub.client() as client:
        for method, path in ROUTES:
            response = client.request(
                method, path, headers=headers, json={"type": "SignalReceived"}
            )
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"] == "urn:ketenhub:problem:unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_another_hub_does_not_open_this_one(tmp_path: Path) -> None:
    """A valid token of one data folder is unknown to another hub."""
    with serve_embedded(tmp_path / "one") as one, serve_embedded(tmp_path / "two") as two:
        token = one.token("police")
        with httpx.Client(base_url=two.url, headers={"Authorization": f"Bearer {token}"}) as client:
            assert client.get("/api/v1/cases").status_code == 401
        with one.client("police") as client:
            assert client.get("/api/v1/cases").status_code == 200


def test_a_token_over_its_rate_gets_429_with_retry_after(tmp_path: Path) -> None:
    """With a burst of 3, the fourth quick request is refused and says when to retry; other tokens go on."""
    with serve_embedded(tmp_path / "hub", web_token_burst=3, web_token_rate_per_s=0.01) as hub:
        with hub.client("police") as police:
            codes = [police.get("/api/v1/cases").status_code for _ in range(4)]
            refused = police.get("/api/v1/cases")
        assert codes == [200, 200, 200, 429]
        assert refused.json()["type"] == "urn:ketenhub:problem:rate-limited"
        assert int(refused.headers["Retry-After"]) >= 1
        with hub.client("heit") as other:
            assert other.get("/api/v1/cases").status_code == 200


def test_api_responses_carry_the_api_version_and_unknown_paths_are_problems(
    embedded_web_hub: WebHub,
) -> None:
    """API-Version on every API answer; an unknown path is a 404 problem, a wrong method a 405 problem."""
    with embedded_web_hub.client("police") as police:
        cases = police.get("/api/v1/cases")
        unknown = police.get("/api/v1/nothing-here")
        wrong_method = police.delete("/api/v1/cases")
    assert cases.headers["API-Version"] == "1.0.0"
    assert unknown.status_code == 404 and unknown.json()["type"] == "urn:ketenhub:problem:not-found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["type"] == "urn:ketenhub:problem:method-not-allowed"
