"""Partner identities on the SASL/SCRAM broker with ACLs: provisioning, refusals, and the hub at work."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.conn import create_conn
from aiokafka.protocol.metadata import MetadataRequest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ACLFilter, ACLOperation, ACLPermissionType, ResourcePatternFilter
from kafka.admin import ACLResourcePatternType as PatternType
from kafka.admin import ResourceType as Kind
from pydantic import SecretStr

from ketenhub.config import load_registry
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.partners import PartnerRegistry
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.kafka.access import check_login, check_topic
from ketenhub.runtime.kafka.client import KafkaHub
from ketenhub.runtime.kafka.errors import AuthenticationRefused, NotAuthorized, broker_access
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.provisioning import ProvisioningReport, provision
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames
from tests.integration.conftest import SaslBroker
from tests.integration.hub_harness import HubUnderTest, wait_for, wait_until_checkpointed
from tests.unit.synthetic import Story

pytestmark = pytest.mark.kafka
WAIT_S = 30.0


@dataclass(frozen=True)
class Provisioned:
    """The registry's partners provisioned on the SASL broker under this module's prefixes."""

    broker: SaslBroker
    name: str
    registry: PartnerRegistry
    passwords: dict[str, str]
    first: ProvisioningReport
    second: ProvisioningReport

    @property
    def names(self) -> TopicNames:
        return TopicNames(f"{self.name}.")

    def user(self, partner: str) -> str:
        return f"{self.name}-{partner}"

    def settings(
        self, partner: str | None, password: str | None = None, data_dir: Path | None = None
    ) -> KafkaSettings:
        """Settings that log in as ``partner`` (the hub when None) with its password unless given."""
        user = self.broker.hub.username if partner is None else self.user(partner)
        secret = password or (
            self.broker.hub.password if partner is None else self.passwords[partner]
        )
        return KafkaSettings(
            kafka_bootstrap=self.broker.bootstrap,
            topic_prefix=self.names.prefix,
            sasl_username=user,
            sasl_password=SecretStr(secret),
            data_dir=data_dir or Path("ketenhub-data"),
        )

    def client_config(self, partner: str) -> dict[str, object]:
        return self.settings(partner).client_config()


@pytest.fixture(scope="module")
def provisioned(kafka_sasl_broker: SaslBroker) -> Provisioned:
    """Provision every registry partner twice, as the hub, with synthetic passwords."""
    name = f"acl-{uuid.uuid4().hex[:10]}"
    registry = load_registry()
    passwords = {p.id: f"{p.id}-synthetic-{uuid.uuid4().hex[:8]}" for p in registry.partners}
    hub = KafkaSettings(
        kafka_bootstrap=kafka_sasl_broker.bootstrap,
        topic_prefix=f"{name}.",
        sasl_username=kafka_sasl_broker.hub.username,
        sasl_password=SecretStr(kafka_sasl_broker.hub.password),
    )
    secrets = {k: SecretStr(v) for k, v in passwords.items()}
    first = provision(hub, registry, secrets, user_prefix=f"{name}-")
    second = provision(hub, registry, {}, user_prefix=f"{name}-")
    return Provisioned(kafka_sasl_broker, name, registry, passwords, first, second)


def test_provisioning_twice_creates_everything_once(provisioned: Provisioned) -> None:
    """The first run creates every user, topic and ACL; the second finds them all and changes nothing."""
    first, second, count = provisioned.first, provisioned.second, len(provisioned.registry.partners)
    assert len(first.users_created) == count and not first.users_present
    assert len(first.acls_created) == 9 * count and not first.acls_present
    assert provisioned.names.view("police") in first.topics_created
    assert provisioned.names.audit_log in first.topics_created
    assert not second.changed
    assert set(second.users_present) == set(first.users_created)
    assert set(second.topics_present) == set(first.topics_created)
    assert set(second.acls_present) == set(first.acls_created)
    assert second.acls_unexpected == ()


def test_the_provision_command_resets_passwords_from_a_secrets_file(
    provisioned: Provisioned, tmp_path: Path
) -> None:
    """`ketenhub partners provision --reset-passwords` sets every password again and creates nothing."""
    secrets = tmp_path / "partner-secrets.toml"
    lines = "".join(f'{k} = "{v}"\n' for k, v in provisioned.passwords.items())
    secrets.write_text(f"[passwords]\n{lines}", encoding="utf-8")
    secrets.chmod(0o600)
    hub = provisioned.broker.hub
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")} | {
        "KETENHUB_SASL_USERNAME": hub.username,
        "KETENHUB_SASL_PASSWORD": hub.password,
    }
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", "partners", "provision", "--kafka",
         provisioned.broker.bootstrap, "--secrets", str(secrets), "--reset-passwords",
         "--topic-prefix", provisioned.names.prefix, "--user-prefix", f"{provisioned.name}-",
         "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "passwords reset: " in done.stdout and provisioned.user("police") in done.stdout
    assert "topics 0 created" in done.stdout and "ACLs   0 created" in done.stdout
    assert not any(
        password in done.stdout + done.stderr for password in provisioned.passwords.values()
    )
    check_login(provisioned.settings("police"))


def visible_topics(provisioned: Provisioned, partner: str, topics: list[str]) -> set[str]:
    """The topics among ``topics`` the broker describes to ``partner`` (one Metadata request)."""
    host, _, port = provisioned.broker.bootstrap.rpartition(":")
    config = provisioned.client_config(partner)
    del config["bootstrap_servers"]

    async def ask() -> set[str]:
        conn = await create_conn(host, int(port), **config)
        try:
            response = await conn.send(MetadataRequest(topics))
        finally:
            conn.close()
        return {entry[1] for entry in response.topics if entry[0] == 0}

    return asyncio.run(ask())


def test_each_partner_sees_only_its_own_three_topics_and_the_checkpoints(
    provisioned: Provisioned,
) -> None:
    """Of all the hub's topics, a partner is shown only its ingest, view and rejected topic and audit.checkpoints."""
    names = provisioned.names
    every = list(provisioned.first.topics_created)
    for partner in provisioned.registry.partners:
        own = {names.ingest(partner.id), names.view(partner.id), names.rejected(partner.id)}
        own.add(names.checkpoints)
        assert visible_topics(provisioned, partner.id, every) == own


