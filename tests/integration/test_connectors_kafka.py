"""The connector SDK and connectors on a real Kafka broker: the same contract as on the embedded hub."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from connectors.anonymous_tips.drop_folder import import_folder
from connectors.sdk import PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from connectors.sdk.transport import Headers
from ketenhub.cli.main import cli
from ketenhub.codec.single_object import decode_event
from ketenhub.config import load_registry
from ketenhub.contract import models as m
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.partners import Partner
from ketenhub.core.sealing import decode_sealed
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.kafka.client import KafkaHub
from ketenhub.runtime.kafka.errors import AuthenticationRefused, NotAuthorized
from ketenhub.runtime.kafka.provisioning import provision
from ketenhub.runtime.kafka.settings import KafkaSettings
from tests.e2e.test_connectors_sdk import Connect, FreshStory, SdkContract
from tests.integration.conftest import SaslBroker
from tests.integration.hub_harness import HubUnderTest, wait_for

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def kafka_hub(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubUnderTest]:
    """One hub worker on uuid-named topics for this module's tests (each uses its own cases and groups)."""
    hub = HubUnderTest(
        kafka_bootstrap, tmp_path_factory.mktemp("connectors-hub"), f"conn-{uuid.uuid4().hex[:12]}"
    )
    # a worker never creates the hub's keys (`ketenhub init` does)
    HubFolder(hub.data_dir).keys.create()
    hub.start_worker()
    hub.wait_until_serving()
    yield hub
    hub.stop_all()


class TestKafkaSdk(SdkContract):
    """The SDK on Kafka: idempotent producer to ingest, views and rejections under the partner's groups."""

    @pytest.fixture
    def connect(self, name: str, kafka_hub: HubUnderTest) -> Iterator[Connect]:
        clients: list[PartnerClient] = []

        def make(partner: str, client_name: str | None = None) -> PartnerClient:
            transport = KafkaTransport(kafka_hub.settings)
            clients.append(PartnerClient(partner, transport, name=client_name or f"{name}-default"))
            return clients[-1]

        yield make
        for client in clients:
            client.close()


def run(hub: HubUnderTest, *args: str) -> Result:
    """Run ``ketenhub connector ARGS`` against the hub on Kafka, in this process."""
    where = [
        "--kafka",
        hub.bootstrap,
        "--topic-prefix",
        hub.settings.topic_prefix,
        "--data-dir",
        str(hub.data_dir),
        "--state-dir",
        str(hub.data_dir / "partner-state"),  # the partner's witness of the hub's checkpoints
    ]
    return CliRunner().invoke(cli, ["connector", *args, *where])


def sealed_signals(hub: HubUnderTest, cases: set[str]) -> list[str]:
    """The case ids of the sealed SignalReceived events of ``cases`` on the hub's audit.log."""
    with KafkaHub(hub.settings) as client:
        events = [
            decode_event(decode_sealed(r.value or b"", r.offset).payload)
            for r in client.records("audit.log")
        ]
    return [e.case_id for e in events if isinstance(e, m.SignalReceived) and e.case_id in cases]


class FailingKafkaTransport(KafkaTransport):
    """The Kafka transport, failing right after the broker stored the n-th message."""

    def __init__(self, settings: KafkaSettings, fail_at: int) -> None:
        super().__init__(settings)
        self.sends, self.fail_at = 0, fail_at

    def send(self, partner: Partner, value: bytes, headers: Headers) -> Any:
        sent = super().send(partner, value, headers)
        self.sends += 1
        if self.sends == self.fail_at:
            sent.result(60)
            raise ConnectionError("injected failure after the broker stored the message")
        return sent


def test_anonymous_tips_import_on_kafka_resumes_and_never_duplicates(
    kafka_hub: HubUnderTest, tmp_path: Path
) -> None:
    """On Kafka, an import that failed mid-file resumes; each tip is sealed once, a re-dropped file is skipped."""
    prefix = uuid.uuid4().hex[:8]
    tips = [
        {"tip_id": f"K{prefix}-{n}", "received_at": "2025-11-03T09:15:00+01:00", "exploitation_forms": ["LABOUR"],
         "area_code": "2261", "reporter_name": "Synthetic Reporter"}
        for n in range(1, 7)
    ]  # fmt: skip
    cases = {f"tip-k{prefix}-{n}" for n in range(1, 7)}
    drop = tmp_path / "drop"
    drop.mkdir()
    content = json.dumps(tips)
    (drop / "tips.json").write_text(content)
    failing = PartnerClient(
        "meld-misdaad-anoniem", FailingKafkaTransport(kafka_hub.settings, fail_at=3)
    )
    with pytest.raises(ConnectionError, match="injected"):
        import_folder(failing, drop)
    failing.close()
    done = run(kafka_hub, "anonymous-tips", str(drop))
    assert done.exit_code == 0, done.output
    assert "tips.json: resumed, 6 tip(s) stored (2 before the interruption, 4 now)" in done.stdout
    wait_for(
        lambda: len(sealed_signals(kafka_hub, cases)) >= 6,
        90,
        "six sealed tips",
        kafka_hub.worker_logs,
    )
    (drop / "again.json").write_text(content)
    assert (
        "again.json: already imported earlier" in run(kafka_hub, "anonymous-tips", str(drop)).stdout
    )
    assert sorted(sealed_signals(kafka_hub, cases)) == sorted(cases)


