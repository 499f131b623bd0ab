"""Tests of signed checkpoints: payload, Ed25519 signing and verification, key PEM helpers."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.checkpoints import (
    CHECKPOINT_DOMAIN,
    Checkpoint,
    KeyMaterialInvalid,
    generate_hub_key,
    key_id,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
    sign_checkpoint,
    signing_payload,
    verify_checkpoint,
)
from ketenhub.errors import CheckpointInvalid, IntegrityError

ROOT = hashlib.sha256(b"synthetic merkle root").digest()
SIGNED_AT_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
# RFC 8032 §7.1 TEST 1 secret key: a fixed, public key so the key id below is a known answer.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


@pytest.fixture(scope="module")
def hub_key() -> Ed25519PrivateKey:
    """The hub's signing key for these tests."""
    return generate_hub_key()


@pytest.fixture(scope="module")
def checkpoint(hub_key: Ed25519PrivateKey) -> Checkpoint:
    """A checkpoint over a synthetic root at tree size 1234."""
    return sign_checkpoint(hub_key, 1234, ROOT, SIGNED_AT_US)


def test_signed_checkpoint_verifies_with_the_hub_public_key(
    hub_key: Ed25519PrivateKey, checkpoint: Checkpoint
) -> None:
    """A checkpoint signed with the hub key carries its fields and verifies with its public key."""
    assert (checkpoint.tree_size, checkpoint.root, checkpoint.signed_at_us) == (
        1234,
        ROOT,
        SIGNED_AT_US,
    )
    assert checkpoint.key_id == key_id(hub_key.public_key())
    assert len(checkpoint.signature) == 64
    verify_checkpoint(checkpoint, hub_key.public_key())


def test_payload_is_domain_tag_then_fixed_width_fields() -> None:
    """The signed bytes are the v1 tag, size and time as big-endian u64, then the root."""
    payload = signing_payload(1234, ROOT, SIGNED_AT_US)
    assert payload == (
        b"ketenhub-checkpoint/v1\n"
        + (1234).to_bytes(8, "big")
        + SIGNED_AT_US.to_bytes(8, "big")
        + ROOT
    )
    assert payload.startswith(CHECKPOINT_DOMAIN)
    assert len(payload) == len(CHECKPOINT_DOMAIN) + 8 + 8 + 32


def test_payloads_of_different_tree_heads_differ() -> None:
    """Swapping or changing any field gives a different payload."""
    payloads = {
        signing_payload(1, ROOT, 2),
        signing_payload(2, ROOT, 1),
        signing_payload(1, ROOT, 3),
        signing_payload(1, bytes(32), 2),
        signing_payload(0, ROOT, 2),
    }
    assert len(payloads) == 5


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"tree_size": 1235}, id="tree-size-up"),
        pytest.param({"tree_size": 1233}, id="tree-size-down"),
        pytest.param({"root": hashlib.sha256(b"another synthetic root").digest()}, id="root"),
        pytest.param({"root": bytes([ROOT[0] ^ 1]) + ROOT[1:]}, id="root-one-bit"),
        pytest.param({"signed_at_us": SIGNED_AT_US + 1}, id="signed-at"),
        pytest.param({"signature": bytes(64)}, id="signature-zero"),
    ],
)
def test_any_changed_field_fails_verification(
    hub_key: Ed25519PrivateKey, checkpoint: Checkpoint, change: dict[str, Any]
) -> None:
    """Changing the tree size, root, signing time or signature makes verification fail."""
    altered = dataclasses.replace(checkpoint, **change)
    with pytest.raises(CheckpointInvalid, match=r"signature of key \w+ does not match") as caught:
        verify_checkpoint(altered, hub_key.public_key())
    assert caught.value.tree_size == altered.tree_size


@pytest.mark.parametrize("bit", [0, 7, 100, 511])
def test_a_flipped_signature_bit_fails_verification(
    hub_key: Ed25519PrivateKey, checkpoint: Checkpoint, bit: int
) -> None:
    """A signature with any one bit flipped does not verify."""
    signature = bytearray(checkpoint.signature)
    signature[bit // 8] ^= 1 << (bit % 8)
    altered = dataclasses.replace(checkpoint, signature=bytes(signature))
    with pytest.raises(CheckpointInvalid):
        verify_checkpoint(altered, hub_key.public_key())


def test_a_different_key_fails_on_its_key_id(checkpoint: Checkpoint) -> None:
    """Verifying with another key fails and names both key ids."""
    other = generate_hub_key().public_key()
    with pytest.raises(CheckpointInvalid, match="was signed by key id") as caught:
        verify_checkpoint(checkpoint, other)
    assert checkpoint.key_id in str(caught.value)
    assert key_id(other) in str(caught.value)


def test_a_different_key_fails_on_the_signature_even_with_a_forged_key_id(
    checkpoint: Checkpoint,
) -> None:
    """A checkpoint relabelled with another key's id still fails: the signature is not its."""
    other = generate_hub_key().public_key()
    relabelled = dataclasses.replace(checkpoint, key_id=key_id(other))
    with pytest.raises(CheckpointInvalid, match="not signed by this key"):
        verify_checkpoint(relabelled, other)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(
            {"root": ROOT[:31]}, "the root must be 32 bytes of SHA-256, got 31", id="root"
        ),
        pytest.param({"tree_size": -1}, "tree size -1 must be an unsigned 64-bit", id="size"),
        pytest.param({"signed_at_us": -5}, "signed_at_us -5 must be UTC microseconds", id="time"),
        pytest.param({"signature": b"\x00" * 63}, "signature must be 64 bytes, got 63", id="sig"),
    ],
)
def test_malformed_checkpoints_raise_checkpoint_invalid(
    hub_key: Ed25519PrivateKey, checkpoint: Checkpoint, change: dict[str, Any], reason: str
) -> None:
    """A checkpoint with malformed fields is refused with CheckpointInvalid naming the field."""
    altered = dataclasses.replace(checkpoint, **change)
    with pytest.raises(CheckpointInvalid, match=reason):
        verify_checkpoint(altered, hub_key.public_key())


