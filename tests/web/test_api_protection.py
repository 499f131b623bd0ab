"""The hub's protection service: pseudonyms and encryption for partners, with the hub's keys kept at the hub."""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import httpx
import pytest

from ketenhub.codec.single_object import encode_event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.access_query import access_entries
from ketenhub.core.privacy import associated_data
from ketenhub.errors import SubjectKeyErased
from ketenhub.hub_folder import HubFolder
from ketenhub.json_events import event_from_json
from ketenhub.protection.hub_proof import proof_holds
from ketenhub.protection.keystore import SqliteKeyStore, UnknownSubject
from ketenhub.runtime.embedded.hub import EmbeddedHub, create_hub
from ketenhub.web.server import free_port
from ketenhub.web.tokens import TokenStore
from tests.web.conftest import WebHub, serve_embedded
from tests.web.test_reads import _serve, _wait_until_serving

ASSOCIATED = base64.b64encode(associated_data("SignalReceived", "free_text")).decode()
ROUTES = ("pseudonyms", "case-subjects", "encryptions", "event-ids", "digests")
SYNTHETIC_BSN = "111222333"  # passes the eleven-test; nobody's


def _encrypt(client: httpx.Client, subject: str, text: str) -> httpx.Response:
    body = {"subject": subject, "associated": ASSOCIATED, "text": text}
    return client.post("/api/v1/encryptions", json=body)


def test_pseudonyms_are_the_hubs_own_and_the_same_for_every_partner(
    embedded_web_hub: WebHub,
) -> None:
    """Two partners asking for one identifier get the pseudonym the hub itself makes."""
    body = {"identifiers": ["synthetic-person-17", "synthetic-address-3"]}
    with embedded_web_hub.client("police") as police, embedded_web_hub.client("shop") as shop:
        first = police.post("/api/v1/pseudonyms", json=body)
        second = shop.post("/api/v1/pseudonyms", json=body)
        subjects = police.post("/api/v1/case-subjects", json={"case_ids": ["case-1"]})
    assert first.status_code == 200, first.text
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        expected = [protector.pseudonym(i) for i in body["identifiers"]]
        assert first.json()["pseudonyms"] == expected == second.json()["pseudonyms"]
        assert subjects.json()["subjects"] == [protector.case_subject("case-1")]
    finally:
        protector.close()


def test_an_encrypted_text_is_readable_by_the_hub_under_a_key_made_for_a_new_subject(
    embedded_web_hub: WebHub,
) -> None:
    """The service makes the subject's key on first use; the hub decrypts what a partner had encrypted."""
    with embedded_web_hub.client("police") as police:
        subject = police.post(
            "/api/v1/pseudonyms", json={"identifiers": ["synthetic-person-new"]}
        ).json()["pseudonyms"][0]
        answer = _encrypt(police, subject, "Seen at the back entrance at night.")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    field = EncryptedField(
        subject=found["subject"],
        nonce=base64.b64decode(found["nonce"]),
        ciphertext=base64.b64decode(found["ciphertext"]),
    )
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        text = protector.decrypt(field, associated_data("SignalReceived", "free_text"))
    finally:
        protector.close()
    assert field.subject == subject and text == "Seen at the back entrance at night."


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"Her number is {SYNTHETIC_BSN}.", "BSN"),
        ("Write to someone@example.org about it.", "EMAIL"),
        ("Call 06-12345678 after six.", "PHONE"),
    ],
)
def test_a_text_with_a_direct_identifier_is_refused_and_no_key_is_made(
    embedded_web_hub: WebHub, text: str, kind: str
) -> None:
    """BSN, e-mail or phone in a text: 422 naming the kind, never the value; the subject gets no key."""
    with embedded_web_hub.client("police") as police:
        subject = police.post(
            "/api/v1/pseudonyms", json={"identifiers": [f"synthetic-{kind}"]}
        ).json()["pseudonyms"][0]
        answer = _encrypt(police, subject, text)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"] == "urn:ketenhub:problem:personal-data-in-text"
    assert problem["kind"] == kind and text not in answer.text
    assert "12345678" not in answer.text and SYNTHETIC_BSN not in answer.text
    keys = SqliteKeyStore(HubFolder(embedded_web_hub.data_dir).keys.subject_keys_file)
    try:
        with pytest.raises(UnknownSubject):
            keys.get(subject)
    finally:
        keys.close()