def test_police_acknowledge_on_kafka(kafka_hub: HubUnderTest) -> None:
    """The police connector on Kafka acknowledges a forward it finds in its view, once."""
    case = new_opaque_id("kafka")
    story = FreshStory()
    forward = story.forward(case, "police")
    with PartnerClient("municipality", KafkaTransport(kafka_hub.settings)) as coordinator:
        coordinator.publish_all(
            [
                story.signal(
                    case=case, by="municipality", channel="WEBSITE", reporter_role="CITIZEN"
                ),
                forward,
            ]
        )
    with PartnerClient("police", KafkaTransport(kafka_hub.settings)) as police:
        wait_for(
            lambda: case in police.snapshot(),
            90,
            "the forward in the police's view",
            kafka_hub.worker_logs,
        )
        done = run(kafka_hub, "police", "acknowledge")
        assert done.exit_code == 0, done.output
        assert f"acknowledged forward {forward.event_id} of case {case}" in done.stdout

        def acknowledged() -> bool:
            forwards = police.snapshot()[case].section("forwards")
            return "police" in forwards[str(forward.event_id)]["acknowledged"]

        wait_for(
            acknowledged, 90, "the acknowledgement in the police's view", kafka_hub.worker_logs
        )
    assert f"of case {case}" not in run(kafka_hub, "police", "acknowledge").stdout


@pytest.fixture(scope="module")
def sasl_hub(
    kafka_sasl_broker: SaslBroker, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., KafkaSettings]:
    """The registry's partners provisioned on the SASL broker; returns settings that log in as one of them."""
    name, folder = f"sdk-{uuid.uuid4().hex[:10]}", tmp_path_factory.mktemp("sasl-sdk")
    registry = load_registry()
    passwords = {p.id: f"{p.id}-synthetic-{uuid.uuid4().hex[:8]}" for p in registry.partners}
    hub = KafkaSettings(
        kafka_bootstrap=kafka_sasl_broker.bootstrap,
        topic_prefix=f"{name}.",
        sasl_username=kafka_sasl_broker.hub.username,
        sasl_password=SecretStr(kafka_sasl_broker.hub.password),
        data_dir=folder,
    )
    provision(
        hub, registry, {k: SecretStr(v) for k, v in passwords.items()}, user_prefix=f"{name}-"
    )

    def login(partner: str, password: str | None = None) -> KafkaSettings:
        secret = SecretStr(password or passwords[partner])
        return hub.model_copy(
            update={"sasl_username": f"{name}-{partner}", "sasl_password": secret}
        )

    return login


def test_the_sdk_reports_the_brokers_refusals_as_clear_errors(
    sasl_hub: Callable[..., KafkaSettings],
) -> None:
    """Logged in as the police, the SDK uses the police's topics; another partner's are NotAuthorized errors."""
    story, case = FreshStory(), new_opaque_id("sasl")
    police = sasl_hub("police")
    with PartnerClient("police", KafkaTransport(police)) as own:
        assert own.publish(story.police_signal(case)).position.topic.endswith("ingest.police")
        assert list(own.views()) == [] and list(own.rejections()) == []
    with PartnerClient("heit", KafkaTransport(police)) as other:
        with pytest.raises(NotAuthorized, match=r"is not authorized to read topic '.*view\.heit'"):
            list(other.views())
        with pytest.raises(
            NotAuthorized, match=r"is not authorized to write to topic '.*ingest\.heit'"
        ):
            other.publish(story.signal(case=case, by="heit", channel="PARTNER"))
    with (
        PartnerClient("police", KafkaTransport(sasl_hub("police", "not-the-password-1"))) as wrong,
        pytest.raises(AuthenticationRefused, match="wrong user name or password"),
    ):
        wrong.publish(story.police_signal(case))
