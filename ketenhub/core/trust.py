"""The trust anchor: the hub's public key, pinned by its fingerprint outside the data folder.

The fingerprint is SHA-256 over the raw 32 bytes of the Ed25519 public key, in 64 lowercase
hex digits; a checkpoint's key id is its first 16 digits. Whoever verifies pins the
fingerprint (or the public key PEM itself) where the hub's operators cannot rewrite it; a
key read from the data folder is trusted only when its fingerprint equals the pinned one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.checkpoints import public_key_from_pem
from ketenhub.errors import IntegrityError

_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


class PinInvalid(IntegrityError):
    """The pinned key given is neither a fingerprint nor an Ed25519 public key PEM."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"trusted key: {detail}")


class UntrustedKey(IntegrityError):
    """The hub's public key is not the key pinned by whoever verifies."""

    def __init__(self, found: str, pinned: str) -> None:
        self.found, self.pinned = found, pinned
        super().__init__(
            f"the hub's public key has fingerprint {found} (key id {found[:16]}), but the pinned "
            f"key is {pinned} (key id {pinned[:16]}): the log is not vouched for by the trusted key"
        )


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """Return SHA-256 over the key's raw 32 bytes, as 64 lowercase hex digits."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()  # its first 16 digits are ``key_id(public_key)``


@dataclass(frozen=True)
class TrustedKey:
    """A pin: the fingerprint of the trusted key, and the key itself when the pin carries it."""

    fingerprint: str
    public_key: Ed25519PublicKey | None = None

    def key_for(self, offered: Ed25519PublicKey) -> Ed25519PublicKey:
        """The key to verify with: the pinned key, or ``offered`` when its fingerprint matches."""
        if self.public_key is not None:
            return self.public_key
        found = fingerprint(offered)
        if found != self.fingerprint:
            raise UntrustedKey(found, self.fingerprint)
        return offered


def pin_from_fingerprint(text: str) -> TrustedKey:
    """A pin from a fingerprint (64 hex digits; colons, spaces and a ``sha256:`` prefix allowed)."""
    cleaned = re.sub(r"[\s:]", "", text.strip().lower()).removeprefix("sha256")
    if not _FINGERPRINT.match(cleaned):
        detail = (
            "expected the 64 hex digits of the hub key's SHA-256 fingerprint "
            "(as `ketenhub init` printed it) or a public key PEM file"
        )
        raise PinInvalid(detail)
    return TrustedKey(cleaned)


def pin_from_pem(pem: bytes) -> TrustedKey:
    """A pin from the hub's public key PEM (carries the key itself)."""
    key = public_key_from_pem(pem)
    return TrustedKey(fingerprint(key), key)


def pin_from_text(content: bytes) -> TrustedKey:
    """A pin from a file's content: a public key PEM, or a fingerprint on its first line."""
    if b"-----BEGIN" in content:
        return pin_from_pem(content)
    try:
        first = content.decode("ascii").strip().splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        detail = "the file holds neither a public key PEM nor a fingerprint"
        raise PinInvalid(detail) from None
    return pin_from_fingerprint(first)
