"""A client's access to the broker, checked in a second: its login, and a topic it wants to use.

kafka-python hides both refusals. Its clients retry a refused SASL login until their bootstrap
timeout (30 s) and then say only "Unable to bootstrap"; one aiokafka connection, which
authenticates first and raises on a refusal, answers at once. And its consumers treat a topic
they may not read like one that does not exist (no partitions, empty polls); a Metadata request
for that one topic tells the two apart: TOPIC_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_OR_PARTITION
or the topic.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.conn import create_conn
from aiokafka.errors import KafkaConnectionError, SaslAuthenticationFailed
from aiokafka.protocol.metadata import MetadataRequest

from ketenhub.runtime.kafka.errors import (
    TOPIC_AUTHORIZATION_FAILED,
    AuthenticationRefused,
    BrokerUnreachable,
    NotAuthorized,
    TopicNotFound,
)
from ketenhub.runtime.kafka.settings import KafkaSettings

TIMEOUT_S = 10.0
UNKNOWN_TOPIC_OR_PARTITION = 3


def check_login(settings: KafkaSettings, timeout_s: float = TIMEOUT_S) -> None:
    """Log in to a bootstrap server and ask for metadata; raise ``BrokerAccessError`` if refused.

    A wrong user name or password raises ``AuthenticationRefused``; so does a client without
    credentials that a SASL-only broker disconnects. ``BrokerUnreachable`` when no server answers.
    """
    asyncio.run(_metadata(settings, [], timeout_s))


def check_topic(
    settings: KafkaSettings, topic: str, operation: str = "read", timeout_s: float = TIMEOUT_S
) -> None:
    """Raise ``NotAuthorized`` if this client may not see ``topic``, ``TopicNotFound`` if it is missing.

    Kafka answers "not authorized" for a topic the client may not describe whether or not it
    exists, so a partner learns nothing about other partners' topics.
    """
    response = asyncio.run(_metadata(settings, [topic], timeout_s))
    codes = {_name(entry): entry[0] for entry in response.topics}
    user = settings.sasl_username if "sasl_mechanism" in settings.client_config() else None
    if codes.get(topic) == TOPIC_AUTHORIZATION_FAILED:
        raise NotAuthorized(user, operation, f"topic {topic!r}")
    if codes.get(topic, UNKNOWN_TOPIC_OR_PARTITION) == UNKNOWN_TOPIC_OR_PARTITION:
        raise TopicNotFound(topic, settings.kafka_bootstrap)


def _name(entry: tuple[object, ...]) -> str:
    """The topic name of a Metadata response entry (error code, name, ...)."""
    return str(entry[1])


async def _metadata(settings: KafkaSettings, topics: list[str], timeout_s: float) -> Any:
    """Log in to the first bootstrap server that answers and send one Metadata request."""
    config = settings.client_config()
    user = settings.sasl_username if "sasl_mechanism" in config else None
    options = {k: v for k, v in config.items() if k != "bootstrap_servers"}
    failures: list[str] = []
    for server in settings.kafka_bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            async with asyncio.timeout(timeout_s):
                conn = await create_conn(host, int(port), client_id="ketenhub-login", **options)
        except SaslAuthenticationFailed as exc:
            raise AuthenticationRefused(user, server, "wrong user name or password") from exc
        except (OSError, TimeoutError, KafkaConnectionError) as exc:
            failures.append(f"{server}: {exc or 'no answer within the timeout'}")
            continue
        try:
            async with asyncio.timeout(timeout_s):  # a SASL listener drops anonymous clients
                return await conn.send(MetadataRequest(topics, allow_auto_topic_creation=False))
        except KafkaConnectionError as exc:
            raise AuthenticationRefused(user, server, "it closed the connection") from exc
        finally:
            conn.close()
    raise BrokerUnreachable(settings.kafka_bootstrap, "; ".join(failures))
