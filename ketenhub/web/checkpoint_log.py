"""The hub's signed checkpoints and the leaf hashes of audit.log, kept locally for witnesses.

Fed ``audit.checkpoints`` (each record with its RFC 9162 proof from the checkpoint before)
and ``audit.log`` (the leaf hash of each sealed record), it serves the checkpoint records
by offset and consistency proofs between any two tree sizes up to what it has read.
"""

from __future__ import annotations

from ketenhub.core.checkpoint_records import decode_chained_checkpoint
from ketenhub.core.merkle import consistency_proof, leaf_hash
from ketenhub.core.sealing import SealedRecord
from ketenhub.topic_log import LogRecord
from ketenhub.web.backend import CheckpointEntry


class CheckpointLog:
    """Checkpoint records in topic order, and one leaf hash per record of audit.log."""

    def __init__(self) -> None:
        self._checkpoints: list[CheckpointEntry] = []
        self._leaves: list[bytes] = []

    def take_checkpoint(self, record: LogRecord) -> None:
        """Note a record of audit.checkpoints."""
        chained = decode_chained_checkpoint(record.value or b"", record.offset)
        self._checkpoints.append(CheckpointEntry(record.offset, chained))

    def take_sealed(self, sealed: SealedRecord) -> None:
        """Note the leaf hash of a record of audit.log."""
        self._leaves.append(leaf_hash(sealed.hash))

    def checkpoints(self, from_offset: int, limit: int) -> list[CheckpointEntry]:
        """At most ``limit`` checkpoint records from ``from_offset`` on."""
        start = next(
            (n for n, c in enumerate(self._checkpoints) if c.offset >= from_offset),
            len(self._checkpoints),
        )
        return self._checkpoints[start : start + limit]

    def latest(self) -> CheckpointEntry | None:
        """The newest checkpoint record, if any."""
        return self._checkpoints[-1] if self._checkpoints else None

    @property
    def sealed_count(self) -> int:
        """How many records of audit.log were read."""
        return len(self._leaves)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """The proof that the first ``new_size`` records extend the first ``old_size``."""
        return consistency_proof(self._leaves, old_size, new_size)
