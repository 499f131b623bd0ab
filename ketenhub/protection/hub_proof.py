"""The hub's proof of identity to a partner: a fresh challenge signed with the hub's pinned key.

A partner's client sends a random challenge before it sends anything else to the hub's
protection service; the hub signs it with its Ed25519 key (the one whose fingerprint
``ketenhub init`` printed and ``partners provision`` handed out). The signed message carries
its own domain, so no proof can be taken for a checkpoint signature or the reverse.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PROOF_DOMAIN = b"ketenhub-protection-hub-proof/v1\n"
CHALLENGE_BYTES = 32


def proof_message(challenge: bytes) -> bytes:
    """The bytes the hub signs for ``challenge`` (exactly ``CHALLENGE_BYTES`` long)."""
    if len(challenge) != CHALLENGE_BYTES:
        msg = f"a challenge has {CHALLENGE_BYTES} bytes, not {len(challenge)}"
        raise ValueError(msg)
    return PROOF_DOMAIN + challenge


def sign_proof(key: Ed25519PrivateKey, challenge: bytes) -> bytes:
    """The hub's signature over ``challenge``."""
    return key.sign(proof_message(challenge))


def proof_holds(key: Ed25519PublicKey, challenge: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the signature of ``key`` over ``challenge``."""
    try:
        key.verify(signature, proof_message(challenge))
    except (InvalidSignature, ValueError):
        return False
    return True
