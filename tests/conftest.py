"""Settings and fixtures shared by every test: structured logs at WARNING, so test output
stays readable, and the session's one Kafka broker (started on first request) with unique
names for what each test creates on it."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest

from ketenhub.observability import configure_logging
from tests.integration.conftest import BOOTSTRAP_ENV, _start, load_broker_module

configure_logging("WARNING")


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bootstrap address of KETENHUB_KAFKA_BOOTSTRAP, else of a broker started for the session."""
    external = os.environ.get(BOOTSTRAP_ENV, "").strip()
    if external:
        yield external
        return
    broker = load_broker_module().LocalKafkaBroker(tmp_path_factory.mktemp("kafka"))
    try:
        yield _start(broker)
    finally:
        broker.stop()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A topic/group name no other test uses: the test's name plus a uuid suffix."""
    stem = re.sub(r"[^A-Za-z0-9-]+", "-", request.node.name).strip("-")[:60]
    return f"{stem}-{uuid.uuid4().hex[:12]}"
