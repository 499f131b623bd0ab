"""Verification of audit.log: every hash link, every record's own hash, every signed checkpoint."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.checkpoint_records import decode_checkpoint
from ketenhub.core.checkpoints import Checkpoint, verify_checkpoint
from ketenhub.core.merkle import MerkleFrontier, leaf_hash
from ketenhub.core.sealing import ChainHead, SealedRecord, check_link, decode_sealed
from ketenhub.errors import CheckpointInvalid
from ketenhub.topic_log import LogRecord


@dataclass(frozen=True)
class VerificationReport:
    """What a successful verification covered."""

    records: int
    checkpoints: int
    last_checkpoint: Checkpoint | None
    leaf_hashes: tuple[bytes, ...]


class ChainVerifier:
    """Feed it the records of audit.log in offset order; it raises at the first broken one."""

    def __init__(self, public_key: Ed25519PublicKey, checkpoints: Iterable[Checkpoint]) -> None:
        self._public_key = public_key
        self._pending = sorted(checkpoints, key=lambda c: c.tree_size)
        self._verified: list[Checkpoint] = []
        self._head = ChainHead()
        self._frontier = MerkleFrontier()
        self._leaves: list[bytes] = []
        self._check_due()

    def feed(self, offset: int, value: bytes) -> SealedRecord:
        """Check the record stored at ``offset`` and return it decoded."""
        record = decode_sealed(value, offset)
        check_link(record, offset, self._head)
        self._head = self._head.after(record)
        leaf = leaf_hash(record.hash)
        self._frontier.append(leaf)
        self._leaves.append(leaf)
        self._check_due()
        return record

    def finish(self) -> VerificationReport:
        """Return the report, or raise if a checkpoint covers records the log no longer holds."""
        if self._pending:
            missing = self._pending[0]
            raise CheckpointInvalid(
                missing.tree_size,
                f"covers {missing.tree_size} records but audit.log holds only {self._frontier.size} "
                "(records were removed from its end)",
            )
        return VerificationReport(
            records=self._frontier.size,
            checkpoints=len(self._verified),
            last_checkpoint=self._verified[-1] if self._verified else None,
            leaf_hashes=tuple(self._leaves),
        )

    def _check_due(self) -> None:
        while self._pending and self._pending[0].tree_size == self._frontier.size:
            checkpoint = self._pending.pop(0)
            verify_checkpoint(checkpoint, self._public_key)
            if checkpoint.root != self._frontier.root():
                raise CheckpointInvalid(
                    checkpoint.tree_size,
                    "the signed Merkle root does not match the records of audit.log "
                    f"before offset {checkpoint.tree_size} (history was altered)",
                )
            self._verified.append(checkpoint)


def verify_log(
    public_key: Ed25519PublicKey, audit: Iterable[LogRecord], checkpoints: Iterable[LogRecord]
) -> VerificationReport:
    """Verify audit.log records (in offset order) against the signed checkpoint records."""
    signed = [decode_checkpoint(r.value or b"", r.offset) for r in checkpoints]
    verifier = ChainVerifier(public_key, signed)
    for record in audit:
        verifier.feed(record.offset, record.value or b"")
    return verifier.finish()
