"""A partner's own system on Kafka, from its partner folder: each view it reads is sealed by the hub first.

Real broker (SASL/SCRAM with ACLs), a real hub worker, the hub's web tier on loopback, the
police provisioned with `ketenhub partners provision --partner-folders`. The police's SDK
reads its own view topic with its own login and no key of the hub; before it hands a view
out, the hub has sealed the read into access.log, with the data subjects of its own view.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.sdk import PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from ketenhub.cli.main import cli
from ketenhub.core.access_query import access_entries
from ketenhub.core.processing import ActorKind
from ketenhub.hub_folder import HubFolder
from tests.integration.conftest import SaslBroker
from tests.integration.hub_harness import partner_folder_hub, wait_for
from tests.integration.test_partner_protection_kafka import _signal

pytestmark = pytest.mark.kafka


def test_a_partner_folders_view_reads_are_sealed_by_the_hub(
    kafka_sasl_broker: SaslBroker, tmp_path: Path
) -> None:
    """The police reads its view from its folder; access.log then holds sdk records of it, by token and pseudonym."""
    with partner_folder_hub(kafka_sasl_broker, tmp_path, "rds") as running:
        hub, hub_dir = running.hub, running.hub.data_dir
        police, case = running.folders / "police", f"{hub.name}-police-1"
        events = police / "signals.jsonl"
        events.write_text(_signal(case, "POLICE", "Seen at the car wash at night.") + "\n")
        published = CliRunner().invoke(
            cli,
            ["connector", "police", "publish", str(events), "--data-dir", str(police),
             "--state-dir", str(police / "state")],
        )  # fmt: skip
        events.unlink()
        assert published.exit_code == 0, published.output
        transport = KafkaTransport.for_partner_folder(police)
        with PartnerClient("police", transport, name="police-reader") as reader:
            wait_for(lambda: case in reader.snapshot(), 120, "the police's view", hub.worker_logs)
        with hub.client() as client:
            records = [e.record for e in access_entries(client.access_records())]
            client.verify_access()
    reads = [r for r in records if r.case_id == case and r.actor.system == "sdk"]
    assert reads and all(r.operation.value == "sdk.snapshot" for r in reads)
    assert all(r.actor.kind is ActorKind.PARTNER and r.actor.partner == "police" for r in reads)
    assert all(r.actor.actor_id and r.actor.actor_id.startswith("tok-") for r in reads)
    protector = HubFolder(hub_dir).protector()
    try:
        person = protector.pseudonym("synthetic-person-kp-0042")
    finally:
        protector.close()
    assert all(r.subjects == (person,) for r in reads)
    assert not any(p.name.startswith("hub-signing-key") for p in police.rglob("*"))