def test_a_subject_that_is_no_pseudonym_gets_no_key(embedded_web_hub: WebHub) -> None:
    """A clear name as the subject is refused (400): keys are only ever named by pseudonyms."""
    with embedded_web_hub.client("police") as police:
        answer = _encrypt(police, "Jan Synthetisch", "Some text.")
    assert answer.status_code == 400 and "Jan Synthetisch" not in answer.text


def test_an_erased_subject_is_not_given_a_new_key(embedded_web_hub: WebHub) -> None:
    """After crypto-shredding a subject, the service never re-keys it: a new text for it is unreadable."""
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        subject = protector.pseudonym("synthetic-erased-person")
        protector.encrypt(subject, "Before the erasure.", b"x")
        assert protector.erase(subject)
    finally:
        protector.close()
    with embedded_web_hub.client("police") as police:
        answer = _encrypt(police, subject, "After the erasure.")
    assert (
        answer.status_code == 200
    )  # answered like any subject (tests/web/test_protection_attacks.py)
    found = answer.json()
    field = EncryptedField(
        subject=found["subject"],
        nonce=base64.b64decode(found["nonce"]),
        ciphertext=base64.b64decode(found["ciphertext"]),
    )
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        assert (
            protector.decrypt(field, associated_data("SignalReceived", "free_text")) == "[erased]"
        )
    finally:
        protector.close()
    keys = SqliteKeyStore(HubFolder(embedded_web_hub.data_dir).keys.subject_keys_file)
    try:
        with pytest.raises(SubjectKeyErased):
            keys.get(subject)
    finally:
        keys.close()


def test_the_keyed_event_id_is_the_hubs_and_only_for_the_callers_own_events(
    embedded_web_hub: WebHub,
) -> None:
    """The service gives the id the hub's own protector gives; an event recorded by another partner is refused."""
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        line = json.dumps({"type": "SignalReceived", "occurred_at": "2025-11-03T09:15:00+01:00",
                           "case_id": "case-keyed-1", "channel": "POLICE",
                           "exploitation_forms": ["LABOUR"], "indicators": ["LIVES_AT_WORK"],
                           "location": {"municipality_code": "GM1916", "area_code": "2264"},
                           "persons": ["p-1"]})  # fmt: skip
        event = event_from_json(line, 1, "police", protector).event
        expected = protector.with_event_id(event).event_id
    finally:
        protector.close()
    encoded = base64.b64encode(encode_event(event)).decode()
    with embedded_web_hub.client("police") as police, embedded_web_hub.client("shop") as shop:
        own = police.post("/api/v1/event-ids", json={"event": encoded})
        other = shop.post("/api/v1/event-ids", json={"event": encoded})
        garbage = police.post(
            "/api/v1/event-ids", json={"event": base64.b64encode(b"\xc3\x01xx").decode()}
        )
    assert own.status_code == 200 and uuid.UUID(own.json()["event_id"]) == expected
    assert other.status_code == 422 and garbage.status_code == 422


@pytest.mark.parametrize("route", ROUTES)
def test_every_protection_route_needs_a_valid_token(embedded_web_hub: WebHub, route: str) -> None:
    """Without a token, or with a revoked one, every protection route answers 401 and protects nothing."""
    issued = TokenStore(embedded_web_hub.data_dir).add(
        HubFolder(embedded_web_hub.data_dir).registry(), "police", "to revoke"
    )
    TokenStore(embedded_web_hub.data_dir).revoke(issued.record.token_id)
    body = {"identifiers": ["synthetic-person-1"]}
    with embedded_web_hub.client() as anonymous:
        bare = anonymous.post(f"/api/v1/{route}", json=body)
        revoked = anonymous.post(
            f"/api/v1/{route}",
            json=body,
            headers={"Authorization": f"Bearer {issued.token}"},
        )
    assert bare.status_code == 401 and revoked.status_code == 401


