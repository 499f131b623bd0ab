"""Witnessing: a checkpoint kept outside the hub, and the proofs that newer ones extend it.

A witness is the newest signed checkpoint someone outside the hub has seen (a partner's
connector, an auditor), kept with the hub public key that signed it. The witness reads the
checkpoint topic on from there: each record carries the RFC 9162 consistency proof from the
checkpoint before it, and a newer checkpoint is accepted only when it is signed by the same
key and the chain of proofs leads to it from the witnessed one step by step. So the hub
cannot cut history back or rewrite it below a witnessed checkpoint without the witness
noticing, and the witness needs no access to audit.log.

The witness file is JSON, ``format`` ``ketenhub-witness/v1``, with ``tree_size``, ``root``
(hex), ``signed_at_us``, ``key_id``, ``signature`` (hex) and ``public_key`` (the raw 32
bytes of the Ed25519 key, hex) and its ``fingerprint`` (SHA-256 of those bytes, hex); and,
when known, ``checkpoint_offset``: where that checkpoint stands in the checkpoint topic (a
hint where to read on; nothing is trusted because of it). A hub's own witness (``ketenhub
verify --write-witness``) also pins access.log, the record of every read: ``access_log`` holds
its latest checkpoint (``tree_size``, ``root``, ``signed_at_us``, ``key_id``, ``signature``,
signed by the same key), so access.log cut back, deleted or rewritten and re-signed is found
too. A witness without it (written before, or a partner's) leaves access.log unwitnessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.checkpoints import ChainedCheckpoint, Checkpoint, verify_checkpoint
from ketenhub.core.merkle import verify_consistency
from ketenhub.core.trust import fingerprint
from ketenhub.errors import CheckpointInvalid, IntegrityError, ProofInvalid

WITNESS_FORMAT = "ketenhub-witness/v1"
ACCESS_PART = "access_log"  # the optional part pinning access.log


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
    """A witnessed checkpoint, the hub key that signed it, and its offset in the topic if known."""

    checkpoint: Checkpoint
    public_key: Ed25519PublicKey
    offset: int | None = None
    access: Checkpoint | None = None  # access.log's latest checkpoint, when the hub witnessed it

    def access_witness(self) -> Witness | None:
        """The witness of access.log (None: this witness does not pin access.log)."""
        return None if self.access is None else Witness(self.access, self.public_key)

    def to_json(self) -> bytes:
        """The witness file's bytes."""
        raw = self.public_key.public_bytes_raw()
        document: dict[str, object] = {
            "format": WITNESS_FORMAT,
            "tree_size": self.checkpoint.tree_size,
            "root": self.checkpoint.root.hex(),
            "signed_at_us": self.checkpoint.signed_at_us,
            "key_id": self.checkpoint.key_id,
            "signature": self.checkpoint.signature.hex(),
            "public_key": raw.hex(),
            "fingerprint": fingerprint(self.public_key),
        }
        if self.offset is not None:
            document["checkpoint_offset"] = self.offset
        if self.access is not None:
            document[ACCESS_PART] = _checkpoint_fields(self.access)
        return json.dumps(document, indent=2).encode() + b"\n"


def _checkpoint_fields(checkpoint: Checkpoint) -> dict[str, object]:
    return {
        "tree_size": checkpoint.tree_size,
        "root": checkpoint.root.hex(),
        "signed_at_us": checkpoint.signed_at_us,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature.hex(),
    }


def _checkpoint_of(document: dict[str, object]) -> Checkpoint:
    return Checkpoint(
        tree_size=int(str(document["tree_size"])),
        root=bytes.fromhex(str(document["root"])),
        signed_at_us=int(str(document["signed_at_us"])),
        key_id=str(document["key_id"]),
        signature=bytes.fromhex(str(document["signature"])),
    )


