"""Settings and fixtures shared by every test: structured logs at WARNING, so test output
stays readable, and the session's one Kafka broker (started on first request) with unique
names for what each test creates on it.

`make test` runs the suite on two pytest-xdist workers with ``--dist loadgroup``: every test
on a Kafka broker is in the group ``kafka``, so one worker runs them all against the one
broker of its session while the other runs the rest; every other test is grouped by its
module, so a module's shared fixtures are set up once. The worker runs the other tests (and
the commands they start) at a lower CPU priority, so the Kafka tests, which wait on a broker
and worker processes, keep the pace they have when run alone."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator

import pytest

from ketenhub.observability import configure_logging
from tests.integration.conftest import BOOTSTRAP_ENV, _start, load_broker_module

configure_logging("WARNING")


KAFKA_GROUP = "kafka"
SESSION_BROKER_STOP_S = 5.0
KAFKA_FIXTURES = frozenset({"kafka_bootstrap", "kafka_sasl_broker"})
OTHER_TESTS_NICENESS = 10  # of an xdist worker while it runs a test that is not on Kafka


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the tests for ``--dist loadgroup``: the Kafka tests together, the rest by module."""
    for item in items:
        on_kafka = item.get_closest_marker("kafka") is not None or not KAFKA_FIXTURES.isdisjoint(
            getattr(item, "fixturenames", ())
        )
        group = KAFKA_GROUP if on_kafka else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """On an xdist worker: normal CPU priority for a Kafka test, lower for any other test.

    Processes and threads the test starts inherit it. Lowering the niceness again needs root
    (as in CI); where it is refused the worker keeps the lower priority.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    group = item.get_closest_marker("xdist_group")
    on_kafka = group is not None and group.args[:1] == (KAFKA_GROUP,)
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, 0 if on_kafka else OTHER_TESTS_NICENESS)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bootstrap address of KETENHUB_KAFKA_BOOTSTRAP, else of a broker started for the session."""
    external = os.environ.get(BOOTSTRAP_ENV, "").strip()
    if external:
        yield external
        return
    # thrown away with the session: a few seconds for a controlled shutdown, then SIGKILL
    broker = load_broker_module().LocalKafkaBroker(
        tmp_path_factory.mktemp("kafka"), stop_timeout=SESSION_BROKER_STOP_S
    )
    try:
        yield _start(broker)
    finally:
        broker.stop()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A topic/group name no other test uses: the test's name plus a uuid suffix."""
    stem = re.sub(r"[^A-Za-z0-9-]+", "-", request.node.name).strip("-")[:60]
    return f"{stem}-{uuid.uuid4().hex[:12]}"