def test_no_acl_on_the_broker_reaches_the_audit_log_or_hub_topics(provisioned: Provisioned) -> None:
    """No ACL of any principal (literal, prefixed or wildcard) matches audit.log, hub.* or the
    access topics (access.intake too: only the hub's own readers send reads to its sealer)."""
    names = provisioned.names
    hub = provisioned.settings(None).client_config()
    admin = KafkaAdminClient(**hub)
    try:
        access = (names.access_log, names.access_checkpoints, names.access_intake)
        for topic in (names.audit_log, names.admitted, names.by_case, *access):
            pattern = ResourcePatternFilter(Kind.TOPIC, topic, PatternType.MATCH)
            query = ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, pattern)
            assert admin.describe_acls(query)[0] == []
    finally:
        admin.close()


def test_a_partner_cannot_read_the_audit_log_but_may_read_the_checkpoints(
    provisioned: Provisioned,
) -> None:
    """Reading audit.log as a partner is refused, naming the topic; audit.checkpoints is readable (to witness)."""
    police = provisioned.settings("police")
    topic = provisioned.names.audit_log
    with pytest.raises(NotAuthorized, match=f"not authorized to read topic '{topic}'"):
        check_topic(police, topic)
    check_topic(police, provisioned.names.checkpoints)


def test_a_partner_cannot_write_another_partners_ingest_topic(provisioned: Provisioned) -> None:
    """Police may write its own ingest topic; writing HEIT's is a clear authorization error naming the topic."""
    user, names = provisioned.user("police"), provisioned.names
    producer = KafkaProducer(
        acks="all", enable_idempotence=True, **provisioned.client_config("police")
    )
    try:
        own = producer.send(names.ingest("police"), value=b"not an event").get(timeout=WAIT_S)
        assert own.topic == names.ingest("police")
        with (
            pytest.raises(
                NotAuthorized, match=f"'{user}' is not authorized to write topic"
            ) as caught,
            broker_access(user, "write"),
        ):
            producer.send(names.ingest("heit"), value=b"not mine").get(timeout=WAIT_S)
    finally:
        producer.close()
    assert names.ingest("heit") in str(caught.value)


