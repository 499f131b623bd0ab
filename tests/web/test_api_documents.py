"""The OpenAPI 3.1 document and the docs page: generated from the code, served by the hub itself."""

from __future__ import annotations

import re

from ketenhub.web.problems import PROBLEM_TYPES
from tests.web.conftest import WebHub


def test_the_openapi_document_is_3_1_with_plural_versioned_resources(
    embedded_web_hub: WebHub,
) -> None:
    """Every path is under /api/v1 and names plural resources; errors are problem+json; tokens are bearer."""
    with embedded_web_hub.client() as client:
        document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    paths = set(document["paths"])
    assert paths == {
        "/api/v1/events",
        "/api/v1/decisions/{event_id}",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/views/stream",
        "/api/v1/rejections",
        "/api/v1/checkpoints",
        "/api/v1/checkpoints/latest",
        "/api/v1/consistency-proofs",
        "/api/v1/website-reports",
        "/api/v1/pseudonyms",
        "/api/v1/case-subjects",
        "/api/v1/encryptions",
        "/api/v1/event-ids",
        "/api/v1/digests",
        "/api/v1/hub-proofs",
        "/api/v1/reads",
    }
    for path in paths:
        first = path.split("/")[3]
        assert first.endswith("s"), path
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s >= "400"}
            assert errors, (method, path)
            for status, response in errors.items():
                assert list(response["content"]) == ["application/problem+json"], (path, status)
            assert (
                "422" not in operation["responses"]
                or path in ("/api/v1/events", "/api/v1/encryptions", "/api/v1/event-ids")
                or "website" in path
            )
    schemes = document["components"]["securitySchemes"]
    assert schemes["partnerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["partnerToken"]["description"],
    }
    assert "security" not in document["paths"]["/api/v1/website-reports"]["post"]


def test_the_docs_page_is_self_contained(embedded_web_hub: WebHub) -> None:
    """The docs page lists every operation and problem type and loads nothing from elsewhere."""
    with embedded_web_hub.client() as client:
        page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "/api/v1/events" in html and "/api/v1/consistency-proofs" in html
    for kind in PROBLEM_TYPES:
        assert kind.uri in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
