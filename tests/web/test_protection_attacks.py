"""The protection service attacked as a hostile or careless partner would: what it must not give away."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.anonymous_tips.drop_folder import FILE_DIGEST_PURPOSE, signal_of
from connectors.anonymous_tips.tip_format import parse_tip_file
from connectors.sdk.client import PartnerClient
from connectors.sdk.errors import (
    ConnectorError,
    HubKeyMismatch,
    PersonalDataInText,
    ProtectionRefused,
    ProtectionServiceError,
    TokenRefused,
)
from connectors.sdk.remote_protector import RemoteProtector
from ketenhub.codec.single_object import encode_event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.privacy import associated_data
from ketenhub.core.trust import pin_from_fingerprint, pin_from_pem
from ketenhub.errors import KetenhubError
from ketenhub.hub_folder import HubFolder
from ketenhub.json_events import event_from_json
from ketenhub.protection.keystore import SqliteKeyStore
from ketenhub.runtime.embedded.hub import create_hub
from ketenhub.web.server import free_port
from ketenhub.web.tokens import TokenStore
from tests.web.conftest import WebHub, serve_embedded
from tests.web.test_reads import _serve, _wait_until_serving

SYNTHETIC_BSN = "111222333"  # passes the eleven-test; nobody's
ASSOCIATED = associated_data("SignalReceived", "free_text")


def _pin(hub: WebHub) -> object:
    return pin_from_pem(HubFolder(hub.data_dir).keys.public_key_file.read_bytes())


def _remote(hub: WebHub, partner: str = "police", **kwargs: object) -> RemoteProtector:
    token = hub.tokens.get(partner) or hub.token(partner)
    return RemoteProtector(hub.url, token, _pin(hub), **kwargs)  # type: ignore[arg-type]


def _event_line(case_id: str) -> str:
    return json.dumps({"type": "SignalReceived", "occurred_at": "2025-11-03T09:15:00+01:00",
                       "case_id": case_id, "channel": "POLICE", "exploitation_forms": ["LABOUR"],
                       "indicators": ["LIVES_AT_WORK"],
                       "location": {"municipality_code": "GM1916", "area_code": "2264"},
                       "persons": ["synthetic-person-71"]})  # fmt: skip


HOSTILE_BODIES = [
    ("pseudonyms", b'{"identifiers": ["111222333"'),  # truncated JSON
    ("pseudonyms", b'{"identifiers": [111222333]}'),  # a number, not a string
    ("pseudonyms", b'{"identifiers": ["111222333' + b"x" * 300 + b'"]}'),  # too long
    ("pseudonyms", b'{"identifiers": {"111222333": 1}}'),  # a map of identifiers
    ("pseudonyms", b'{"identifiers": ["\\ud800111222333"]}'),  # a lone surrogate
    ("case-subjects", b'{"case_ids": ["Case-111222333"]}'),
    ("encryptions", b'{"subject": "111222333", "associated": "", "text": "x"}'),
    (
        "encryptions",
        b'{"subject": "psn-' + b"0" * 32 + b'", "associated": "!", "text": "111222333"}',
    ),
    ("digests", b'{"purpose": "111222333", "sha256": "111222333"}'),
    ("event-ids", b'{"event": "111222333"}'),
]


@pytest.mark.parametrize(("route", "body"), HOSTILE_BODIES)
def test_a_problem_document_never_repeats_a_clear_value_that_was_sent(
    embedded_web_hub: WebHub, route: str, body: bytes
) -> None:
    """Garbage JSON, wrong types, overlong or odd identifiers: a 4xx problem that names the field, not the value."""
    with embedded_web_hub.client("police") as police:
        answer = police.post(
            f"/api/v1/{route}", content=body, headers={"content-type": "application/json"}
        )
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert SYNTHETIC_BSN not in answer.text


def test_a_case_id_holding_a_bsn_is_refused_before_it_reaches_the_access_record(
    embedded_web_hub: WebHub,
) -> None:
    """A case id the hub would refuse as PERSONAL_DATA_IN_FIELD is refused by the service too, never recorded."""
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        event = event_from_json(_event_line("case-111-222-333"), 1, "police", protector).event
    finally:
        protector.close()
    encoded = base64.b64encode(encode_event(event)).decode()
    with embedded_web_hub.client("police") as police:
        subjects = police.post("/api/v1/case-subjects", json={"case_ids": [SYNTHETIC_BSN]})
        keyed = police.post("/api/v1/event-ids", json={"event": encoded})
    assert subjects.status_code == 400, subjects.text
    assert keyed.status_code == 422, keyed.text
    for answer in (subjects, keyed):
        assert "citizen service number" in answer.json()["detail"]
        assert SYNTHETIC_BSN not in answer.text and "111-222-333" not in answer.text


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u00ad\u2060", " \u00a0\t", "\ufeff"])
def test_an_identifier_with_nothing_visible_is_refused_on_both_paths(
    embedded_web_hub: WebHub, invisible: str
) -> None:
    """Invisible-only identifiers would all be one person: the hub's protector and its service refuse them."""
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        with pytest.raises(KetenhubError, match="nothing visible"):
            protector.pseudonym(invisible)
    finally:
        protector.close()
    remote = _remote(embedded_web_hub)
    try:
        with pytest.raises(ProtectionRefused, match="nothing visible"):
            remote.pseudonym(invisible)
    finally:
        remote.close()


