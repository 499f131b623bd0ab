"""Verification of a hash-chained log: every hash link, every record's own hash, every signed checkpoint.

The log is audit.log, or another log sealed and checkpointed the same way (access.log, the
record of every read of personal case data): ``log`` names it in every error.

Optionally against a witness (a checkpoint kept outside the hub): the records up to its tree
size must have its root. ``require_signed`` turns a log whose newest records no checkpoint
covers (more than the checkpoint cadence, or any record at all without a checkpoint) into
``LogUnverifiable``: the hash chain alone can be recomputed by whoever rewrites the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.checkpoint_records import decode_chained_checkpoint
from ketenhub.core.checkpoints import ChainedCheckpoint, Checkpoint, verify_checkpoint
from ketenhub.core.merkle import (
    ConsistencyProofInvalid,
    MerkleFrontier,
    leaf_hash,
    verify_consistency,
)
from ketenhub.core.sealing import ChainHead, SealedRecord, check_link, decode_sealed
from ketenhub.core.witnessing import Witness
from ketenhub.errors import ChainBroken, CheckpointInvalid, IntegrityError
from ketenhub.topic_log import LogRecord
from ketenhub.topics import AUDIT_LOG


@dataclass(frozen=True)
class VerificationReport:
    """What a successful verification covered."""

    records: int
    checkpoints: int
    last_checkpoint: Checkpoint | None
    leaf_hashes: tuple[bytes, ...]
    witnessed: Checkpoint | None = None

    @property
    def unsigned_tail(self) -> int:
        """The newest records no verified checkpoint covers (held by the hash chain only)."""
        covered = self.last_checkpoint.tree_size if self.last_checkpoint else 0
        return self.records - covered


class LogUnverifiable(IntegrityError):
    """Records of audit.log are covered by no signed checkpoint: they cannot be vouched for."""

    def __init__(self, records: int, unsigned: int, limit: int, *, log: str = AUDIT_LOG) -> None:
        self.records, self.unsigned, self.limit, self.log = records, unsigned, limit, log
        if unsigned == records:
            detail = (
                "no signed checkpoint covers any of them (checkpoints deleted, or never signed)"
            )
        else:
            detail = (
                f"the newest {unsigned} (offsets {records - unsigned}-{records - 1}) are covered by no "
                f"signed checkpoint, more than the checkpoint cadence of {limit} allows"
            )
        super().__init__(f"{log} holds {records} records and {detail}: it is unverifiable")


def require_signed(report: VerificationReport, limit: int, *, log: str = AUDIT_LOG) -> None:
    """Raise ``LogUnverifiable`` when records lack a checkpoint: all of them, or more than ``limit``."""
    if report.records and (report.last_checkpoint is None or report.unsigned_tail > limit):
        raise LogUnverifiable(report.records, report.unsigned_tail, limit, log=log)


@contextmanager
def naming_log(log: str) -> Iterator[None]:
    """Re-raise a chain or checkpoint error of the core's checks as one about ``log``."""
    try:
        yield
    except ChainBroken as exc:
        if exc.log == log:
            raise
        raise ChainBroken(exc.offset, exc.detail, log=log) from exc
    except CheckpointInvalid as exc:
        if exc.log == log:
            raise
        raise CheckpointInvalid(exc.tree_size, exc.detail, log=log) from exc


