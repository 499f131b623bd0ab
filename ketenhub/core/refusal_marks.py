"""Refusal marks: how the sealer recognises a message it refused before without keeping it.

An event refused before and delivered again with the same content is not refused a second
time (``Sealer.decide``). After a restart the sealer learns what it refused from
``rejected.<partner>``; a record whose bytes were withheld (a field may hold personal data in
clear) gives it nothing to decode. So every rejected record carries a mark of the event it
refused: a keyed digest of the event's id and content digest, under a key derived from the
hub's signing key. An unkeyed hash of content that holds a clear BSN or phone number could be
reversed by brute force over that small space; the keyed mark cannot without the hub's key.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ketenhub.core.keyed_ids import keyed_digest

MARK_HEADER = "ketenhub_refusal_mark"  # hex of the keyed mark of the refused event
_PURPOSE = "refusal-mark"
_MARK_BYTES = 32


class RefusalMarks:
    """Marks of refused events under a key derived from the hub's signing key."""

    def __init__(self, signing_key: Ed25519PrivateKey) -> None:
        derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ketenhub/refusal")
        self._secret = derive.derive(signing_key.private_bytes_raw())

    def mark(self, event_id: UUID, content_digest: bytes) -> bytes:
        """The mark of an event with this id and content (32 bytes)."""
        return keyed_digest(self._secret, _PURPOSE, event_id.bytes + content_digest)


def mark_of(headers: Sequence[tuple[str, bytes]]) -> bytes | None:
    """The mark a rejected record's headers carry, or None (none, or not a well-formed mark)."""
    for name, value in reversed(headers):
        if name == MARK_HEADER:
            try:
                mark = bytes.fromhex(value.decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                return None
            return mark if len(mark) == _MARK_BYTES else None
    return None
