"""A partner on the SASL broker witnesses the hub's checkpoints from audit.checkpoints, and catches a rewrite."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kafka import KafkaProducer
from pydantic import SecretStr

from connectors.sdk import PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from connectors.sdk.witness import CheckpointWitness, HubHistoryDiverged
from ketenhub.config import load_registry
from ketenhub.core.checkpoint_records import encode_checkpoint
from ketenhub.core.checkpoints import ChainedCheckpoint, sign_checkpoint
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.merkle import consistency_proof, leaf_hash, merkle_root
from ketenhub.core.sealing import decode_sealed
from ketenhub.core.trust import pin_from_pem
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.provisioning import provision
from ketenhub.runtime.kafka.settings import KafkaSettings
from tests.integration.conftest import SaslBroker
from tests.integration.hub_harness import HubUnderTest, wait_for
from tests.unit.synthetic import Story

pytestmark = pytest.mark.kafka
PARTNER = "municipal-staff"
WAIT_S = 60.0


@dataclass(frozen=True)
class WitnessingHub:
    """A hub worker on freshly provisioned topics, and the partner's login to it."""

    hub: HubUnderTest
    partner_settings: KafkaSettings


@pytest.fixture
def witnessing_hub(kafka_sasl_broker: SaslBroker, tmp_path: Path) -> Iterator[WitnessingHub]:
    """Provision the registry's partners under a fresh prefix and run one hub worker as the super user."""
    name = f"wit-{uuid.uuid4().hex[:10]}"
    registry = load_registry()
    password = f"{PARTNER}-synthetic-{uuid.uuid4().hex[:8]}"
    passwords = {
        p.id: SecretStr(f"{p.id}-synthetic-{uuid.uuid4().hex[:8]}") for p in registry.partners
    }
    passwords[PARTNER] = SecretStr(password)
    superuser = kafka_sasl_broker.hub
    hub_login = KafkaSettings(
        kafka_bootstrap=kafka_sasl_broker.bootstrap,
        topic_prefix=f"{name}.",
        sasl_username=superuser.username,
        sasl_password=SecretStr(superuser.password),
    )
    provision(hub_login, registry, passwords, user_prefix=f"{name}-")
    data_dir = tmp_path / "hub"
    data_dir.mkdir(mode=0o700)
    # the key files the hub signs with and partners encrypt through
    HubFolder(data_dir).keys.create()
    hub = HubUnderTest(
        kafka_sasl_broker.bootstrap,
        data_dir,
        name,
        sasl_username=superuser.username,
        sasl_password=superuser.password,
    )
    hub.start_worker()
    partner = KafkaSettings(
        kafka_bootstrap=kafka_sasl_broker.bootstrap,
        topic_prefix=f"{name}.",
        sasl_username=f"{name}-{PARTNER}",
        sasl_password=SecretStr(password),
        data_dir=data_dir,
    )
    yield WitnessingHub(hub, partner)
    hub.stop_all()


def newest_tree_size(transport: KafkaTransport) -> int:
    """The tree size of the newest checkpoint in audit.checkpoints, as the partner reads it (0: none)."""
    end = transport.checkpoint_end()
    if end == 0:
        return 0
    [(_, record)] = list(transport.checkpoints_from(end - 1))
    return record.checkpoint.tree_size


def publish_and_wait(
    client: PartnerClient,
    transport: KafkaTransport,
    story: Story,
    sealed: int,
    count: int,
    hub: HubUnderTest,
) -> None:
    """Publish ``count`` signals as the partner and wait for a checkpoint over all ``sealed + count``."""
    for _ in range(count):
        client.publish(story.signal(case=new_opaque_id("case"), by=PARTNER))
    wait_for(
        lambda: newest_tree_size(transport) == sealed + count,
        WAIT_S,
        f"a checkpoint over {sealed + count} records",
        hub.worker_logs,
        every=0.5,
    )


def forge_checkpoint(hub: HubUnderTest, witnessed_size: int) -> None:
    """Act as a hub that rewrote record 1: sign the rewritten, longer log with the real key, proof included."""
    with KafkaLogReader(hub.settings) as reader:
        stored = list(reader.all_records(hub.names.audit_log))
    leaves = [leaf_hash(decode_sealed(r.value or b"", r.offset).hash) for r in stored]
    assert len(leaves) == witnessed_size
    forged = [*leaves, leaf_hash(b"appended-1"), leaf_hash(b"appended-2")]
    forged[1] = leaf_hash(b"rewritten")
    size = len(forged)
    signed = sign_checkpoint(
        HubFolder(hub.data_dir).signing_key(), size, merkle_root(forged), 1_800_000_000_000_000
    )
    proof = tuple(consistency_proof(forged, witnessed_size, size))
    producer = KafkaProducer(**hub.settings.client_config(), acks="all")
    try:
        value = encode_checkpoint(ChainedCheckpoint(signed, witnessed_size, proof))
        producer.send(hub.names.checkpoints, value=value).get(timeout=WAIT_S)
    finally:
        producer.close()


def test_a_kafka_partner_witnesses_the_growing_log_and_stops_at_a_rewrite(
    witnessing_hub: WitnessingHub, tmp_path: Path
) -> None:
    """The witness follows checkpoints over 3 then 5 records; a hub-signed rewrite proven from 5 stops the client."""
    hub, settings = witnessing_hub.hub, witnessing_hub.partner_settings
    pin = pin_from_pem(HubFolder(hub.data_dir).keys.public_key_file.read_bytes())
    witness = CheckpointWitness.in_state_dir(tmp_path / "state", PARTNER, "kafka-test", pin)
    transport = KafkaTransport(settings)
    story = Story()
    with PartnerClient(PARTNER, transport, witness=witness) as client:
        publish_and_wait(client, transport, story, 0, 3, hub)
        client.witness_checkpoint()
        assert json.loads(witness.path.read_text())["tree_size"] == 3
        publish_and_wait(client, transport, story, 3, 2, hub)
        client.witness_checkpoint()
        kept = json.loads(witness.path.read_text())
        assert (
            kept["tree_size"] == 5 and kept["checkpoint_offset"] == transport.checkpoint_end() - 1
        )
        forge_checkpoint(hub, 5)
        with pytest.raises(HubHistoryDiverged, match="a record before offset 5 was rewritten"):
            client.witness_checkpoint()
    assert json.loads(witness.path.read_text())["tree_size"] == 5  # the evidence stays
