"""Privacy primitives: keyed pseudonyms and per-subject field encryption (AES-256-GCM).

Persons are referred to by pseudonyms, a keyed HMAC-SHA256 of a namespace and an
identifier under the hub's secret. Free text and direct identifiers are encrypted with the
key of their data subject; erasing that key (crypto-shredding) makes them unreadable
everywhere. The subject pseudonym is bound into the associated data, so a ciphertext
cannot be moved to another subject. Pure: no I/O; the keys come from a key store.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ketenhub.errors import PrivacyError

MIN_SECRET_BYTES = 32
KEY_BYTES = 32
NONCE_BYTES = 12
PSEUDONYM_PREFIX = "psn-"
PSEUDONYM_HEX_LENGTH = 32

_PSEUDONYM_TAG = b"ketenhub/pseudonym/v1"
_FIELD_TAG = b"ketenhub/field/v1"


class SecretTooShort(PrivacyError):
    """The pseudonym secret is shorter than the minimum length."""

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(
            f"pseudonym secret is {length} byte(s); it must be at least {MIN_SECRET_BYTES} "
            "random bytes"
        )


class InvalidKeyMaterial(PrivacyError):
    """A key or nonce does not have the length AES-256-GCM needs."""

    def __init__(self, what: str, length: int, expected: int) -> None:
        self.what = what
        self.length = length
        self.expected = expected
        super().__init__(f"{what} is {length} byte(s); AES-256-GCM needs exactly {expected}")


class FieldUndecryptable(PrivacyError):
    """An encrypted field does not decrypt: wrong key or associated data, or tampered bytes."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"cannot decrypt a field of data subject {subject}: wrong subject key, wrong "
            "associated data, or the nonce or ciphertext was altered"
        )


@dataclass(frozen=True)
class EncryptedText:
    """The content of the Avro ``EncryptedField`` record: a text sealed under a subject's key."""

    subject: str
    nonce: bytes
    ciphertext: bytes


def pseudonymise(secret: bytes, namespace: str, identifier: str) -> str:
    """Return the pseudonym of ``identifier`` in ``namespace``: ``psn-`` + 32 hex characters."""
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretTooShort(len(secret))
    message = _length_prefixed(_PSEUDONYM_TAG, namespace.encode(), identifier.encode())
    digest = hmac.new(secret, message, hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_LENGTH]


def new_subject_key() -> bytes:
    """Return a fresh random 32-byte AES-256 key for a data subject."""
    return os.urandom(KEY_BYTES)


def encrypt_text(
    key: bytes,
    subject: str,
    plaintext: str,
    associated_data: bytes,
    nonce: bytes | None = None,
) -> EncryptedText:
    """Encrypt ``plaintext`` under the subject's key, binding the subject and associated data."""
    _check_length("subject key", key, KEY_BYTES)
    used_nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    _check_length("nonce", used_nonce, NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(
        used_nonce, plaintext.encode("utf-8"), _bound(subject, associated_data)
    )
    return EncryptedText(subject=subject, nonce=used_nonce, ciphertext=ciphertext)


def decrypt_text(key: bytes, encrypted: EncryptedText, associated_data: bytes) -> str:
    """Decrypt a field; raise ``FieldUndecryptable`` if the key, data or bytes do not match."""
    _check_length("subject key", key, KEY_BYTES)
    if len(encrypted.nonce) != NONCE_BYTES:
        raise FieldUndecryptable(encrypted.subject)
    try:
        plaintext = AESGCM(key).decrypt(
            encrypted.nonce, encrypted.ciphertext, _bound(encrypted.subject, associated_data)
        )
        return plaintext.decode("utf-8")
    except (InvalidTag, UnicodeDecodeError) as exc:
        raise FieldUndecryptable(encrypted.subject) from exc


def _bound(subject: str, associated_data: bytes) -> bytes:
    """Return the associated data with the subject bound in, encoded unambiguously."""
    return _length_prefixed(_FIELD_TAG, subject.encode(), associated_data)


def _length_prefixed(*parts: bytes) -> bytes:
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def _check_length(what: str, data: bytes, expected: int) -> None:
    if len(data) != expected:
        raise InvalidKeyMaterial(what, len(data), expected)


def associated_data(event_type: str, field_name: str) -> bytes:
    """The associated data binding an encrypted field to its event type and field name."""
    return f"{event_type}.{field_name}".encode()


def derived_nonce(key: bytes, subject: str, plaintext: str, associated: bytes) -> bytes:
    """A nonce derived from the key and everything encrypted (a synthetic IV).

    Encrypting the same text for the same subject and field twice then gives the same bytes,
    so re-publishing an event is idempotent; a nonce repeats only for identical input, which
    is what keeps AES-GCM safe. The price is that equal texts are recognisable as equal.
    """
    _check_length("subject key", key, KEY_BYTES)
    message = _length_prefixed(
        b"ketenhub/nonce/v1", subject.encode(), associated, plaintext.encode()
    )
    return hmac.new(key, message, hashlib.sha256).digest()[:NONCE_BYTES]
