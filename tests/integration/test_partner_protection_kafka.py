"""Partners on Kafka without the hub's secrets: each protects through the hub's service from its own folder.

Real broker (SASL/SCRAM with ACLs), a real hub worker, the hub's web tier on loopback, the
partners provisioned by `ketenhub partners provision --partner-folders`. Two partners record
events about the same synthetic person from separate folders; the coordinator sees one
pseudonym and reads both free texts; neither folder holds a byte of the hub's secrets.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from connectors.sdk import PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from connectors.sdk.remote_protector import RemoteProtector
from ketenhub.cli.main import cli
from ketenhub.cli.rendering import decrypt_view
from ketenhub.hub_folder import HubFolder
from tests.integration.conftest import SaslBroker
from tests.integration.hub_harness import HubUnderTest, partner_folder_hub, wait_for

pytestmark = pytest.mark.kafka

PERSON = "synthetic-person-kp-0042"  # the same (synthetic) person in both partners' systems
POLICE_TEXT = "Seen at the car wash at night, carrying a sleeping bag."
STAFF_TEXT = "Asked at the counter for help; says the employer keeps her passport."


def _signal(case_id: str, channel: str, text: str, **extra: object) -> str:
    return json.dumps(
        {"type": "SignalReceived", "occurred_at": "2025-11-03T09:15:00+01:00", "case_id": case_id,
         "channel": channel, "exploitation_forms": ["LABOUR"], "indicators": ["LIVES_AT_WORK"],
         "location": {"municipality_code": "GM1916", "area_code": "2264"}, "persons": [PERSON],
         "free_text": text, **extra}
    )  # fmt: skip


def _hub_secrets(hub_dir: Path) -> dict[str, bytes]:
    """Every form in which the hub's pseudonym secret, signing key and subject keys could be copied."""
    keys = HubFolder(hub_dir).keys
    secret = keys.pseudonym_secret_file.read_bytes()
    signing = keys.signing_key()
    raw_signing = signing.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    found = {"pseudonym secret": secret, "signing key": raw_signing}
    found["signing key PEM"] = keys.signing_key_file.read_bytes()
    with sqlite3.connect(keys.subject_keys_file) as db:
        for subject, key in db.execute("SELECT subject, key FROM subject_keys"):
            found[f"key of {subject}"] = bytes(key)
    forms = {}
    for name, value in found.items():
        forms[name] = value
        forms[f"{name} (hex)"] = value.hex().encode()
        forms[f"{name} (base64)"] = base64.b64encode(value)
    return forms


def test_two_partners_with_their_own_folders_protect_through_the_hub(
    kafka_sasl_broker: SaslBroker, tmp_path: Path
) -> None:
    """One pseudonym, both texts readable by the coordinator, no hub secret in either partner's folder."""
    with partner_folder_hub(kafka_sasl_broker, tmp_path, "prot") as running:
        hub, folders = running.hub, running.folders
        assert f"police: {folders / 'police'}" in running.provisioned
        _record_as_partners(hub, folders)
        texts, persons = _coordinator_reads(hub)
    hub_dir = hub.data_dir
    expected = HubFolder(hub_dir).protector()
    try:
        assert persons == {expected.pseudonym(PERSON)}  # one pseudonym across both partners
    finally:
        expected.close()
    assert texts == {POLICE_TEXT, STAFF_TEXT}
    secrets_of_hub = _hub_secrets(hub_dir)
    assert any(name.startswith("key of ") for name in secrets_of_hub)
    for partner in ("police", "municipal-staff"):
        kept = {p.name for p in (folders / partner).iterdir()}
        assert kept <= {"partner.toml", "hub-key.pub.pem", "partners.toml", "codes.toml", "state"}
        files = [p for p in (folders / partner).rglob("*") if p.is_file()]
        assert files, partner
        for path in files:
            content = path.read_bytes()
            leaked = [name for name, value in secrets_of_hub.items() if value in content]
            assert not leaked, f"{path} holds the hub's {leaked}"
            assert PERSON.encode() not in content, path


def _record_as_partners(hub: HubUnderTest, folders: Path) -> None:
    """The police through its connector, the municipal staff with `ketenhub publish`: each from its own folder."""
    police, staff = folders / "police", folders / "municipal-staff"
    events = police / "signals.jsonl"
    events.write_text(_signal(f"{hub.name}-police-1", "POLICE", POLICE_TEXT) + "\n")
    published = CliRunner().invoke(
        cli,
        ["connector", "police", "publish", str(events), "--data-dir", str(police),
         "--state-dir", str(police / "state")],
    )  # fmt: skip
    events.unlink()  # the partner's own input file, in clear: not part of what it keeps
    assert published.exit_code == 0, published.output
    transport = KafkaTransport.for_partner_folder(staff)
    assert isinstance(transport.protector, RemoteProtector)  # no key of the hub to fall back on
    transport.close()
    lines = staff / "signals.jsonl"
    lines.write_text(
        _signal(f"{hub.name}-staff-1", "INTERNAL_ROUTE", STAFF_TEXT, reporter_role="CASEWORKER_WMO")
        + "\n"
        + _signal(f"{hub.name}-staff-2", "INTERNAL_ROUTE", "Call her on 06-12345678.",
                  reporter_role="CASEWORKER_WMO")
        + "\n"
    )  # fmt: skip
    staff_published = CliRunner().invoke(
        cli, ["publish", "--as", "municipal-staff", str(lines), "--data-dir", str(staff)]
    )
    lines.unlink()
    assert staff_published.exit_code == 1, staff_published.output
    assert "published 1 event(s)" in staff_published.stdout
    assert "refused line 2" in staff_published.stderr and "PHONE" in staff_published.stderr
    assert "12345678" not in staff_published.output


def _coordinator_reads(hub: HubUnderTest) -> tuple[set[str], set[str]]:
    """The coordinator's views of both cases, decrypted with the hub's keys: their texts and persons."""
    cases = {f"{hub.name}-police-1", f"{hub.name}-staff-1"}
    with PartnerClient("municipality", KafkaTransport(hub.settings)) as coordinator:
        wait_for(
            lambda: cases <= set(coordinator.snapshot()),
            120,
            "both partners' signals in the coordinator's view",
            hub.worker_logs,
        )
        views = coordinator.snapshot()
    protector = HubFolder(hub.data_dir).protector()
    try:
        shown = [decrypt_view(views[case].record, protector) for case in sorted(cases)]
    finally:
        protector.close()
    texts = {str(view["signal"]["free_text"]) for view in shown}  # type: ignore[index,call-overload]
    persons = {p for view in shown for p in view["signal"]["persons"]}  # type: ignore[index,union-attr]
    return texts, persons