SPELLINGS_OF_ONE_PERSON = [
    [SYNTHETIC_BSN, "111 222 333", "1112.22.333", "111-222-333", "\uff11\uff11\uff11222333",
     "111\u200b222\u00ad333", "111\u2013222\u2013333", " 111222333\n", "\u0661\u0661\u0661222333"],
    ["Jos\u00e9 Synthetisch", "Jose\u0301 Synthetisch", "Jos\u00e9  Synthetisch",
     "Jos\u00e9\u00a0Synthetisch", "\ufeffJos\u00e9 Synthetisch"],
    ["Stationsweg 1\u20133", "Stationsweg 1-3", "Stationsweg\u20071-3"],
]  # fmt: skip


@pytest.mark.parametrize("spellings", SPELLINGS_OF_ONE_PERSON)
def test_one_person_gets_one_pseudonym_whichever_way_a_partner_connects(
    embedded_web_hub: WebHub, spellings: list[str]
) -> None:
    """Unicode variants of one identifier fold to one pseudonym, the same from the hub's keys and its service."""
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    remote = _remote(embedded_web_hub)
    try:
        here = [protector.pseudonym(s) for s in spellings]
        there = [remote.pseudonym(s) for s in spellings]
    finally:
        protector.close()
        remote.close()
    assert there == here
    assert len(set(here)) == 1, [s.encode("unicode_escape") for s in spellings]


def test_an_erased_subject_cannot_be_told_from_any_other_subject(embedded_web_hub: WebHub) -> None:
    """Encrypting for an erased subject answers as for a new or a known one, gets no key, and stays unreadable.

    Otherwise any partner could ask for the pseudonym of a guessed BSN and learn from a 410
    that this person was a data subject of the hub, and was erased.
    """
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        erased = protector.pseudonym("synthetic-erased-person-9")
        protector.encrypt(erased, "Before the erasure.", ASSOCIATED)
        assert protector.erase(erased)
        known = protector.pseudonym("synthetic-known-person-9")
        protector.encrypt(known, "A text before.", ASSOCIATED)
    finally:
        protector.close()
    new = HubFolder(embedded_web_hub.data_dir).protector().pseudonym("synthetic-new-person-9")
    answers = {}
    with embedded_web_hub.client("police") as police:
        for name, subject in (("erased", erased), ("known", known), ("new", new)):
            body = {
                "subject": subject,
                "associated": base64.b64encode(ASSOCIATED).decode(),
                "text": "After the erasure.",
            }
            answers[name] = police.post("/api/v1/encryptions", json=body)
    assert {a.status_code for a in answers.values()} == {200}, answers["erased"].text
    assert {tuple(sorted(a.json())) for a in answers.values()} == {
        ("ciphertext", "nonce", "subject")
    }
    assert {len(a.content) for a in answers.values()} == {len(answers["new"].content)}
    found = answers["erased"].json()
    field = EncryptedField(
        subject=found["subject"],
        nonce=base64.b64decode(found["nonce"]),
        ciphertext=base64.b64decode(found["ciphertext"]),
    )
    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        assert protector.decrypt(field, ASSOCIATED) == "[erased]"
    finally:
        protector.close()
    keys = SqliteKeyStore(HubFolder(embedded_web_hub.data_dir).keys.subject_keys_file)
    try:
        with pytest.raises(KetenhubError, match="erased"):
            keys.get(erased)
    finally:
        keys.close()


