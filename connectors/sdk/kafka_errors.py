"""Kafka's errors as the SDK's: a broker refusal as ``BrokerAccessError``, the rest as ``TransportError``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kafka.errors import KafkaError

from connectors.sdk.errors import TransportError
from ketenhub.runtime.kafka.errors import translate
from ketenhub.runtime.kafka.settings import KafkaSettings


def login_of(settings: KafkaSettings) -> str | None:
    """The SASL user this client logs in as, if it logs in."""
    return settings.sasl_username if "sasl_mechanism" in settings.client_config() else None


@contextmanager
def translated(
    settings: KafkaSettings, operation: str, *, topic: str | None = None, group: str | None = None
) -> Iterator[None]:
    """Turn kafka-python's errors into Ketenhub's, naming the user, operation and resource."""
    try:
        yield
    except KafkaError as exc:
        refusal = translate(
            exc,
            user=login_of(settings),
            operation=operation,
            topic=topic,
            group=group,
            bootstrap=settings.kafka_bootstrap,
        )
        if refusal is not None:
            raise refusal from exc
        where = f" topic {topic}" if topic else ""
        msg = f"Kafka at {settings.kafka_bootstrap}: could not {operation}{where}: {type(exc).__name__}: {exc}"
        raise TransportError(msg) from exc