def test_a_partner_cannot_read_another_partners_view(provisioned: Provisioned) -> None:
    """Police reads its own view; HEIT's view is refused as not authorized, by the check and by a consumer."""
    user, names = provisioned.user("police"), provisioned.names
    police = provisioned.settings("police")
    check_topic(police, names.view("police"))
    with pytest.raises(
        NotAuthorized, match=f"'{user}' is not authorized to read topic '{names.view('heit')}'"
    ):
        check_topic(police, names.view("heit"))

    async def consume() -> None:
        consumer = AIOKafkaConsumer(
            names.view("heit"),
            group_id="partner-police-view",
            **provisioned.client_config("police"),
        )
        try:
            with broker_access(user, "read", topic=names.view("heit")):
                await consumer.start()
                await consumer.getmany(timeout_ms=5_000)
        finally:
            await consumer.stop()

    with pytest.raises(NotAuthorized, match=f"read topic '{names.view('heit')}'"):
        asyncio.run(consume())


def test_a_wrong_password_is_refused(provisioned: Provisioned) -> None:
    """A partner's user with a wrong password, or an unknown user, is refused at login at once."""
    wrong = provisioned.settings("police", password="not-the-password-1")
    with pytest.raises(AuthenticationRefused, match="wrong user name or password") as caught:
        check_login(wrong)
    assert provisioned.user("police") in str(caught.value)
    assert "not-the-password-1" not in str(caught.value)
    stranger = KafkaSettings(
        kafka_bootstrap=provisioned.broker.bootstrap,
        sasl_username=f"{provisioned.name}-nobody",
        sasl_password=SecretStr(provisioned.passwords["police"]),
    )
    with pytest.raises(AuthenticationRefused):
        check_login(stranger)
    check_login(provisioned.settings("police"))


def test_an_unauthenticated_client_gets_nothing(provisioned: Provisioned) -> None:
    """A PLAINTEXT client without credentials is disconnected before any metadata or record."""
    anonymous = KafkaSettings(kafka_bootstrap=provisioned.broker.bootstrap)
    with pytest.raises(AuthenticationRefused, match="without credentials"):
        check_login(anonymous)
    with pytest.raises(AuthenticationRefused):
        check_topic(anonymous, provisioned.names.view("police"))


@pytest.fixture
def sasl_hub(provisioned: Provisioned, tmp_path: Path) -> Iterator[HubUnderTest]:
    """A hub worker on the provisioned topics, logged in as the hub's super user."""
    HubFolder(tmp_path).keys.create()  # the key files partners and hub share in this test
    hub = provisioned.broker.hub
    under_test = HubUnderTest(
        provisioned.broker.bootstrap,
        tmp_path,
        provisioned.name,
        sasl_username=hub.username,
        sasl_password=hub.password,
    )
    under_test.start_worker()
    yield under_test
    under_test.stop_all()