def test_a_redirect_to_another_host_is_not_followed(embedded_web_hub: WebHub) -> None:
    """A service that proves the pinned key and then redirects is refused: nothing reaches the other host."""
    elsewhere: list[httpx.Request] = []
    real = httpx.Client(base_url=embedded_web_hub.url)

    def network(request: httpx.Request) -> httpx.Response:
        if request.url.host != "127.0.0.1":
            elsewhere.append(request)
            return httpx.Response(200, json={"pseudonyms": ["psn-" + "0" * 32]})
        if request.url.path.endswith("/hub-proofs"):
            proof = real.post(request.url.path, content=request.content, headers=request.headers)
            return httpx.Response(proof.status_code, content=proof.content)
        target = f"https://collector.example.org{request.url.path}"
        return httpx.Response(307, headers={"Location": target})

    remote = _remote(embedded_web_hub, transport=httpx.MockTransport(network))
    try:
        with pytest.raises(ProtectionServiceError, match="HTTP 307"):
            remote.pseudonym(SYNTHETIC_BSN)
    finally:
        remote.close()
        real.close()
    assert elsewhere == []


def test_a_token_revoked_while_a_connector_runs_is_refused_at_its_next_call(
    embedded_web_hub: WebHub,
) -> None:
    """Revoking a token stops a running RemoteProtector at its next call with TokenRefused."""
    issued = TokenStore(embedded_web_hub.data_dir).add(
        HubFolder(embedded_web_hub.data_dir).registry(), "police", "to revoke"
    )
    remote = RemoteProtector(embedded_web_hub.url, issued.token, _pin(embedded_web_hub))  # type: ignore[arg-type]
    try:
        remote.pseudonym("synthetic-person-before")
        TokenStore(embedded_web_hub.data_dir).revoke(issued.record.token_id)
        with pytest.raises(TokenRefused):
            remote.pseudonym("synthetic-person-after")
        with pytest.raises(TokenRefused):
            remote.encrypt(remote.pseudonym("synthetic-person-before"), "A text.", ASSOCIATED)
    finally:
        remote.close()