class ChainVerifier:
    """Feed it the records of audit.log (or ``log``) in offset order; it raises at the first broken one."""

    def __init__(
        self,
        public_key: Ed25519PublicKey,
        checkpoints: Iterable[Checkpoint],
        witness: Witness | None = None,
        *,
        log: str = AUDIT_LOG,
    ) -> None:
        self._public_key = public_key
        self._log = log
        self._witness = witness
        self._pending = sorted(checkpoints, key=lambda c: c.tree_size)
        self._verified: list[Checkpoint] = []
        self._head = ChainHead()
        self._frontier = MerkleFrontier()
        self._leaves: list[bytes] = []
        self._check_due()

    def feed(self, offset: int, value: bytes) -> SealedRecord:
        """Check the record stored at ``offset`` and return it decoded."""
        with naming_log(self._log):
            record = decode_sealed(value, offset)
            check_link(record, offset, self._head, value)
            self._head = self._head.after(record)
            leaf = leaf_hash(record.hash)
            self._frontier.append(leaf)
            self._leaves.append(leaf)
            self._check_due()
        return record

    def finish(self) -> VerificationReport:
        """Return the report, or raise if a checkpoint covers records the log no longer holds."""
        witnessed = self._witness.checkpoint if self._witness else None
        if witnessed is not None and witnessed.tree_size > self._frontier.size:
            raise CheckpointInvalid(
                witnessed.tree_size,
                f"the witnessed checkpoint covers {witnessed.tree_size} records but {self._log} "
                f"holds only {self._frontier.size}: the log was cut back from offset "
                f"{self._frontier.size}",
                log=self._log,
            )
        if self._pending:
            missing = self._pending[0]
            raise CheckpointInvalid(
                missing.tree_size,
                f"covers {missing.tree_size} records but {self._log} holds only "
                f"{self._frontier.size} (records were removed from its end)",
                log=self._log,
            )
        return VerificationReport(
            records=self._frontier.size,
            checkpoints=len(self._verified),
            last_checkpoint=self._verified[-1] if self._verified else None,
            leaf_hashes=tuple(self._leaves),
            witnessed=witnessed,
        )

    def _check_due(self) -> None:
        witnessed = self._witness.checkpoint if self._witness else None
        at_witness = witnessed is not None and witnessed.tree_size == self._frontier.size
        if witnessed is not None and at_witness and witnessed.root != self._frontier.root():
            raise CheckpointInvalid(
                witnessed.tree_size,
                "the records do not match the witnessed checkpoint's Merkle root: a record "
                f"before offset {witnessed.tree_size} was rewritten",
                log=self._log,
            )
        while self._pending and self._pending[0].tree_size == self._frontier.size:
            checkpoint = self._pending.pop(0)
            verify_checkpoint(checkpoint, self._public_key)
            if checkpoint.root != self._frontier.root():
                raise CheckpointInvalid(
                    checkpoint.tree_size,
                    f"the signed Merkle root does not match the records of {self._log} "
                    f"before offset {checkpoint.tree_size} (history was altered)",
                    log=self._log,
                )
            self._verified.append(checkpoint)


def verify_log(
    public_key: Ed25519PublicKey,
    audit: Iterable[LogRecord],
    checkpoints: Iterable[LogRecord],
    witness: Witness | None = None,
    *,
    log: str = AUDIT_LOG,
) -> VerificationReport:
    """Verify audit.log (or ``log``) records, in offset order, against the signed checkpoints."""
    with naming_log(log):
        chained = [decode_chained_checkpoint(r.value or b"", r.offset) for r in checkpoints]
        verifier = ChainVerifier(public_key, [c.checkpoint for c in chained], witness, log=log)
        for record in audit:
            verifier.feed(record.offset, record.value or b"")
        report = verifier.finish()
        check_stored_proofs(chained)
    return report


def check_stored_proofs(chained: Iterable[ChainedCheckpoint]) -> None:
    """Raise CheckpointInvalid where a stored proof does not link a checkpoint to the one before.

    Partners witness the log by these proofs alone; call it once every checkpoint's root was
    checked against the records, so the proofs are checked between true roots. A checkpoint
    written before checkpoints carried proofs (previous size 0, no proof) is skipped.
    """
    ordered = sorted(chained, key=lambda c: c.checkpoint.tree_size)
    previous: Checkpoint | None = None
    for current in ordered:
        size, before = current.checkpoint.tree_size, current.previous_tree_size
        if before == 0 and not current.consistency_proof:
            previous = current.checkpoint
            continue
        if previous is None or before != previous.tree_size:
            expected = 0 if previous is None else previous.tree_size
            raise CheckpointInvalid(
                size,
                f"its stored proof starts at tree size {before}, but the checkpoint before it "
                f"covers {expected} records: partners cannot follow the log across it",
            )
        try:
            verify_consistency(
                before, size, previous.root, current.checkpoint.root, current.consistency_proof
            )
        except ConsistencyProofInvalid as exc:
            raise CheckpointInvalid(
                size, f"its stored consistency proof from tree size {before} does not hold ({exc})"
            ) from exc
        previous = current.checkpoint
