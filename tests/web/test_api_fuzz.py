"""A property-based fuzz of the API from its own OpenAPI document: no 5xx, no answer outside the document.

Schemathesis generates requests for every operation (valid and invalid parameters and
bodies) against the app over a hub holding the demo year, with a coordinator's token, and
checks each answer: no server error, a documented status code and content type, a body
that matches the documented schema, the documented headers. The view stream is fuzzed too:
schemathesis reads its first events and checks each against the documented event schema.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ketenhub.hub_folder import HubFolder
from ketenhub.web.server import build_app
from ketenhub.web.tokens import TokenStore
from tests.web.conftest import web_settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hub holding the synthetic demo year (made by `ketenhub demo`)."""
    data_dir = tmp_path_factory.mktemp("fuzz") / "hub"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    subprocess.run(
        [sys.executable, "-m", "ketenhub", "demo", "--data-dir", str(data_dir)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return data_dir


@pytest.fixture(scope="module")
def fuzzed_app(demo_hub: Path) -> Iterator[FastAPI]:
    """The web app over the demo hub."""
    app = build_app(demo_hub, web_settings(demo_hub))
    try:
        yield app
    finally:
        app.state.web.hub.close()


@pytest.fixture(scope="module")
def coordinator_token(demo_hub: Path) -> str:
    """A token of the coordinator, who sees every case."""
    return TokenStore(demo_hub).add(HubFolder(demo_hub).registry(), "municipality").token


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: FastAPI) -> schemathesis.BaseSchema:
    """The API's own OpenAPI document, as the app serves it."""
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzzed_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_every_generated_request_as_documented(
    case: schemathesis.Case, coordinator_token: str
) -> None:
    """Every generated request gets a documented, well-formed answer, never a server error."""
    case.call_and_validate(headers={"Authorization": f"Bearer {coordinator_token}"}, checks=CHECKS)
