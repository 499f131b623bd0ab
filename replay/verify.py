"""Verification before replay: every hash link, every record's hash, every signed checkpoint.

``LogVerifier`` checks the records of audit.log in offset order, from offset 0 or from an
``Anchor`` (an archive of one year starts where the year starts: the hash before it and
the Merkle frontier of the records before it). A checkpoint beyond the last record read is
checked with a ``TailProof``: an RFC 9162 consistency proof from the records read to that
checkpoint. The first fault stops the work as ``VerificationFailed``, naming the first bad
offset (or the range it lies in) and what is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.codec.single_object import HEADER_SIZE
from ketenhub.core.checkpoints import Checkpoint, verify_checkpoint
from ketenhub.core.merkle import MerkleFrontier, leaf_hash, verify_consistency
from ketenhub.core.sealed_layout import HASH_SIZE, locate_sealed
from ketenhub.core.sealing import (
    GENESIS_HASH,
    ChainHead,
    SealedRecord,
    check_link,
    decode_sealed,
    sealed_record_schema,
)
from ketenhub.core.trust import TrustedKey
from ketenhub.errors import ChainBroken, CheckpointInvalid, IntegrityError, ProofInvalid
from ketenhub.topic_log import LogRecord

if TYPE_CHECKING:
    from replay.sources import SealedLogSource

_EMPTY_FRONTIER = MerkleFrontier().to_bytes()
_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"  # RFC 9162: a leaf hash is SHA-256(0x00 || data)


@dataclass(frozen=True)
class Anchor:
    """Where a log read begins: its first offset, the hash before it, the frontier before it."""

    offset: int = 0
    prev_hash: bytes = GENESIS_HASH
    frontier: bytes = _EMPTY_FRONTIER


@dataclass(frozen=True)
class TailProof:
    """A signed checkpoint after the last record read, and the consistency proof to it."""

    checkpoint: Checkpoint
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Verification:
    """What a successful verification covered."""

    first_offset: int
    end_offset: int
    root: bytes
    checkpoints: int
    checkpoint: Checkpoint | None
    leaf_hashes: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def records(self) -> int:
        """The number of records verified."""
        return self.end_offset - self.first_offset

    @property
    def unsigned_tail(self) -> int:
        """Records after the last signed checkpoint: verified by the hash chain only."""
        covered = self.checkpoint.tree_size if self.checkpoint else self.first_offset
        return max(0, self.end_offset - covered)


class VerificationFailed(IntegrityError):
    """The history read does not verify; nothing built from it may be trusted."""

    def __init__(self, where: str, detail: str, offset: int | None = None) -> None:
        self.where = where
        self.detail = detail
        self.offset = offset
        super().__init__(f"verification failed: {where}: {detail}")


class LogVerifier:
    """Feed it the records in offset order; it raises ``VerificationFailed`` at the first fault."""

    def __init__(
        self,
        public_key: Ed25519PublicKey,
        checkpoints: Iterable[Checkpoint],
        anchor: Anchor | None = None,
        *,
        keep_leaves: bool = False,
    ) -> None:
        anchor = anchor or Anchor()
        self._key = public_key
        self._first = anchor.offset
        self._next, self._last = anchor.offset, anchor.prev_hash
        self._fingerprint = sealed_record_schema().fingerprint
        self._frontier = _frontier(anchor)
        self._pending = sorted(
            (c for c in checkpoints if c.tree_size > anchor.offset), key=lambda c: c.tree_size
        )
        self._verified: list[Checkpoint] = []
        self._leaves: list[bytes] | None = [] if keep_leaves else None

    def feed(self, offset: int, value: bytes) -> SealedRecord:
        """Check the record stored at ``offset`` and return it decoded."""
        try:
            record = decode_sealed(value, offset)
            check_link(record, offset, ChainHead(self._next, self._last), value)
        except ChainBroken as exc:
            msg = f"audit.log offset {exc.offset}"
            raise VerificationFailed(msg, exc.detail, exc.offset) from exc
        self._linked(record.sequence, record.hash)
        return record

    def check(self, offset: int, value: bytes) -> bytes:
        """Check the record stored at ``offset`` as ``feed`` does; return only its payload.

        A record in the current layout is checked where it lies in the stored bytes: its
        sequence, its link to the hash before it, and the SHA-256 of its stored bytes against
        its own hash. Anything else — another layout, or any check that fails — goes through
        ``feed``, which decodes it and raises what it raises.
        """
        found = locate_sealed(value) if value[2:HEADER_SIZE] == self._fingerprint else None
        digest = value[-HASH_SIZE:]
        if (
            found is None
            or found[0] != offset
            or offset != self._next
            or value[-2 * HASH_SIZE : -HASH_SIZE] != self._last
            or _sha256(memoryview(value)[HEADER_SIZE:-HASH_SIZE]).digest() != digest
        ):
            return self.feed(offset, value).payload
        self._next, self._last = offset + 1, digest
        leaf = _sha256(_LEAF_PREFIX + digest).digest()  # ``leaf_hash``, without the call
        self._frontier.append(leaf)
        if self._leaves is not None:
            self._leaves.append(leaf)
        if self._pending and self._pending[0].tree_size == self._next:
            self._check_due()
        return value[found[1] : found[2]]

    def _linked(self, sequence: int, digest: bytes) -> None:
        """Move the chain past a checked record; check the checkpoints that came due."""
        self._next, self._last = sequence + 1, digest
        leaf = leaf_hash(digest)
        self._frontier.append(leaf)
        if self._leaves is not None:
            self._leaves.append(leaf)
        self._check_due()

    def _check_due(self) -> None:
        """Check the checkpoints whose tree size the records read have reached."""
        while self._pending and self._pending[0].tree_size == self._next:
            self._check(self._pending.pop(0))

    def finish(self, tail: TailProof | None = None) -> Verification:
        """Check what remains (the tail proof, checkpoints past the end) and return the result."""
        if tail is not None and self._pending and self._pending[0] == tail.checkpoint:
            self._check_tail(self._pending.pop(0), tail.proof)
        if self._pending:
            missing = self._pending[0]
            msg = f"checkpoint at tree size {missing.tree_size}"
            raise VerificationFailed(
                msg,
                f"it covers {missing.tree_size} records but the log read ends at offset "
                f"{self._frontier.size} (records were removed from its end)",
                self._frontier.size,
            )
        return Verification(
            first_offset=self._first,
            end_offset=self._frontier.size,
            root=self._frontier.root(),
            checkpoints=len(self._verified),
            checkpoint=self._verified[-1] if self._verified else None,
            leaf_hashes=tuple(self._leaves or ()),
        )

    def _check(self, checkpoint: Checkpoint) -> None:
        self._signed(checkpoint)
        if checkpoint.root != self._frontier.root():
            since = self._verified[-1].tree_size if self._verified else self._first
            msg = f"checkpoint at tree size {checkpoint.tree_size}"
            raise VerificationFailed(
                msg,
                "its signed Merkle root does not match the records: a record between offsets "
                f"{since} and {checkpoint.tree_size - 1} was altered (or the hashes rewritten)",
                since,
            )
        self._verified.append(checkpoint)

    def _check_tail(self, checkpoint: Checkpoint, proof: tuple[bytes, ...]) -> None:
        self._signed(checkpoint)
        size = self._frontier.size
        try:
            verify_consistency(
                size, checkpoint.tree_size, self._frontier.root(), checkpoint.root, proof
            )
        except ProofInvalid as exc:
            msg = f"checkpoint at tree size {checkpoint.tree_size}"
            raise VerificationFailed(
                msg,
                f"the records up to offset {size - 1} are not a prefix of the signed log ({exc})",
                self._first,
            ) from exc
        self._verified.append(checkpoint)

    def _signed(self, checkpoint: Checkpoint) -> None:
        try:
            verify_checkpoint(checkpoint, self._key)
        except CheckpointInvalid as exc:
            where = f"checkpoint at tree size {checkpoint.tree_size}"
            raise VerificationFailed(where, exc.detail) from exc


def _frontier(anchor: Anchor) -> MerkleFrontier:
    try:
        frontier = MerkleFrontier.from_bytes(anchor.frontier)
    except IntegrityError as exc:
        msg = "the anchor of the log read"
        raise VerificationFailed(msg, str(exc), anchor.offset) from exc
    if frontier.size != anchor.offset:
        msg = "the anchor of the log read"
        raise VerificationFailed(
            msg,
            f"its Merkle frontier covers {frontier.size} records but the log read starts at "
            f"offset {anchor.offset}",
            anchor.offset,
        )
    return frontier


def verify_source(source: SealedLogSource, *, keep_leaves: bool = False) -> Verification:
    """Read and verify a whole source: records, checkpoints, and its tail proof if any."""
    verifier = LogVerifier(
        source.public_key(), source.checkpoints(), source.anchor(), keep_leaves=keep_leaves
    )
    for offset, value in source.records():
        verifier.check(offset, value)
    return verifier.finish(source.tail())


class PinnedSource:
    """A source whose checkpoints are verified only with the pinned key (``TrustedKey``)."""

    def __init__(self, source: SealedLogSource, pin: TrustedKey) -> None:
        self._source, self._pin = source, pin
        self.description = source.description

    def public_key(self) -> Ed25519PublicKey:
        """The pinned key (the source's own key only when its fingerprint is the pinned one)."""
        return self._pin.key_for(self._source.public_key())

    def checkpoints(self) -> list[Checkpoint]:
        """The source's checkpoints."""
        return self._source.checkpoints()

    def records(self) -> Iterator[tuple[int, bytes]]:
        """The source's records."""
        return self._source.records()

    def anchor(self) -> Anchor:
        """The source's anchor."""
        return self._source.anchor()

    def tail(self) -> TailProof | None:
        """The source's tail proof."""
        return self._source.tail()

    def rejected(self, partners: Sequence[str]) -> Iterator[LogRecord]:
        """The source's rejected records."""
        return self._source.rejected(partners)
