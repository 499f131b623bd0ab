"""A partner's RemoteProtector: the hub's protections through its service, checked against the pinned key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.anonymous_tips.drop_folder import FILE_DIGEST_PURPOSE
from connectors.sdk.errors import (
    ConnectorError,
    HubKeyMismatch,
    HubUnreachable,
    ProtectionRefused,
    TokenRefused,
)
from connectors.sdk.partner_folder import (
    PartnerFolderInvalid,
    PartnerKit,
    read_partner_folder,
    write_partner_folder,
)
from connectors.sdk.remote_protector import RemoteProtector
from ketenhub.core.checkpoints import generate_hub_key, public_key_to_pem
from ketenhub.core.privacy import associated_data
from ketenhub.core.trust import fingerprint, pin_from_fingerprint, pin_from_pem
from ketenhub.errors import PrivacyError
from ketenhub.hub_folder import HubFolder
from ketenhub.json_events import event_from_json
from ketenhub.web.server import free_port
from ketenhub.web.tokens import TokenStore
from tests.web.conftest import WebHub, serve_embedded

LINE = json.dumps({"type": "SignalReceived", "occurred_at": "2025-11-03T09:15:00+01:00",
                   "case_id": "case-remote-1", "channel": "POLICE", "exploitation_forms": ["LABOUR"],
                   "indicators": ["LIVES_AT_WORK"],
                   "location": {"municipality_code": "GM1916", "area_code": "2264"},
                   "persons": ["synthetic-person-41"],
                   "free_text": "Seen carrying mattresses into the workshop."})  # fmt: skip


def _remote(hub: WebHub, partner: str = "police", **kwargs: object) -> RemoteProtector:
    pin = pin_from_pem(HubFolder(hub.data_dir).keys.public_key_file.read_bytes())
    token = hub.tokens.get(partner) or hub.token(partner)
    return RemoteProtector(hub.url, token, pin, **kwargs)  # type: ignore[arg-type]


def test_a_partner_line_protected_remotely_is_byte_for_byte_the_hubs_own(
    embedded_web_hub: WebHub,
) -> None:
    """The same connector code gives the same protected event (pseudonyms, ciphertext, keyed id) on both protectors."""
    local = HubFolder(embedded_web_hub.data_dir).protector()
    remote = _remote(embedded_web_hub)
    try:
        here = event_from_json(LINE, 1, "police", local).event
        there = event_from_json(LINE, 1, "police", remote).event
        assert there == here
        assert remote.case_subject("case-remote-1") == local.case_subject("case-remote-1")
        assert remote.digest(FILE_DIGEST_PURPOSE, b"tip file") == remote.digest(
            FILE_DIGEST_PURPOSE, b"tip file"
        )
        assert remote.digest(FILE_DIGEST_PURPOSE, b"tip file") != remote.digest(
            FILE_DIGEST_PURPOSE, b"another tip file"
        )
        with pytest.raises(PrivacyError, match="cannot decrypt"):
            remote.decrypt(there.free_text, associated_data("SignalReceived", "free_text"))  # type: ignore[attr-defined]
    finally:
        local.close()
        remote.close()


def test_a_service_without_the_pinned_key_gets_no_token_and_no_clear_value(
    embedded_web_hub: WebHub, tmp_path: Path
) -> None:
    """Another hub at the address cannot prove the pinned key: HubKeyMismatch before anything is sent."""
    with serve_embedded(tmp_path / "impostor") as impostor:
        pin = pin_from_pem(HubFolder(embedded_web_hub.data_dir).keys.public_key_file.read_bytes())
        token = embedded_web_hub.token("police")
        remote = RemoteProtector(impostor.url, token, pin)
        with pytest.raises(HubKeyMismatch, match="not the hub you pinned"):
            remote.pseudonym("synthetic-person-1")
        remote.close()
        fingerprint_pin = pin_from_fingerprint(fingerprint(generate_hub_key().public_key()))
        by_fingerprint = RemoteProtector(embedded_web_hub.url, token, fingerprint_pin)
        with pytest.raises(HubKeyMismatch, match="offers key"):
            by_fingerprint.pseudonym("synthetic-person-1")
        by_fingerprint.close()


def test_an_unreachable_service_and_a_refused_token_say_so(embedded_web_hub: WebHub) -> None:
    """Nothing listening: HubUnreachable naming the address; a revoked token: TokenRefused."""
    pin = pin_from_pem(HubFolder(embedded_web_hub.data_dir).keys.public_key_file.read_bytes())
    nowhere = RemoteProtector(f"http://127.0.0.1:{free_port()}", "khp_x", pin, timeout_s=5)
    with pytest.raises(HubUnreachable, match="cannot be reached"):
        nowhere.pseudonym("synthetic-person-1")
    issued = TokenStore(embedded_web_hub.data_dir).add(
        HubFolder(embedded_web_hub.data_dir).registry(), "police", "to revoke"
    )
    TokenStore(embedded_web_hub.data_dir).revoke(issued.record.token_id)
    revoked = RemoteProtector(embedded_web_hub.url, issued.token, pin)
    with pytest.raises(TokenRefused, match="refused this partner's API token"):
        revoked.pseudonym("synthetic-person-1")
    for remote in (nowhere, revoked):
        remote.close()


def test_a_text_with_a_phone_number_is_refused_by_the_service(embedded_web_hub: WebHub) -> None:
    """The hub checks what it encrypts: a refused text is ProtectionRefused, repeating no value."""
    remote = _remote(embedded_web_hub)
    try:
        subject = remote.pseudonym("synthetic-person-2")
        with pytest.raises(ProtectionRefused, match="phone number") as refused:
            remote.encrypt(subject, "Call 06-12345678.", b"SignalReceived.free_text")
    finally:
        remote.close()
    assert "12345678" not in str(refused.value)


@pytest.mark.parametrize(
    "url", ["http://hub.example.org", "http://10.0.0.5:8080", "ftp://127.0.0.1", "hub.example.org"]
)
def test_clear_values_never_go_over_plain_http_to_another_machine(url: str) -> None:
    """Plain HTTP is only for loopback; any other address must be https://."""
    pin = pin_from_fingerprint("0" * 64)
    with pytest.raises(ConnectorError, match=r"https|not an http"):
        RemoteProtector(url, "khp_x", pin)


