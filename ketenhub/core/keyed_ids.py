"""Keyed ids: deterministic event ids and digests that reveal nothing without the hub's secret.

Re-publishing must be idempotent, so an event published without an id gets one derived from
its content. An unkeyed hash of content that holds (or held) personal data can be reversed by
brute force over a small space such as every BSN or every Dutch mobile number; so every such
id is an HMAC-SHA256 under a secret, computed over the *protected* form of the event
(pseudonyms and ciphertexts, never clear values), with a purpose label separating the uses.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from ketenhub.codec.single_object import encode_event
from ketenhub.contract.base import Event
from ketenhub.core.privacy import MIN_SECRET_BYTES, SecretTooShort

_TAG = b"ketenhub/keyed-id/v1"
EVENT_ID_PURPOSE = "event-id"
PLACEHOLDER_EVENT_ID = uuid.UUID(int=0)


def keyed_digest(secret: bytes, purpose: str, content: bytes) -> bytes:
    """The HMAC-SHA256 of ``content`` under ``secret`` for ``purpose`` (32 bytes)."""
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretTooShort(len(secret))
    label = purpose.encode()
    message = b"".join((len(part).to_bytes(4, "big") + part) for part in (_TAG, label, content))
    return hmac.new(secret, message, hashlib.sha256).digest()


def keyed_uuid(secret: bytes, purpose: str, content: bytes) -> uuid.UUID:
    """A version-8 UUID (RFC 9562, custom) from the keyed digest of ``content``."""
    raw = bytearray(keyed_digest(secret, purpose, content)[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 9562 variant
    return uuid.UUID(bytes=bytes(raw))


def protected_content(event: Event) -> bytes:
    """The canonical bytes of a protected event without its id: its Avro single-object encoding."""
    return encode_event(event.model_copy(update={"event_id": PLACEHOLDER_EVENT_ID}))


def keyed_event_id(secret: bytes, event: Event) -> uuid.UUID:
    """The deterministic id of a protected event: the same content gives the same id."""
    return keyed_uuid(secret, EVENT_ID_PURPOSE, protected_content(event))


def with_keyed_event_id(secret: bytes, event: Event) -> Event:
    """The event with its id replaced by its keyed deterministic id."""
    return event.model_copy(update={"event_id": keyed_event_id(secret, event)})