def test_hostile_requests_leave_no_clear_value_in_the_log_or_the_data_folder(
    tmp_path: Path,
) -> None:
    """A BSN in a path, a query, a header, a body the service refuses or answers: none of it in the log or a file."""
    data_dir = tmp_path / "hub"
    create_hub(data_dir)
    token = TokenStore(data_dir).add(HubFolder(data_dir).registry(), "police")
    port, log_file = free_port(), tmp_path / "server.log"
    server = _serve(data_dir, port, log_file)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token.token}", "X-Reference": SYNTHETIC_BSN}
    try:
        _wait_until_serving(url)
        with httpx.Client(base_url=url, headers=headers, timeout=30) as police:
            police.post(f"/api/v1/pseudonyms/{SYNTHETIC_BSN}", json={"identifiers": ["x"]})
            police.post(f"/api/v1/pseudonyms?bsn={SYNTHETIC_BSN}", json={"identifiers": ["x"]})
            police.post("/api/v1/pseudonyms", json={"identifiers": [SYNTHETIC_BSN]})
            police.post("/api/v1/case-subjects", json={"case_ids": [SYNTHETIC_BSN]})
            police.post("/api/v1/pseudonyms", content=b'{"identifiers": ["111222333"')
            for route, body in HOSTILE_BODIES:
                police.post(f"/api/v1/{route}", content=body)
            police.get(f"/api/v1/cases/case-{SYNTHETIC_BSN}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log_file.read_text()
    assert "reads_recorded" in logged  # the log was written at INFO
    for clear in (SYNTHETIC_BSN, "111-222-333", token.token):
        assert clear not in logged
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert SYNTHETIC_BSN.encode() not in path.read_bytes(), path


def test_a_pseudonym_of_a_guessed_identifier_opens_no_case(embedded_web_hub: WebHub) -> None:
    """Knowing a person's pseudonym gives a partner no case it is not entitled to: no route takes a pseudonym."""
    with embedded_web_hub.client("police") as police:
        pseudonym = police.post("/api/v1/pseudonyms", json={"identifiers": ["synthetic-9"]}).json()[
            "pseudonyms"
        ][0]
        paths = police.get("/api/v1/openapi.json").json()["paths"]
        by_pseudonym = [
            police.get(f"/api/v1/cases/{pseudonym}"),
            police.get("/api/v1/cases", params={"person": pseudonym, "subject": pseudonym}),
        ]
    assert not any("{person" in p or "{subject" in p or "{pseudonym" in p for p in paths)
    assert by_pseudonym[0].status_code in (400, 404)
    assert pseudonym not in by_pseudonym[1].text


def _clients(hub: WebHub, partner: str) -> tuple[PartnerClient, PartnerClient]:
    """One partner's client with the hub's own keys, and one with the hub's protection service."""
    from connectors.sdk.kafka_transport import KafkaTransport
    from ketenhub.runtime.kafka.settings import KafkaSettings

    settings = KafkaSettings(kafka_bootstrap="127.0.0.1:1", data_dir=hub.data_dir)
    local = PartnerClient(partner, KafkaTransport(settings), name="parity")
    remote = PartnerClient(
        partner, KafkaTransport(settings, protector=_remote(hub, partner)), name="parity"
    )
    return local, remote


def test_a_connector_builds_the_same_protected_event_with_either_protector(
    embedded_web_hub: WebHub,
) -> None:
    """The anonymous-tips connector and the SDK's encrypt give the same event with the hub's keys or its service."""
    tip_file = json.dumps([{"tip_id": "MMA-PARITY-1", "received_at": "2025-11-03T09:15:00+01:00",
                            "exploitation_forms": ["SEXUAL"], "area_code": "2261",
                            "persons": ["Jose\u0301 Synthetisch", " synthetic-person-72 "],
                            "description": "Lights on all night in the back house."},
                           {"tip_id": "MMA-PARITY-2", "received_at": "2025-11-04T09:15:00+01:00",
                            "exploitation_forms": ["LABOUR"], "area_code": "2262",
                            "description": "Vans leave at five every morning."}])  # fmt: skip
    tips = parse_tip_file("parity.json", tip_file.encode()).tips
    local, remote = _clients(embedded_web_hub, "meld-misdaad-anoniem")
    try:
        here = [signal_of(tip, local) for tip in tips]
        there = [signal_of(tip, remote) for tip in tips]
        assert there == here
        coordinator_here, coordinator_there = _clients(embedded_web_hub, "municipality")
        subject = coordinator_here.protector.case_subject("case-parity-1")
        assert coordinator_there.protector.case_subject("case-parity-1") == subject
        assert coordinator_there.encrypt(
            subject, "Visited twice.", "SignalReceived", "free_text"
        ) == coordinator_here.encrypt(subject, "Visited twice.", "SignalReceived", "free_text")
        for client in (coordinator_here, coordinator_there):
            with pytest.raises(PersonalDataInText):
                client.encrypt(subject, "Call 06-12345678.", "SignalReceived", "free_text")
            client.close()
    finally:
        local.close()
        remote.close()


def test_a_batch_larger_than_the_tokens_burst_is_refused_saying_the_most_it_may_hold(
    tmp_path: Path,
) -> None:
    """A batch that could never fit the token's burst gets a 400 naming the most allowed, not a 429 forever."""
    limited = serve_embedded(tmp_path / "hub", web_token_burst=10, web_token_rate_per_s=0.01)
    with limited as hub, hub.client("police") as police:
        too_many = police.post(
            "/api/v1/pseudonyms", json={"identifiers": [f"synthetic-{n}" for n in range(11)]}
        )
        cases = police.post(
            "/api/v1/case-subjects", json={"case_ids": [f"c-{n}" for n in range(11)]}
        )
        at_most = police.post(
            "/api/v1/pseudonyms", json={"identifiers": [f"synthetic-{n}" for n in range(8)]}
        )  # the refused batches took one request each: 8 are left
    for refused in (too_many, cases):
        assert refused.status_code == 400, refused.text
        assert "at most 10" in refused.json()["detail"]
    assert at_most.status_code == 200, at_most.text


def test_a_partner_cannot_compute_the_hubs_own_keyed_references_through_digests(
    embedded_web_hub: WebHub,
) -> None:
    """/digests answers in a namespace of its own: no partner can recompute the access record's subject references."""
    import hashlib

    from ketenhub.web.api.protection import SUBJECT_REFERENCE_PURPOSE, subject_reference

    protector = HubFolder(embedded_web_hub.data_dir).protector()
    try:
        pseudonym = protector.pseudonym("synthetic-person-91")
        reference = subject_reference(protector, pseudonym)
    finally:
        protector.close()
    with embedded_web_hub.client("police") as police:
        answers = [
            police.post("/api/v1/digests", json={"purpose": purpose, "sha256": digest})
            for purpose in (SUBJECT_REFERENCE_PURPOSE, "event-id", "anonymous-tip-file")
            for digest in (
                hashlib.sha256(pseudonym.encode()).hexdigest(),
                pseudonym.encode().hex().ljust(64, "0")[:64],
            )
        ]
    assert {a.status_code for a in answers} == {200}
    assert not any(reference.removeprefix("subject-") in a.json()["digest"] for a in answers)


def test_plain_http_to_loopback_never_takes_a_proxy_off_the_machine(
    embedded_web_hub: WebHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTP_PROXY set (as on many office machines) clear values to a loopback hub still go to it directly."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def proxy() -> None:
        listener.settimeout(30)
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            received.append(connection.recv(65536))
            connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")

    thread = threading.Thread(target=proxy, daemon=True)
    thread.start()
    proxy_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    remote = _remote(embedded_web_hub)
    try:
        pseudonym = remote.pseudonym(SYNTHETIC_BSN)
    finally:
        remote.close()
        with contextlib.suppress(OSError):  # wakes the proxy's accept() at once
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(timeout=30)
    assert pseudonym.startswith("psn-")
    assert received == []


def test_a_replayed_proof_of_the_real_hub_gets_no_token_and_no_clear_value(
    embedded_web_hub: WebHub,
) -> None:
    """A service without the key that replays a proof the real hub once gave: HubKeyMismatch, nothing else sent."""
    with embedded_web_hub.client() as anyone:
        old_challenge = base64.b64encode(b"\x01" * 32).decode()
        recorded = anyone.post("/api/v1/hub-proofs", json={"challenge": old_challenge}).content
    seen: list[httpx.Request] = []

    def impostor(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=recorded, headers={"content-type": "application/json"})

    remote = _remote(embedded_web_hub, transport=httpx.MockTransport(impostor))
    try:
        with pytest.raises(HubKeyMismatch, match="does not verify"):
            remote.pseudonym(SYNTHETIC_BSN)
        with pytest.raises(HubKeyMismatch):
            remote.encrypt("psn-" + "0" * 32, "A clear text.", ASSOCIATED)
    finally:
        remote.close()
    assert [r.url.path for r in seen] == ["/api/v1/hub-proofs"] * 2
    for request in seen:
        assert "authorization" not in request.headers
        assert SYNTHETIC_BSN.encode() not in request.content
        assert b"A clear text" not in request.content


@pytest.mark.parametrize("partner", ["police", None])
def test_a_huge_body_is_refused_before_it_is_read_or_authenticated(
    embedded_web_hub: WebHub, partner: str | None
) -> None:
    """A body over the limit is a 413 problem whether or not a token came with it, declared or chunked."""
    huge = b'{"identifiers": ["' + b"1" * (300 * 1024) + b'"]}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(huge), 16 * 1024):
            yield huge[start : start + 16 * 1024]

    with embedded_web_hub.client(partner) as client:
        declared = client.post("/api/v1/pseudonyms", content=huge)
        chunked = client.post("/api/v1/pseudonyms", content=chunks())
    for answer in (declared, chunked):
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_hubs_proof_is_no_signing_oracle_for_checkpoints(embedded_web_hub: WebHub) -> None:
    """Anyone may have the hub sign a challenge of their choice; that signature never passes as a checkpoint's."""
    from ketenhub.core.checkpoints import Checkpoint, key_id, verify_checkpoint
    from ketenhub.errors import CheckpointInvalid

    root = bytes(range(32))
    with embedded_web_hub.client() as anyone:
        proof = anyone.post(
            "/api/v1/hub-proofs", json={"challenge": base64.b64encode(root).decode()}
        ).json()
    key = HubFolder(embedded_web_hub.data_dir).public_key()
    forged = Checkpoint(
        tree_size=0,
        root=root,
        signed_at_us=0,
        key_id=key_id(key),
        signature=base64.b64decode(proof["signature"]),
    )
    with pytest.raises(CheckpointInvalid):
        verify_checkpoint(forged, key)


@pytest.mark.parametrize(
    "url",
    ["https://police:synthetic-secret-7@hub.example.org", "http://khp_synthetic-7@127.0.0.1:8080"],
)
def test_an_address_with_credentials_in_it_is_refused_without_repeating_them(url: str) -> None:
    """A user or password in the service address would be logged with the address: refused, not repeated."""
    pin = pin_from_fingerprint("0" * 64)
    with pytest.raises(ConnectorError, match="user name or password") as refused:
        RemoteProtector(url, "khp_x", pin)
    assert "synthetic-secret-7" not in str(refused.value)
    assert "khp_synthetic-7" not in str(refused.value)


def test_the_hub_never_receives_a_plain_hash_of_a_tip_file(embedded_web_hub: WebHub) -> None:
    """A tip file may hold the reporter's phone number: the hub gets no plain SHA-256 of it (which
    it could match by trying every number), only a hash keyed with the partner's token."""
    tip_file = b'[{"tip_id": "MMA-1", "reporter_phone": "0612345678", "description": "Synthetic."}]'
    sent: list[bytes] = []
    real = httpx.Client(base_url=embedded_web_hub.url)

    def recording(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        answer = real.post(request.url.path, content=request.content, headers=request.headers)
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    remote = _remote(embedded_web_hub, transport=httpx.MockTransport(recording))
    try:
        remote.digest(FILE_DIGEST_PURPOSE, tip_file)
    finally:
        remote.close()
        real.close()
    plain = hashlib.sha256(tip_file).hexdigest().encode()
    digest_requests = [body for body in sent if b'"sha256"' in body]
    assert digest_requests, "no digest request was sent"
    assert all(plain not in body and b"0612345678" not in body for body in sent)