def _kit(**changes: object) -> PartnerKit:
    values: dict[str, object] = {
        "partner": "police",
        "kafka_bootstrap": "127.0.0.1:9092",
        "topic_prefix": "t.",
        "sasl_username": "police",
        "sasl_password": SecretStr("synthetic-password-1"),
        "protection_url": "https://hub.example.org",
        "api_token": SecretStr("khp_synthetic"),
        "hub_fingerprint": "",
    }
    return PartnerKit(**(values | changes))  # type: ignore[arg-type]


def test_a_partner_folder_reads_back_and_refuses_a_swapped_hub_key(tmp_path: Path) -> None:
    """A written partner folder reads back; a hub key that is not the one its file names is refused."""
    key = generate_hub_key().public_key()
    kit = _kit(hub_fingerprint=fingerprint(key))
    write_partner_folder(tmp_path / "police", kit, public_key_to_pem(key), [])
    read, pin = read_partner_folder(tmp_path / "police")
    assert read == kit and pin.fingerprint == fingerprint(key)
    assert (tmp_path / "police" / "partner.toml").stat().st_mode & 0o077 == 0
    with pytest.raises(ConnectorError, match="exists already"):
        write_partner_folder(tmp_path / "police", kit, public_key_to_pem(key), [])
    other = generate_hub_key().public_key()
    (tmp_path / "police" / "hub-key.pub.pem").write_bytes(public_key_to_pem(other))
    with pytest.raises(PartnerFolderInvalid, match="not the hub key"):
        read_partner_folder(tmp_path / "police")
    (tmp_path / "police" / "partner.toml").write_text("partner = 'police'\n")
    with pytest.raises(PartnerFolderInvalid, match="lacks"):
        read_partner_folder(tmp_path / "police")
