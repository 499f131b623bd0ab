"""The partner's protector: pseudonyms and encryption asked of the hub's protection service.

A partner's system holds no secret of the hub. It sends clear identifiers and texts to the
hub's protection service (``/api/v1/pseudonyms``, ``/api/v1/encryptions``, ... of
``ketenhub web``), authenticated with its API token, and gets back pseudonyms, encrypted
fields and keyed ids. Before the token or any clear value leaves the process, the service
must prove that it holds the hub key the partner pinned: it signs a fresh random challenge
(``ketenhub.protection.hub_proof``). Plain HTTP is accepted only to a loopback address
(tests, a hub on the same machine), and never through a proxy of the environment; anything
else must be HTTPS. Pseudonyms and case subjects asked once are remembered for the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import time
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from connectors.sdk.errors import (
    ConnectorError,
    HubKeyMismatch,
    HubUnreachable,
    ProtectionRefused,
    ProtectionServiceError,
    TokenRefused,
)
from ketenhub.codec.single_object import encode_event
from ketenhub.contract.base import Event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.trust import TrustedKey, UntrustedKey
from ketenhub.errors import PrivacyError
from ketenhub.protection.hub_proof import CHALLENGE_BYTES, proof_holds

SERVICE_PATH = "/api/v1"
RATE_LIMIT_ATTEMPTS = 4
MAX_RETRY_WAIT_S = 10.0
REFUSALS = (400, 403, 409, 410, 413, 422)  # the input breaks a rule; anything else is the service's


def _log() -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger("connectors")  # type: ignore[no-any-return]  # structlog's factory is untyped


def check_service_url(url: str) -> str:
    """The service's base URL without a trailing slash; refuse plain HTTP beyond loopback and credentials in it."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        msg = f"protection service address {url!r} is not an http(s) URL"
        raise ConnectorError(msg)
    if parts.username is not None or parts.password is not None:
        msg = (
            "the protection service address holds a user name or password: it would be "
            "written in logs and messages; give the address only (the API token authenticates)"
        )
        raise ConnectorError(msg)
    if parts.scheme == "http" and not _loopback(parts.hostname):
        msg = (
            f"protection service address {url} is plain HTTP to another machine: clear "
            "identifiers and texts would cross the network unencrypted; use https://"
        )
        raise ConnectorError(msg)
    return url.rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RemoteProtector:
    """The ``Protector`` of a partner: every protection is done by the hub's service."""

    def __init__(
        self,
        url: str,
        token: str,
        pin: TrustedKey,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = check_service_url(url)
        self._token, self._pin = token, pin
        # Plain HTTP is allowed to loopback only, so it must not go through a proxy named in
        # the environment (HTTP_PROXY), which may be another machine that reads it in clear.
        direct = urlsplit(self.url).scheme == "http"
        self._http = httpx.Client(
            base_url=self.url, timeout=timeout_s, transport=transport, trust_env=not direct
        )
        self._proven = False
        self._pseudonyms: dict[str, str] = {}
        self._case_subjects: dict[str, str] = {}

    def pseudonym(self, identifier: str) -> str:
        """The hub's pseudonym of ``identifier`` (asked once per process)."""
        if identifier not in self._pseudonyms:
            found = self._post("pseudonyms", {"identifiers": [identifier]})["pseudonyms"]
            self._pseudonyms[identifier] = str(found[0])
        return self._pseudonyms[identifier]

    def case_subject(self, case_id: str) -> str:
        """The data subject of a case's own texts, from the hub."""
        if case_id not in self._case_subjects:
            found = self._post("case-subjects", {"case_ids": [case_id]})["subjects"]
            self._case_subjects[case_id] = str(found[0])
        return self._case_subjects[case_id]

    def encrypt(self, subject: str, text: str, associated: bytes) -> EncryptedField:
        """The text encrypted by the hub under the subject's key (the key never leaves the hub)."""
        body = {"subject": subject, "associated": _b64(associated), "text": text}
        found = self._post("encryptions", body)
        return EncryptedField(
            subject=str(found["subject"]),
            nonce=base64.b64decode(found["nonce"]),
            ciphertext=base64.b64decode(found["ciphertext"]),
        )

    def decrypt(self, field_value: EncryptedField, associated: bytes) -> str:
        """Never: a partner's system reads no encrypted field (the hub checked it before it encrypted)."""
        msg = f"a partner's system cannot decrypt fields of data subject {field_value.subject}"
        raise PrivacyError(msg)

    def with_event_id(self, event: Event) -> Event:
        """The event with the keyed id the hub gives its protected content."""
        found = self._post("event-ids", {"event": _b64(encode_event(event))})
        return event.model_copy(update={"event_id": uuid.UUID(str(found["event_id"]))})

    def digest(self, purpose: str, content: bytes) -> str:
        """A keyed digest of the content, named by the hub without seeing it.

        The hub gets neither the content nor its plain SHA-256 (from which a file holding a
        phone number could be found by trying every number), but an HMAC-SHA256 under this
        partner's API token, which the hub keeps only hashed. A new token names the same
        content anew (a drop folder sends such files again; the hub ignores what it sealed).
        """
        salted = hmac.new(self._token.encode(), content, hashlib.sha256).hexdigest()
        return str(self._post("digests", {"purpose": purpose, "sha256": salted})["digest"])

    def report_reads(self, operation: str, case_ids: Sequence[str]) -> None:
        """Have the hub seal the reads of these cases' views into access.log (a refusal raises)."""
        self._post("reads", {"operation": operation, "case_ids": list(case_ids)})

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def prove_hub(self) -> None:
        """Have the service sign a fresh challenge; raise ``HubKeyMismatch`` unless the pinned key did."""
        challenge = os.urandom(CHALLENGE_BYTES)
        answer = self._request("hub-proofs", {"challenge": _b64(challenge)}, authorized=False)
        try:
            offered = Ed25519PublicKey.from_public_bytes(base64.b64decode(answer["public_key"]))
            key = self._pin.key_for(offered)
            signature = base64.b64decode(answer["signature"])
        except UntrustedKey as exc:
            raise HubKeyMismatch(self.url, f"it offers key {exc.found[:16]}") from None
        except (KeyError, TypeError, ValueError):
            raise HubKeyMismatch(self.url, "its proof is malformed") from None
        if not proof_holds(key, challenge, signature):
            raise HubKeyMismatch(self.url, "its signature does not verify with the pinned key")
        self._proven = True
        _log().info("protection_service_proven", url=self.url)

    def _post(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        if not self._proven:
            self.prove_hub()
        return self._request(operation, body, authorized=True)

    def _request(self, operation: str, body: dict[str, Any], *, authorized: bool) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}"} if authorized else {}
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            try:
                response = self._http.post(
                    f"{SERVICE_PATH}/{operation}", json=body, headers=headers
                )
            except httpx.TransportError as exc:
                raise HubUnreachable(self.url, type(exc).__name__) from None
            if response.status_code == 429 and attempt < RATE_LIMIT_ATTEMPTS:
                wait_s = min(float(response.headers.get("Retry-After", "1")), MAX_RETRY_WAIT_S)
                _log().warning("protection_rate_limited", operation=operation, wait_s=wait_s)
                time.sleep(wait_s)
                continue
            return self._answer(operation, response)
        raise AssertionError  # unreachable: the last attempt returns or raises

    def _answer(self, operation: str, response: httpx.Response) -> dict[str, Any]:
        if response.status_code == 401:
            raise TokenRefused(self.url)
        try:
            document = response.json()
        except ValueError:
            document = None
        detail = document.get("detail") if isinstance(document, dict) else None
        if response.status_code in REFUSALS and detail:
            raise ProtectionRefused(operation, response.status_code, str(detail))
        if response.status_code != 200 or not isinstance(document, dict):
            msg = (
                f"the hub's protection service refused {operation} "
                f"(HTTP {response.status_code}): {detail or 'no problem document'}"
            )
            raise ProtectionServiceError(msg)
        return document


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
