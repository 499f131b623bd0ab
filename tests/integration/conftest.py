"""Fixtures for tests against a real Kafka broker: one per session, or KETENHUB_KAFKA_BOOTSTRAP."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BROKER_SCRIPT = REPO_ROOT / "dev" / "kafka" / "broker.py"
BOOTSTRAP_ENV = "KETENHUB_KAFKA_BOOTSTRAP"


@dataclass(frozen=True)
class Credentials:
    """A SCRAM user of the SASL test broker; names and passwords are synthetic."""

    username: str
    password: str

    @property
    def principal(self) -> str:
        """The ACL principal of this user, ``User:<name>``."""
        return f"User:{self.username}"


HUB = Credentials("ketenhub-hub", "hub-synthetic-secret-1")
PARTNERS = (
    Credentials("partner-alpha", "alpha-synthetic-secret-1"),
    Credentials("partner-beta", "beta-synthetic-secret-1"),
)


@dataclass(frozen=True)
class SaslBroker:
    """A running SASL_PLAINTEXT/SCRAM-SHA-512 broker with ACLs, the hub super user and partners."""

    bootstrap: str
    security_protocol: str
    sasl_mechanism: str
    hub: Credentials
    partners: tuple[Credentials, ...]

    def client_config(self, user: Credentials) -> dict[str, str]:
        """Keyword arguments that log a kafka-python or aiokafka client in as ``user``."""
        return {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism,
            "sasl_plain_username": user.username,
            "sasl_plain_password": user.password,
        }


def load_broker_module() -> ModuleType:
    """Import ``dev/kafka/broker.py`` by path: a stdlib-only script, not a package."""
    name = "ketenhub_dev_kafka_broker"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BROKER_SCRIPT)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the broker script {BROKER_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _start(broker: Any) -> str:
    """Start ``broker`` or fail the requesting test with the reason (never skip)."""
    try:
        return str(broker.start())
    except Exception as exc:
        pytest.fail(f"the local Kafka broker ({BROKER_SCRIPT}) did not start: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def kafka_sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SaslBroker]:
    """A second, SASL-enabled local broker, started on first request (always local, never env)."""
    users = {user.username: user.password for user in (HUB, *PARTNERS)}
    broker = load_broker_module().LocalKafkaBroker(
        tmp_path_factory.mktemp("kafka-sasl"),
        scram_users=users,
        super_users=[HUB.username],
        stop_timeout=5.0,  # thrown away with the session: then SIGKILL
    )
    try:
        bootstrap = _start(broker)
        yield SaslBroker(bootstrap, broker.security_protocol, broker.sasl_mechanism, HUB, PARTNERS)
    finally:
        broker.stop()