def witness_from_json(content: bytes) -> Witness:
    """Read a witness file, checking that its checkpoint is signed by the key it names."""
    try:
        document = json.loads(content)
        if document.get("format") != WITNESS_FORMAT:
            detail = f"format is {document.get('format')!r}, expected {WITNESS_FORMAT!r}"
            raise WitnessUnreadable(detail)
        checkpoint = _checkpoint_of(document)
        access_part = document.get(ACCESS_PART)
        access = None if access_part is None else _checkpoint_of(access_part)
        public_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(document["public_key"]))
        named = str(document["fingerprint"]).lower()
        offset = document.get("checkpoint_offset")
        offset = None if offset is None else int(offset)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = f"not a readable witness document ({type(exc).__name__}: {exc})"
        raise WitnessUnreadable(detail) from exc
    if named != fingerprint(public_key):
        detail = (
            f"it names key fingerprint {named[:16]}... but holds a key with fingerprint "
            f"{fingerprint(public_key)[:16]}...: the file was edited"
        )
        raise WitnessUnreadable(detail)
    try:
        verify_checkpoint(checkpoint, public_key)
        if access is not None:
            verify_checkpoint(access, public_key)
    except CheckpointInvalid as exc:
        raise WitnessUnreadable(exc.detail) from exc
    return Witness(checkpoint, public_key, offset, access)


def extensions(
    witness: Witness, records: Iterable[tuple[int, ChainedCheckpoint]]
) -> Iterator[Witness]:
    """Walk checkpoint records (offset, record) in topic order; yield each one proven to extend.

    Records of a smaller tree size than the witnessed one are older history until a record
    of at least its size is met; after that a smaller one means the log was cut back. A
    larger record must carry a consistency proof from the tree size accepted last, and the
    proof must hold. Raises ``HistoryDiverged`` at the first record that breaks the chain,
    or at the end when only smaller records were found (the log was cut back below it).
    """
    current, met, smaller = witness, False, None
    for offset, record in records:
        newer = record.checkpoint
        _check_signed(current, newer, offset)
        old = current.checkpoint
        if newer.tree_size < old.tree_size and not met:
            smaller = newer
            continue
        met = True
        if newer.tree_size < old.tree_size:
            raise HistoryDiverged(old, newer.tree_size, _cut_back(old, newer.tree_size))
        if newer.tree_size == old.tree_size:
            _check_same_tree(old, newer)
            current = replace(current, offset=offset)
        else:
            _check_proof(old, record, offset)
            current = Witness(newer, current.public_key, offset)
        yield current
    if not met and smaller is not None:
        raise HistoryDiverged(
            witness.checkpoint, smaller.tree_size, _cut_back(witness.checkpoint, smaller.tree_size)
        )


def _check_signed(current: Witness, newer: Checkpoint, offset: int) -> None:
    try:
        verify_checkpoint(newer, current.public_key)
    except CheckpointInvalid as exc:
        detail = f"the record at checkpoint offset {offset} is not signed by the witnessed key: {exc.detail}"
        raise HistoryDiverged(current.checkpoint, newer.tree_size, detail) from exc


def _cut_back(old: Checkpoint, newer_size: int) -> str:
    return (
        f"the log was cut back: {old.tree_size} records were witnessed, the hub now signs only "
        f"{newer_size} (records from offset {newer_size} on are gone)"
    )


def _check_same_tree(old: Checkpoint, newer: Checkpoint) -> None:
    if newer.root != old.root:
        detail = (
            f"a record before offset {old.tree_size} was rewritten (the hub signs root "
            f"{newer.root.hex()[:16]}… for the same tree size)"
        )
        raise HistoryDiverged(old, newer.tree_size, detail)


def _check_proof(old: Checkpoint, record: ChainedCheckpoint, offset: int) -> None:
    newer = record.checkpoint
    if record.previous_tree_size != old.tree_size:
        detail = (
            f"its record at checkpoint offset {offset} proves consistency only from tree size "
            f"{record.previous_tree_size}, so nothing shows that it keeps the {old.tree_size} "
            "records witnessed (the hub skipped or replaced the checkpoints between them"
            + (
                ", or wrote this one before checkpoints carried proofs)"
                if not record.consistency_proof
                else ")"
            )
        )
        raise HistoryDiverged(old, newer.tree_size, detail)
    try:
        verify_consistency(
            old.tree_size, newer.tree_size, old.root, newer.root, record.consistency_proof
        )
    except ProofInvalid as exc:
        detail = f"a record before offset {old.tree_size} was rewritten ({exc})"
        raise HistoryDiverged(old, newer.tree_size, detail) from exc
