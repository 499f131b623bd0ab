"""The local Kafka broker, as Ketenhub's clients see it: topics, both clients, SASL and ACLs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.conn import create_conn
from aiokafka.errors import SaslAuthenticationFailed
from aiokafka.protocol.metadata import MetadataRequest
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import TopicAuthorizationFailedError

from .conftest import Credentials, SaslBroker

pytestmark = pytest.mark.kafka

RECORDS = [(b"case-1", b"signal received"), (b"case-2", b"signal assessed"), (b"case-1", b"closed")]
WAIT_S = 30.0


@contextmanager
def admin_client(config: Mapping[str, Any]) -> Iterator[Any]:
    """A kafka-python admin client, closed afterwards."""
    admin = KafkaAdminClient(**config)
    try:
        yield admin
    finally:
        admin.close()


def create_topic(config: Mapping[str, Any], topic: str) -> None:
    """Create ``topic`` (one partition) explicitly and wait until it has a leader."""
    with admin_client(config) as admin:
        spec = {topic: {"num_partitions": 1, "replication_factor": 1}}
        admin.create_topics(spec, wait_for_metadata=True)


def produce_kafka_python(config: Mapping[str, Any], topic: str) -> None:
    """Send RECORDS with kafka-python and wait for every acknowledgement."""
    producer = KafkaProducer(acks="all", **config)
    try:
        for key, value in RECORDS:
            producer.send(topic, key=key, value=value).get(timeout=WAIT_S)
    finally:
        producer.close()


def consume_kafka_python(
    config: Mapping[str, Any], topic: str, group: str
) -> list[tuple[bytes, bytes]]:
    """Read len(RECORDS) records from the start of ``topic`` with kafka-python."""
    consumer = KafkaConsumer(
        topic, group_id=group, auto_offset_reset="earliest", enable_auto_commit=False, **config
    )
    received: list[tuple[bytes, bytes]] = []
    deadline = time.monotonic() + WAIT_S
    try:
        while len(received) < len(RECORDS) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1000).values():
                received += [(record.key, record.value) for record in batch]
    finally:
        consumer.close()
    return received


async def produce_aiokafka(config: Mapping[str, Any], topic: str) -> None:
    """Send RECORDS with aiokafka and wait for every acknowledgement."""
    producer = AIOKafkaProducer(acks="all", **config)
    await producer.start()
    try:
        for key, value in RECORDS:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


async def consume_aiokafka(
    config: Mapping[str, Any], topic: str, group: str
) -> list[tuple[bytes, bytes]]:
    """Read len(RECORDS) records from the start of ``topic`` with aiokafka."""
    consumer = AIOKafkaConsumer(
        topic, group_id=group, auto_offset_reset="earliest", enable_auto_commit=False, **config
    )
    await consumer.start()
    received: list[tuple[bytes, bytes]] = []
    try:
        async with asyncio.timeout(WAIT_S):
            while len(received) < len(RECORDS):
                for batch in (await consumer.getmany(timeout_ms=1000)).values():
                    received += [(record.key, record.value) for record in batch]
    finally:
        await consumer.stop()
    return received


def test_kafka_python_writes_what_aiokafka_reads(kafka_bootstrap: str, unique_name: str) -> None:
    """Records produced by kafka-python arrive in order, keys intact, at an aiokafka consumer."""
    config = {"bootstrap_servers": kafka_bootstrap}
    create_topic(config, unique_name)
    produce_kafka_python(config, unique_name)
    received = asyncio.run(consume_aiokafka(config, unique_name, f"{unique_name}-group"))
    assert received == RECORDS


def test_aiokafka_writes_what_kafka_python_reads(kafka_bootstrap: str, unique_name: str) -> None:
    """Records produced by aiokafka arrive in order, keys intact, at a kafka-python consumer."""
    config = {"bootstrap_servers": kafka_bootstrap}
    create_topic(config, unique_name)
    asyncio.run(produce_aiokafka(config, unique_name))
    assert consume_kafka_python(config, unique_name, f"{unique_name}-group") == RECORDS


def test_topics_are_not_created_on_first_use(kafka_bootstrap: str, unique_name: str) -> None:
    """A metadata request that allows auto-creation gets UNKNOWN_TOPIC_OR_PARTITION, no topic."""
    host, _, port = kafka_bootstrap.split(",")[0].rpartition(":")

    async def ask_metadata() -> Any:
        conn = await create_conn(host, int(port))
        try:
            return await conn.send(MetadataRequest([unique_name], allow_auto_topic_creation=True))
        finally:
            conn.close()

    response = asyncio.run(ask_metadata())
    assert [(topic[1], topic[0]) for topic in response.topics] == [(unique_name, 3)]
    with admin_client({"bootstrap_servers": kafka_bootstrap}) as admin:
        assert unique_name not in admin.list_topics()


def grant_write(broker: SaslBroker, user: Credentials, topic: str) -> None:
    """As the hub, create ``topic`` and let ``user`` write it; wait until the broker applies it."""
    allow, pattern = ACLPermissionType.ALLOW, ResourcePattern(ResourceType.TOPIC, topic)
    operations = (ACLOperation.WRITE, ACLOperation.DESCRIBE)
    acls = [ACL(user.principal, "*", operation, allow, pattern) for operation in operations]
    topic_filter = ResourcePatternFilter(ResourceType.TOPIC, topic, pattern.pattern_type)
    query = ACLFilter(user.principal, "*", ACLOperation.ANY, allow, topic_filter)
    config = broker.client_config(broker.hub)
    create_topic(config, topic)
    with admin_client(config) as admin:
        assert admin.create_acls(acls)["failed"] == []
        deadline = time.monotonic() + WAIT_S
        while len(admin.describe_acls(query)[0]) < len(acls) and time.monotonic() < deadline:
            time.sleep(0.1)


def test_partner_with_acl_writes_its_topic(kafka_sasl_broker: SaslBroker, unique_name: str) -> None:
    """A partner that the hub granted WRITE on its topic can publish to it over SCRAM."""
    alpha = kafka_sasl_broker.partners[0]
    grant_write(kafka_sasl_broker, alpha, unique_name)
    producer = KafkaProducer(acks="all", **kafka_sasl_broker.client_config(alpha))
    try:
        metadata = producer.send(unique_name, value=b"signal received").get(timeout=WAIT_S)
    finally:
        producer.close()
    assert (metadata.topic, metadata.offset) == (unique_name, 0)


def test_partner_without_acl_is_not_authorized(
    kafka_sasl_broker: SaslBroker, unique_name: str
) -> None:
    """A partner without an ACL on another partner's topic gets a topic authorization error."""
    alpha, beta = kafka_sasl_broker.partners
    grant_write(kafka_sasl_broker, alpha, unique_name)
    producer = KafkaProducer(acks="all", **kafka_sasl_broker.client_config(beta))
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send(unique_name, value=b"not mine").get(timeout=WAIT_S)
    finally:
        producer.close()


def test_wrong_password_fails_authentication(kafka_sasl_broker: SaslBroker) -> None:
    """A partner presenting a wrong password is refused with a SASL authentication error."""
    alpha = kafka_sasl_broker.partners[0]
    host, _, port = kafka_sasl_broker.bootstrap.rpartition(":")

    async def connect() -> None:
        conn = await create_conn(
            host,
            int(port),
            security_protocol=kafka_sasl_broker.security_protocol,
            sasl_mechanism=kafka_sasl_broker.sasl_mechanism,
            sasl_plain_username=alpha.username,
            sasl_plain_password=f"{alpha.password}-wrong",
        )
        conn.close()

    with pytest.raises(SaslAuthenticationFailed):
        asyncio.run(connect())