@pytest.mark.parametrize(
    ("size", "root", "signed_at_us", "reason"),
    [
        (-1, ROOT, 0, "tree size -1"),
        (1 << 64, ROOT, 0, "tree size 18446744073709551616"),
        (1, ROOT, -1, "signed_at_us -1"),
        (1, ROOT[:16], 0, "got 16 bytes"),
        (1, ROOT.hex(), 0, "got str"),
    ],
)
def test_signing_bad_arguments_raises_value_error(
    hub_key: Ed25519PrivateKey, size: int, root: bytes, signed_at_us: int, reason: str
) -> None:
    """Signing a tree head with an out-of-range size or time or a non-32-byte root raises."""
    with pytest.raises(ValueError, match=reason):
        sign_checkpoint(hub_key, size, root, signed_at_us)


def test_key_id_is_the_sha256_prefix_of_the_raw_public_key() -> None:
    """The key id of the RFC 8032 test key is the first 16 hex digits of SHA-256 of its bytes."""
    public = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw == RFC8032_PUBLIC
    assert key_id(public) == hashlib.sha256(RFC8032_PUBLIC).hexdigest()[:16]
    assert len(key_id(public)) == 16


def test_private_key_survives_a_pem_round_trip(hub_key: Ed25519PrivateKey) -> None:
    """A private key read back from its PEM signs checkpoints the original verifies."""
    pem = private_key_to_pem(hub_key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    restored = private_key_from_pem(pem)
    verify_checkpoint(sign_checkpoint(restored, 7, ROOT, SIGNED_AT_US), hub_key.public_key())


def test_public_key_survives_a_pem_round_trip(
    hub_key: Ed25519PrivateKey, checkpoint: Checkpoint
) -> None:
    """A public key read back from its PEM has the same key id and verifies checkpoints."""
    pem = public_key_to_pem(hub_key.public_key())
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    restored = public_key_from_pem(pem)
    assert key_id(restored) == checkpoint.key_id
    verify_checkpoint(checkpoint, restored)


def _pkcs8(key: ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _spki(key: ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(
    ("pem", "reason"),
    [
        pytest.param(b"", "not a readable PEM private key", id="empty"),
        pytest.param(b"not a key at all", "not a readable PEM private key", id="garbage"),
        pytest.param(
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "not a readable PEM private key",
            id="bad-body",
        ),
        pytest.param(
            public_key_to_pem(generate_hub_key().public_key()),
            "not a readable PEM private key",
            id="public-key",
        ),
        pytest.param(
            generate_hub_key().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"synthetic passphrase"),
            ),
            "password-protected",
            id="encrypted",
        ),
        pytest.param(_pkcs8(ec.generate_private_key(ec.SECP256R1())), "type EC", id="ec"),
        pytest.param(_pkcs8(ed448.Ed448PrivateKey.generate()), "type Ed448", id="ed448"),
        pytest.param("-----BEGIN PRIVATE KEY-----", "expected PEM as bytes, got str", id="str"),
    ],
)
def test_unusable_private_key_pem_raises_key_material_invalid(pem: bytes, reason: str) -> None:
    """PEM that is not an unencrypted Ed25519 private key raises KeyMaterialInvalid saying why."""
    with pytest.raises(KeyMaterialInvalid, match=f"hub private key PEM: .*{reason}") as caught:
        private_key_from_pem(pem)
    assert isinstance(caught.value, IntegrityError)


@pytest.mark.parametrize(
    ("pem", "reason"),
    [
        pytest.param(b"garbage", "not a readable PEM public key", id="garbage"),
        pytest.param(
            private_key_to_pem(generate_hub_key()), "not a readable PEM public key", id="private"
        ),
        pytest.param(_spki(ec.generate_private_key(ec.SECP256R1())), "type EC", id="ec"),
        pytest.param(_spki(ed448.Ed448PrivateKey.generate()), "type Ed448", id="ed448"),
    ],
)
def test_unusable_public_key_pem_raises_key_material_invalid(pem: bytes, reason: str) -> None:
    """PEM that is not an Ed25519 public key raises KeyMaterialInvalid saying why."""
    with pytest.raises(KeyMaterialInvalid, match=f"hub public key PEM: .*{reason}"):
        public_key_from_pem(pem)


def test_key_material_errors_do_not_echo_the_pem() -> None:
    """The error message does not repeat the bytes it was given."""
    secret_looking = (
        b"-----BEGIN PRIVATE KEY-----\nc3ludGhldGljIHNlY3JldA==\n-----END PRIVATE KEY-----\n"
    )
    with pytest.raises(KeyMaterialInvalid) as caught:
        private_key_from_pem(secret_looking)
    assert b"c3ludGhldGljIHNlY3JldA" not in str(caught.value).encode()
