"""The hub's protector: pseudonyms from its secret, field encryption with per-subject keys."""

from __future__ import annotations

from ketenhub.contract.base import Event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.identifier_form import canonical_identifier
from ketenhub.core.keyed_ids import keyed_digest, with_keyed_event_id
from ketenhub.core.privacy import (
    EncryptedText,
    decrypt_text,
    derived_nonce,
    encrypt_text,
    new_subject_key,
    pseudonymise,
)
from ketenhub.errors import EmptyIdentifier, PrivacyError, SubjectKeyErased
from ketenhub.protection.keystore import Erasure, SqliteKeyStore

ERASED = "[erased]"
PSEUDONYM_NAMESPACE = "ketenhub/subject"


class KeyStoreProtector:
    """Pseudonymises identifiers and encrypts texts before anything is stored."""

    def __init__(self, secret: bytes, keys: SqliteKeyStore) -> None:
        self._secret, self._keys = secret, keys

    def pseudonym(self, identifier: str) -> str:
        """Return the keyed-HMAC pseudonym of an identifier, in its one canonical form.

        Raises ``EmptyIdentifier`` when nothing visible is left of it.
        """
        canonical = canonical_identifier(identifier)
        if not canonical:
            raise EmptyIdentifier
        return pseudonymise(self._secret, PSEUDONYM_NAMESPACE, canonical)

    def case_subject(self, case_id: str) -> str:
        """The data subject of texts keyed to a case rather than to a person."""
        return self.pseudonym(f"case:{case_id}")

    def with_event_id(self, event: Event) -> Event:
        """The protected event with its keyed deterministic id (for idempotent re-publishing)."""
        return with_keyed_event_id(self._secret, event)

    def digest(self, purpose: str, content: bytes) -> str:
        """A keyed digest (hex) of ``content``: names a file or input without revealing it."""
        return keyed_digest(self._secret, purpose, content).hex()

    def encrypt(self, subject: str, text: str, associated: bytes) -> EncryptedField:
        """Encrypt a text under the key of ``subject`` (a pseudonym).

        An erased subject gets no key again: its new text is encrypted under a key that is
        thrown away at once, shredded on arrival as the erasure asks. The answer looks like
        any other, so that no caller learns from it that this person was known and erased.
        """
        try:
            key = self._keys.key_for(subject)
        except SubjectKeyErased:
            key = new_subject_key()  # never stored: the text is unreadable from the start
        nonce = derived_nonce(key, subject, text, associated)
        sealed = encrypt_text(key, subject, text, associated, nonce)
        return EncryptedField(
            subject=sealed.subject, nonce=sealed.nonce, ciphertext=sealed.ciphertext
        )

    def decrypt(self, field_value: EncryptedField, associated: bytes) -> str:
        """Decrypt a field, or return ``[erased]`` when its subject's key was shredded."""
        try:
            key = self._keys.get(field_value.subject)
        except SubjectKeyErased:
            return ERASED
        encrypted = EncryptedText(field_value.subject, field_value.nonce, field_value.ciphertext)
        try:
            return decrypt_text(key, encrypted, associated)
        except PrivacyError:
            return "[undecryptable]"

    def close(self) -> None:
        """Close the key store."""
        self._keys.close()

    def erase(self, subject: str, reason: str | None = None) -> bool:
        """Crypto-shred a data subject: its fields become unreadable everywhere.

        ``reason`` is kept with the erasure (None: on request). Returns False when the subject
        was erased before; raises UnknownSubject when it never had a key (nothing is recorded).
        """
        return self._keys.erase(subject, reason)

    def has_key(self, subject: str) -> bool:
        """Whether the subject has a key now (something was encrypted for it, not erased)."""
        return self._keys.has_key(subject)

    def erasure(self, subject: str) -> Erasure | None:
        """When and why the subject was erased, or None."""
        return self._keys.erasure(subject)
