"""Witnessing: a checkpoint kept outside the hub, and the proof that a newer one extends it.

A witness is the newest signed checkpoint someone outside the hub has seen (a partner's
connector, an auditor), kept with the hub public key that signed it. A newer checkpoint is
accepted only when it is signed by that same key and an RFC 9162 consistency proof shows
its tree extends the witnessed one; so the hub cannot cut history back or rewrite it below
a witnessed checkpoint without the witness noticing.

The witness file is JSON, ``format`` ``ketenhub-witness/v1``, with ``tree_size``, ``root``
(hex), ``signed_at_us``, ``key_id``, ``signature`` (hex) and ``public_key`` (the raw 32
bytes of the Ed25519 key, hex) and its ``fingerprint`` (SHA-256 of those bytes, hex).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.checkpoints import Checkpoint, verify_checkpoint
from ketenhub.core.merkle import consistency_proof, verify_consistency
from ketenhub.core.trust import fingerprint
from ketenhub.errors import CheckpointInvalid, IntegrityError, ProofInvalid

WITNESS_FORMAT = "ketenhub-witness/v1"


class WitnessUnreadable(IntegrityError):
    """A witness file is not a ``ketenhub-witness/v1`` document."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"witness file: {detail}")


class HistoryDiverged(IntegrityError):
    """A checkpoint is not consistent with the witnessed one: history was cut back or rewritten."""

    def __init__(self, witnessed: Checkpoint, offered_size: int, detail: str) -> None:
        self.witnessed_size = witnessed.tree_size
        self.offered_size = offered_size
        self.detail = detail
        super().__init__(
            f"the hub's checkpoint at tree size {offered_size} does not extend the witnessed "
            f"checkpoint at tree size {witnessed.tree_size} (root {witnessed.root.hex()[:16]}…): {detail}"
        )


@dataclass(frozen=True)
class Witness:
    """A witnessed checkpoint and the hub key that signed it."""

    checkpoint: Checkpoint
    public_key: Ed25519PublicKey

    def to_json(self) -> bytes:
        """The witness file's bytes."""
        raw = self.public_key.public_bytes_raw()
        document = {
            "format": WITNESS_FORMAT,
            "tree_size": self.checkpoint.tree_size,
            "root": self.checkpoint.root.hex(),
            "signed_at_us": self.checkpoint.signed_at_us,
            "key_id": self.checkpoint.key_id,
            "signature": self.checkpoint.signature.hex(),
            "public_key": raw.hex(),
            "fingerprint": fingerprint(self.public_key),
        }
        return json.dumps(document, indent=2).encode() + b"\n"


def witness_from_json(content: bytes) -> Witness:
    """Read a witness file, checking that its checkpoint is signed by the key it names."""
    try:
        document = json.loads(content)
        if document.get("format") != WITNESS_FORMAT:
            detail = f"format is {document.get('format')!r}, expected {WITNESS_FORMAT!r}"
            raise WitnessUnreadable(detail)
        checkpoint = Checkpoint(
            tree_size=int(document["tree_size"]),
            root=bytes.fromhex(document["root"]),
            signed_at_us=int(document["signed_at_us"]),
            key_id=str(document["key_id"]),
            signature=bytes.fromhex(document["signature"]),
        )
        public_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(document["public_key"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = f"not a readable witness document ({type(exc).__name__}: {exc})"
        raise WitnessUnreadable(detail) from exc
    try:
        verify_checkpoint(checkpoint, public_key)
    except CheckpointInvalid as exc:
        raise WitnessUnreadable(exc.detail) from exc
    return Witness(checkpoint, public_key)


def check_extends(witness: Witness, newer: Checkpoint, proof: Sequence[bytes]) -> None:
    """Raise ``HistoryDiverged`` unless ``newer`` is signed by the witness's key and extends it."""
    old = witness.checkpoint
    try:
        verify_checkpoint(newer, witness.public_key)
    except CheckpointInvalid as exc:
        raise HistoryDiverged(
            old, newer.tree_size, f"not signed by the witnessed key: {exc.detail}"
        ) from exc
    if newer.tree_size < old.tree_size:
        detail = (
            f"the log was cut back: {old.tree_size} records were witnessed, the hub now signs only "
            f"{newer.tree_size} (records from offset {newer.tree_size} on are gone)"
        )
        raise HistoryDiverged(old, newer.tree_size, detail)
    try:
        verify_consistency(old.tree_size, newer.tree_size, old.root, newer.root, proof)
    except ProofInvalid as exc:
        detail = f"a record before offset {old.tree_size} was rewritten ({exc})"
        raise HistoryDiverged(old, newer.tree_size, detail) from exc


@dataclass(frozen=True)
class CheckpointUpdate:
    """What the hub serves a witness: its newest checkpoint and the proof from an older size."""

    checkpoint: Checkpoint
    old_size: int
    proof: tuple[bytes, ...]


def update_from(
    leaf_hashes: Sequence[bytes], checkpoints: Sequence[Checkpoint], old_size: int
) -> CheckpointUpdate | None:
    """The newest checkpoint and its consistency proof from ``old_size`` (hub side), if any.

    ``leaf_hashes`` are the Merkle leaves of audit.log (at least up to the newest checkpoint).
    When the log holds fewer leaves than ``old_size`` the proof is empty: the witness then
    finds the cut itself.
    """
    if not checkpoints:
        return None
    newest = max(checkpoints, key=lambda c: c.tree_size)
    if old_size > newest.tree_size or newest.tree_size > len(leaf_hashes):
        return CheckpointUpdate(newest, old_size, ())
    proof = consistency_proof(leaf_hashes, old_size, newest.tree_size)
    return CheckpointUpdate(newest, old_size, tuple(proof))