def test_protection_calls_count_against_the_tokens_rate_limit(tmp_path: Path) -> None:
    """Over the token's burst the service answers 429 with Retry-After, as the rest of the API."""
    limited = serve_embedded(tmp_path / "hub", web_token_burst=3, web_token_rate_per_s=0.01)
    with limited as hub, hub.client("police") as police:
        answers = [
            police.post("/api/v1/pseudonyms", json={"identifiers": [f"synthetic-{n}"]})
            for n in range(5)
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_the_hub_proves_its_key_by_signing_a_fresh_challenge(embedded_web_hub: WebHub) -> None:
    """The signature over a fresh challenge verifies with the hub's key; a wrong-size challenge is refused."""
    challenge = os.urandom(32)
    with embedded_web_hub.client() as anyone:
        proof = anyone.post(
            "/api/v1/hub-proofs",
            json={"challenge": base64.b64encode(challenge).decode()},
        )
        short = anyone.post(
            "/api/v1/hub-proofs", json={"challenge": base64.b64encode(b"x").decode()}
        )
    key = HubFolder(embedded_web_hub.data_dir).public_key()
    signature = base64.b64decode(proof.json()["signature"])
    assert proof_holds(key, challenge, signature)
    assert not proof_holds(key, os.urandom(32), signature)
    assert short.status_code == 400


def test_the_openapi_document_lists_the_protection_service(embedded_web_hub: WebHub) -> None:
    """Each protection route is in the OpenAPI document, its errors as problem+json."""
    with embedded_web_hub.client() as anyone:
        paths = anyone.get("/api/v1/openapi.json").json()["paths"]
    for route in (*ROUTES, "hub-proofs"):
        operation = paths[f"/api/v1/{route}"]["post"]
        assert "application/problem+json" in operation["responses"]["400"]["content"]


def test_clear_identifiers_and_texts_are_never_logged_nor_stored_in_clear(tmp_path: Path) -> None:
    """After protection calls, neither the server's log nor any file of the hub holds a clear value.

    Each call is sealed into access.log like a read: partner, token, operation and the
    subject by pseudonym; the server's log holds not even the pseudonym.
    """
    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    token = TokenStore(data_dir).add(HubFolder(data_dir).registry(), "police")
    identifier, text = "synthetic-person-zq81", "Zqx sleeps in the boiler room of the bakery."
    port, log_file = free_port(), tmp_path / "server.log"
    server = _serve(data_dir, port, log_file)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url)
        headers = {"Authorization": f"Bearer {token.token}"}
        with httpx.Client(base_url=url, headers=headers) as police:
            pseudonym = police.post(
                "/api/v1/pseudonyms", json={"identifiers": [identifier]}
            ).json()["pseudonyms"][0]
            assert _encrypt(police, pseudonym, text).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log_file.read_text()
    with EmbeddedHub(data_dir) as hub:
        reads = [e.record for e in access_entries(hub.access_records())]
    assert [r.operation.value for r in reads] == [
        "api.protection.pseudonyms",
        "api.protection.encryptions",
    ]
    assert all(
        r.actor.partner == "police" and r.actor.actor_id == token.record.token_id for r in reads
    )
    assert reads[0].subjects == reads[1].subjects == (pseudonym,)  # access.log names the subject
    for clear in (identifier, text, "boiler room", pseudonym, token.token):
        assert clear not in logged
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert identifier.encode() not in content and b"boiler room" not in content, path


def test_every_identifier_of_a_batch_counts_against_the_rate_limit(tmp_path: Path) -> None:
    """A batch costs one request per identifier, so guessing identifiers in batches is no faster."""
    limited = serve_embedded(tmp_path / "hub", web_token_burst=10, web_token_rate_per_s=0.01)
    with limited as hub, hub.client("police") as police:
        eight = police.post(
            "/api/v1/pseudonyms", json={"identifiers": [f"synthetic-{n}" for n in range(8)]}
        )
        five = police.post(
            "/api/v1/pseudonyms", json={"identifiers": [f"synthetic-{n}" for n in range(5)]}
        )
        one = police.post("/api/v1/pseudonyms", json={"identifiers": ["synthetic-last"]})
    assert eight.status_code == 200 and len(eight.json()["pseudonyms"]) == 8
    assert five.status_code == 429 and int(five.headers["Retry-After"]) >= 1
    assert one.status_code == 200  # the refused batch took only its own request
