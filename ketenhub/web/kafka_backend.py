"""The web tier's backend on a hub on Kafka (its topics materialised locally, followed live)."""

from __future__ import annotations

from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.web.backend import Backend


def KafkaBackend(settings: KafkaSettings) -> Backend:
    """Not there yet."""
    msg = "the Kafka backend of the web tier is not there yet"
    raise NotImplementedError(msg)
