"""Deterministic ids and digests are keyed: without the hub's secret they cannot be recomputed."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from synthetic import Story, pseudonym

from ketenhub.contract.models import SignalReceived
from ketenhub.core.keyed_ids import keyed_digest, keyed_event_id, protected_content
from ketenhub.core.privacy import SecretTooShort

SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))


def _protected_signal() -> SignalReceived:
    """A signal as it is stored: pseudonyms only and no free text, so nothing in it depends on a key."""
    return Story().signal(persons=[pseudonym("person-1")])


def test_the_same_protected_event_under_another_secret_gets_another_id() -> None:
    """The event id depends on the secret, not only on the content an attacker can read in the log."""
    event = _protected_signal()
    assert keyed_event_id(SECRET, event) == keyed_event_id(SECRET, event)
    assert keyed_event_id(SECRET, event) != keyed_event_id(OTHER_SECRET, event)


def test_an_event_id_is_no_unkeyed_hash_of_what_the_log_holds() -> None:
    """No plain hash or name-based UUID of the stored content equals the derived id."""
    event = _protected_signal()
    derived = keyed_event_id(SECRET, event)
    content = protected_content(event)
    plain = {
        uuid.UUID(bytes=hashlib.new(name, content).digest()[:16]) for name in ("sha256", "md5")
    }
    named = {uuid.uuid5(ns, content.hex()) for ns in (uuid.NAMESPACE_OID, uuid.NAMESPACE_URL)}
    assert derived not in plain | named
    assert derived.version == 8


def test_a_keyed_digest_depends_on_secret_purpose_and_content() -> None:
    """Change any one of the three and the digest changes; it is never the plain SHA-256."""
    digest = keyed_digest(SECRET, "tip-file", b"synthetic file")
    assert digest != keyed_digest(OTHER_SECRET, "tip-file", b"synthetic file")
    assert digest != keyed_digest(SECRET, "event-id", b"synthetic file")
    assert digest != keyed_digest(SECRET, "tip-file", b"synthetic file.")
    assert digest != hashlib.sha256(b"synthetic file").digest()


def test_a_short_secret_is_refused() -> None:
    """A secret too short to key anything is an error, never a weak key."""
    with pytest.raises(SecretTooShort):
        keyed_digest(b"short", "event-id", b"content")
