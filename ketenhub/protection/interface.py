"""The protection interface: what a partner client needs to turn clear input into protected events.

Two implementations: ``KeyStoreProtector`` (``ketenhub.protection.protector``), which holds the
hub's pseudonym secret and subject keys and so runs only at the hub (the embedded hub's own
folder, the hub's commands and web tier); and the partner's ``RemoteProtector``
(``connectors.sdk.remote_protector``), which asks the hub's protection service and holds no
secret of the hub. Connector code sees only this protocol, so it is the same on every backend.
"""

from __future__ import annotations

from typing import Protocol

from ketenhub.contract.base import Event
from ketenhub.contract.models import EncryptedField


class Protector(Protocol):
    """Pseudonyms, field encryption under a subject's key, keyed event ids and keyed digests."""

    def pseudonym(self, identifier: str) -> str:
        """The pseudonym of a clear identifier (the same person: the same pseudonym)."""
        ...

    def case_subject(self, case_id: str) -> str:
        """The data subject of texts keyed to a case rather than to a person."""
        ...

    def encrypt(self, subject: str, text: str, associated: bytes) -> EncryptedField:
        """A text encrypted under the key of ``subject`` (a pseudonym), bound to ``associated``."""
        ...

    def decrypt(self, field_value: EncryptedField, associated: bytes) -> str:
        """The clear text of a field; raises ``PrivacyError`` where this protector may not decrypt."""
        ...

    def with_event_id(self, event: Event) -> Event:
        """The protected event with its keyed deterministic id (re-publishing stays idempotent)."""
        ...

    def digest(self, purpose: str, content: bytes) -> str:
        """A keyed digest (hex) that names ``content`` (a file) without revealing it."""
        ...

    def close(self) -> None:
        """Release what the protector holds open."""
        ...
