"""Signed checkpoints: the hub's Ed25519 signature over a Merkle tree head of audit.log.

A checkpoint says "the first ``tree_size`` sealed records of audit.log have Merkle root
``root``", signed by the hub at ``signed_at_us`` (UTC microseconds since the epoch). The
signed bytes are ``signing_payload``: the domain tag ``b"ketenhub-checkpoint/v1\\n"``, the
tree size and the signing time as big-endian unsigned 64-bit integers, then the 32-byte
root. Every field has a fixed width, so no two checkpoints share a payload, and the tag
keeps the hub key's signatures over anything else from passing as checkpoints.

Errors: building a payload or a checkpoint from bad arguments raises ``ValueError`` (a
bug in the caller); verifying raises ``CheckpointInvalid``; unreadable or non-Ed25519 PEM
raises ``KeyMaterialInvalid``.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ketenhub.errors import CheckpointInvalid, IntegrityError

CHECKPOINT_DOMAIN = b"ketenhub-checkpoint/v1\n"
ROOT_SIZE = 32
SIGNATURE_SIZE = 64
_U64_LIMIT = 1 << 64


class KeyMaterialInvalid(IntegrityError):
    """Bytes meant to be the hub's Ed25519 key are not a readable Ed25519 key."""

    def __init__(self, what: str, detail: str) -> None:
        self.what = what
        self.detail = detail
        super().__init__(f"{what}: {detail}")


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the Merkle root of the first ``tree_size`` records of audit.log."""

    tree_size: int
    root: bytes
    signed_at_us: int
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class ChainedCheckpoint:
    """A checkpoint as the hub writes it: with the proof that it extends the checkpoint before.

    ``consistency_proof`` is the RFC 9162 proof from ``previous_tree_size`` (the tree size
    of the hub's previous checkpoint, 0 for its first) to ``checkpoint.tree_size``. The
    proof is not signed and need not be: it only convinces a verifier who holds both
    signed roots.
    """

    checkpoint: Checkpoint
    previous_tree_size: int = 0
    consistency_proof: tuple[bytes, ...] = ()


def signing_payload(tree_size: int, root: bytes, signed_at_us: int) -> bytes:
    """Return the canonical bytes the hub signs for a checkpoint."""
    if not 0 <= tree_size < _U64_LIMIT:
        msg = f"tree size {tree_size} must be an unsigned 64-bit integer"
        raise ValueError(msg)
    if not 0 <= signed_at_us < _U64_LIMIT:
        msg = f"signed_at_us {signed_at_us} must be UTC microseconds since 1970, not negative"
        raise ValueError(msg)
    if not isinstance(root, bytes) or len(root) != ROOT_SIZE:
        msg = f"the root must be {ROOT_SIZE} bytes of SHA-256, got {_describe(root)}"
        raise ValueError(msg)
    return CHECKPOINT_DOMAIN + struct.pack(">QQ", tree_size, signed_at_us) + root


def sign_checkpoint(
    private_key: Ed25519PrivateKey, tree_size: int, root: bytes, signed_at_us: int
) -> Checkpoint:
    """Sign the tree head (``tree_size``, ``root``) at ``signed_at_us`` with the hub key."""
    payload = signing_payload(tree_size, root, signed_at_us)
    return Checkpoint(
        tree_size=tree_size,
        root=root,
        signed_at_us=signed_at_us,
        key_id=key_id(private_key.public_key()),
        signature=private_key.sign(payload),
    )


def verify_checkpoint(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> None:
    """Check that ``checkpoint`` was signed, unaltered, by the key ``public_key``."""
    expected_id = key_id(public_key)
    if checkpoint.key_id != expected_id:
        detail = (
            f"it was signed by key id {checkpoint.key_id!r}, but the trusted key has id "
            f"{expected_id}: it is not vouched for by the trusted hub key"
        )
        raise CheckpointInvalid(checkpoint.tree_size, detail)
    try:
        payload = signing_payload(checkpoint.tree_size, checkpoint.root, checkpoint.signed_at_us)
    except ValueError as exc:
        detail = f"it is malformed: {exc}"
        raise CheckpointInvalid(checkpoint.tree_size, detail) from exc
    signature = checkpoint.signature
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        detail = f"the signature must be {SIGNATURE_SIZE} bytes, got {_describe(signature)}"
        raise CheckpointInvalid(checkpoint.tree_size, detail)
    try:
        public_key.verify(signature, payload)
    except InvalidSignature as exc:
        detail = (
            f"the Ed25519 signature of key {expected_id} does not match its tree size, root "
            "and signing time: the checkpoint was altered or not signed by this key"
        )
        raise CheckpointInvalid(checkpoint.tree_size, detail) from exc


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return the key's id: the first 16 hex digits of SHA-256 over its raw 32 bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_hub_key() -> Ed25519PrivateKey:
    """Return a new random Ed25519 key for the hub to sign checkpoints with."""
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey) -> bytes:
    """Return the key as unencrypted PKCS#8 PEM (protect the file it goes into)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_pem(pem: bytes) -> Ed25519PrivateKey:
    """Read an unencrypted PKCS#8 PEM Ed25519 private key, or raise ``KeyMaterialInvalid``."""
    what = "hub private key PEM"
    _require_bytes(pem, what)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError as exc:  # cryptography's signal for a password-protected key
        detail = "it is password-protected; give the unencrypted PKCS#8 key"
        raise KeyMaterialInvalid(what, detail) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        detail = "it is not a readable PEM private key (expected PKCS#8 'PRIVATE KEY')"
        raise KeyMaterialInvalid(what, detail) from exc
    if not isinstance(key, Ed25519PrivateKey):
        detail = f"it holds a key of type {_key_kind(key)}; checkpoints are signed with Ed25519"
        raise KeyMaterialInvalid(what, detail)
    return key


def public_key_to_pem(key: Ed25519PublicKey) -> bytes:
    """Return the key as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    """Read a SubjectPublicKeyInfo PEM Ed25519 public key, or raise ``KeyMaterialInvalid``."""
    what = "hub public key PEM"
    _require_bytes(pem, what)
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        detail = "it is not a readable PEM public key (expected 'PUBLIC KEY')"
        raise KeyMaterialInvalid(what, detail) from exc
    if not isinstance(key, Ed25519PublicKey):
        detail = f"it holds a key of type {_key_kind(key)}; checkpoints are signed with Ed25519"
        raise KeyMaterialInvalid(what, detail)
    return key


def _require_bytes(pem: bytes, what: str) -> None:
    """Refuse PEM that is not bytes (a ``str`` must be encoded first)."""
    if not isinstance(pem, bytes):
        detail = f"expected PEM as bytes, got {_describe(pem)}"
        raise KeyMaterialInvalid(what, detail)


def _key_kind(key: object) -> str:
    """Name a key's algorithm for a message, e.g. ``RSA`` from ``RSAPrivateKey``."""
    name = type(key).__name__
    for suffix in ("PrivateKey", "PublicKey"):
        name = name.removesuffix(suffix)
    return name.lstrip("_") or "unknown"


def _describe(value: object) -> str:
    """Say what a value that should have been bytes of some length is."""
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    return type(value).__name__