def test_the_hub_on_the_sasl_broker_seals_what_a_partner_publishes(
    provisioned: Provisioned, sasl_hub: HubUnderTest
) -> None:
    """A partner publishes as itself; the hub (super user) seals it; the partner sees it in its own
    view topic (reading it through `ketenhub view` needs its partner folder, so that the hub
    records the read: tests/integration/test_partner_reads_kafka.py)."""
    partner, case = "municipal-staff", new_opaque_id("case")
    settings = provisioned.settings(partner, data_dir=sasl_hub.data_dir)
    with KafkaHub(settings) as client:
        client.publish(Story().signal(case=case, by=partner)).get(timeout=WAIT_S)
        wait_for(
            lambda: case in client.live_views(partner),
            120,
            "the partner's view",
            sasl_hub.worker_logs,
        )
    env = sasl_hub.env() | {
        "KETENHUB_SASL_USERNAME": provisioned.user(partner),
        "KETENHUB_SASL_PASSWORD": provisioned.passwords[partner],
    }
    shown = subprocess.run(
        [sys.executable, "-m", "ketenhub", "view", partner, "--kafka", sasl_hub.bootstrap,
         "--data-dir", str(sasl_hub.data_dir)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # with the hub's folder and its own login a partner cannot have the read recorded (only the
    # hub writes access.log): the read is refused, nothing shown, and the way named
    assert shown.returncode != 0, shown.stdout
    assert case not in shown.stdout
    assert "reads its views from its partner folder" in shown.stderr
    wait_until_checkpointed(sasl_hub)
    pinned = str(sasl_hub.data_dir / "keys" / "hub-signing-key.pub.pem")
    verified = subprocess.run(
        [sys.executable, "-m", "ketenhub", "verify", "--kafka", sasl_hub.bootstrap,
         "--data-dir", str(sasl_hub.data_dir), "--trusted-key", pinned],
        env=sasl_hub.env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "hash chain intact" in verified.stdout


def test_reading_a_forbidden_topic_through_the_hub_client_is_an_error_not_an_empty_view(
    provisioned: Provisioned,
) -> None:
    """The police reading HEIT's view or the audit log via KafkaLogReader get NotAuthorized, not silence."""
    with KafkaLogReader(provisioned.settings("police")) as reader:
        assert reader.partitions(provisioned.names.view("police"))  # its own view is there
        with pytest.raises(NotAuthorized, match="heit"):
            reader.latest_by_key(provisioned.names.view("heit"))
        with pytest.raises(NotAuthorized, match="audit"):
            list(reader.all_records(provisioned.names.audit_log))


@pytest.fixture
def own_sasl_hub(kafka_sasl_broker: SaslBroker, tmp_path: Path) -> Iterator[HubUnderTest]:
    """A hub worker on topics of its own (a prefix no other test shares) on the SASL broker."""
    hub = kafka_sasl_broker.hub
    under_test = HubUnderTest(
        kafka_sasl_broker.bootstrap,
        tmp_path,
        f"ret-{uuid.uuid4().hex[:10]}",
        sasl_username=hub.username,
        sasl_password=hub.password,
    )
    under_test.start_worker()
    under_test.wait_until_serving()
    yield under_test
    under_test.stop_all()


def test_retention_run_on_kafka_reads_the_prefixed_topics_with_the_hubs_login(
    own_sasl_hub: HubUnderTest,
) -> None:
    """`ketenhub retention run --kafka` with a topic prefix and a SASL login (from KETENHUB_
    settings, as every --kafka command takes them) reads the hub's own audit.log and erases the
    subjects of a closed case whose period has run; the open case's subject keeps its key."""
    sasl_hub = own_sasl_hub
    from ketenhub.json_events import event_from_json
    from tests.integration.test_kafka_retention import COORDINATOR, STAFF

    with sasl_hub.client() as client, KafkaLogReader(sasl_hub.settings) as reader:
        protector = client.protector
        for partner, lines in (("municipal-staff", STAFF), ("municipality", COORDINATOR)):
            sealed = reader.end_offset(sasl_hub.names.audit_log)
            for number, text in enumerate(lines, 1):
                parsed = event_from_json(text, number, partner, protector, registry=client.registry)
                client.publish(parsed.event)
            client.flush()
            wait_for(
                lambda: reader.end_offset(sasl_hub.names.audit_log) == sealed + len(lines),  # noqa: B023
                120,
                f"{len(lines)} more sealed records",
                sasl_hub.worker_logs,
            )
        erased = protector.pseudonym("synthetic-person-a")
        kept = protector.pseudonym("synthetic-person-b")
    wait_until_checkpointed(sasl_hub)
    pinned = str(sasl_hub.data_dir / "keys" / "hub-signing-key.pub.pem")
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", "retention", "run", "--kafka", sasl_hub.bootstrap,
         "--data-dir", str(sasl_hub.data_dir), "--trusted-key", pinned, "--as-of", "2023-01-01",
         "--yes"],
        env=sasl_hub.env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "case-kret-0001  expired 2022-02-03" in done.stdout
    assert f"  {erased}  retention: expired 2022-02-03" in done.stdout
    protector = HubFolder(sasl_hub.data_dir).protector()
    try:
        assert protector.erasure(erased) is not None
        assert protector.erasure(kept) is None and protector.has_key(kept)
    finally:
        protector.close()
