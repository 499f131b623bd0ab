"""docker-compose.yml is consistent: services, ports, volumes, dependencies and the Kafka pin."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
POM = REPO_ROOT / "dev" / "kafka" / "pom.xml"


def published_port(spec: Any) -> str:
    """The host port of one ``ports`` entry, short (``[ip:]host:container``) or long syntax."""
    if isinstance(spec, dict):
        return str(spec.get("published", ""))
    parts = str(spec).split("/")[0].rsplit(":", 2)
    return parts[-2] if len(parts) >= 2 else ""  # a lone container port gets a random host port


def volume_source(spec: Any) -> tuple[str, str]:
    """The (type, source) of one service ``volumes`` entry, short or long syntax."""
    if isinstance(spec, dict):
        return str(spec.get("type", "volume")), str(spec.get("source", ""))
    source = str(spec).split(":")[0]
    is_path = source.startswith((".", "/", "~")) or "/" in source
    return ("bind" if is_path else "volume"), source


def pinned_kafka_version() -> str:
    """``<kafka.version>`` from dev/kafka/pom.xml."""
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = ET.parse(POM).getroot().findtext("m:properties/m:kafka.version", namespaces=namespace)
    assert version, f"{POM} has no <properties><kafka.version>"
    return version


def test_kafka_and_hub_services_are_defined() -> None:
    """The broker, the hub worker and the hub's HTTP service are all defined."""
    assert {"kafka", "hub-worker", "hub-http"} <= set(SERVICES)


def test_published_ports_are_numeric_and_unique() -> None:
    """Every published host port is an explicit number, and no two services share one."""
    ports = [published_port(spec) for svc in SERVICES.values() for spec in svc.get("ports", [])]
    assert ports
    assert all(port.isdigit() for port in ports), ports
    assert len(ports) == len(set(ports)), ports


def test_named_volumes_are_declared() -> None:
    """Every named volume a service mounts is declared under the top-level ``volumes``."""
    declared = set(COMPOSE.get("volumes") or {})
    used = {
        source
        for service in SERVICES.values()
        for kind, source in map(volume_source, service.get("volumes", []))
        if kind == "volume"
    }
    assert used
    assert used <= declared, used - declared


def test_dependencies_name_existing_services() -> None:
    """``depends_on`` only names services defined in the same file."""
    for name, service in SERVICES.items():
        assert set(service.get("depends_on", [])) <= set(SERVICES) - {name}, name


def test_kafka_image_matches_the_pinned_version() -> None:
    """The apache/kafka image tag equals the Kafka version pinned for the local broker."""
    repository, _, tag = SERVICES["kafka"]["image"].rpartition(":")
    assert (repository, tag) == ("apache/kafka", pinned_kafka_version())


def test_hub_services_use_the_broker_advertised_to_containers() -> None:
    """The hub's --kafka address is the listener the broker advertises inside the network."""
    advertised = SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    addresses = {listener.split("://")[1] for listener in advertised.split(",")}
    for name in ("hub-worker", "hub-http"):
        match = re.search(r"--kafka[ =]([^\s\"']+)", SERVICES[name]["command"])
        assert match, f"{name} has no --kafka"
        assert match.group(1) in addresses, name
