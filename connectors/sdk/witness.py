"""The partner's witness: the newest signed checkpoint it has seen, kept in its own state folder.

Each time the client reads from the hub it reads the hub's checkpoint topic
(``audit.checkpoints``) on from the witnessed checkpoint. Every record there carries the
RFC 9162 consistency proof from the checkpoint before it; a newer checkpoint is accepted
only when it is signed by the key witnessed first (or the key the partner pinned) and the
chain of proofs leads to it from the witnessed one, step by step. Then it replaces the
witness in ``<state folder>/witness-<partner>-<hub>.json``, ``<hub>`` naming the hub's
address (the ``ketenhub-witness/v1`` format that ``ketenhub verify --witness`` reads).
Otherwise ``HubHistoryDiverged`` stops the connector: the hub cut its history back or
rewrote it below a checkpoint this partner saw. The file then keeps the newest checkpoint
that was proven, as evidence.

The same records are read on every backend: on the embedded hub from its log, on Kafka
from ``audit.checkpoints``, which every partner may read (checkpoints hold tree sizes,
roots, times, signatures and a key id: no personal data). The witness needs no access to
``audit.log``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Protocol, runtime_checkable

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from connectors.sdk.errors import ConnectorError
from ketenhub.core.checkpoints import ChainedCheckpoint, Checkpoint, verify_checkpoint
from ketenhub.core.trust import TrustedKey, fingerprint
from ketenhub.core.witnessing import HistoryDiverged, Witness, extensions, witness_from_json
from ketenhub.data_folder import PRIVATE_FOLDER
from ketenhub.errors import CheckpointInvalid, IntegrityError

CheckpointRecords = Iterator[tuple[int, ChainedCheckpoint]]


class HubHistoryDiverged(ConnectorError):
    """The hub's newest checkpoint does not extend the one this partner witnessed."""

    def __init__(self, path: Path, cause: HistoryDiverged | CheckpointInvalid | str) -> None:
        self.path = path
        self.detail = str(cause)
        super().__init__(
            f"stopped: {cause}. The witnessed checkpoint is kept in {path}; report this to the "
            "hub's operators and keep that file (it proves what the hub signed before)"
        )


@runtime_checkable
class CheckpointFeed(Protocol):
    """A transport that can read the hub's checkpoint topic."""

    def checkpoint_end(self) -> int:
        """The offset after the newest record of the checkpoint topic (0: none yet)."""
        ...

    def checkpoints_from(self, offset: int) -> CheckpointRecords:
        """The checkpoint records (offset, record) from ``offset`` to the end as of the call."""
        ...

    def hub_public_key(self) -> Ed25519PublicKey:
        """The key the hub says it signs with (trusted only on first use, or if pinned)."""
        ...


class CheckpointWitness:
    """The newest checkpoint a partner has seen, checked and advanced on every read."""

    def __init__(self, path: Path, trusted: TrustedKey | None = None) -> None:
        self.path = path
        self._trusted = trusted

    @classmethod
    def in_state_dir(
        cls, state_dir: Path, partner_id: str, hub_address: str, trusted: TrustedKey | None = None
    ) -> CheckpointWitness:
        """The witness of one partner of one hub (its data folder, or bootstrap and prefix)."""
        hub = hashlib.sha256(hub_address.encode()).hexdigest()[:16]
        return cls(state_dir / f"witness-{partner_id}-{hub}.json", trusted)

    def witnessed(self) -> Witness | None:
        """The checkpoint witnessed so far, if any; its key must be the pinned one, if pinned."""
        if not self.path.exists():
            return None
        witness = witness_from_json(self.path.read_bytes())
        if self._trusted is not None:
            try:
                self._trusted.key_for(witness.public_key)
            except IntegrityError as exc:
                detail = f"the witness file's hub key is not the pinned one ({exc})"
                raise HubHistoryDiverged(self.path, detail) from exc
            if self._trusted.public_key is not None and fingerprint(
                self._trusted.public_key
            ) != fingerprint(witness.public_key):
                detail = "the witness file's hub key is not the pinned one"
                raise HubHistoryDiverged(self.path, detail)
        return witness

    def observe(self, feed: CheckpointFeed) -> Checkpoint | None:
        """Check the hub's checkpoints since the witnessed one and keep the newest; return it."""
        old = self.witnessed()
        end = feed.checkpoint_end()
        if old is None:
            return self._first(feed, end)
        newest = old
        try:
            for proven in extensions(old, self._records_after(old, feed, end)):
                newest = proven
        except HistoryDiverged as exc:
            raise HubHistoryDiverged(self.path, exc) from exc
        finally:  # what was proven stays witnessed, also when a later record diverged
            if (newest.checkpoint, newest.offset) != (old.checkpoint, old.offset):
                self._store(newest)
        if newest.checkpoint != old.checkpoint:
            self._log(newest.checkpoint)
        return newest.checkpoint

    def _first(self, feed: CheckpointFeed, end: int) -> Checkpoint | None:
        """Witness the newest checkpoint for the first time (signed by the pinned key, if any)."""
        found = next(feed.checkpoints_from(end - 1), None) if end > 0 else None
        if found is None:
            return None
        offset, record = found
        witness = Witness(record.checkpoint, self._first_key(feed), offset)
        try:
            verify_checkpoint(record.checkpoint, witness.public_key)
        except CheckpointInvalid as exc:
            raise HubHistoryDiverged(self.path, exc) from exc
        self._store(witness)
        self._log(record.checkpoint)
        return record.checkpoint

    def _records_after(self, old: Witness, feed: CheckpointFeed, end: int) -> CheckpointRecords:
        """The records from the witnessed one on; the whole topic if it is not where it was."""
        if old.offset is not None and old.offset < end:
            records = feed.checkpoints_from(old.offset)
            first = next(records, None)
            if first is not None and (first[0], first[1].checkpoint) == (
                old.offset,
                old.checkpoint,
            ):
                return chain([first], records)
        everything = feed.checkpoints_from(0)
        first = next(everything, None)
        if first is None:
            raise HubHistoryDiverged(self.path, "the hub serves no checkpoint any more")
        return chain([first], everything)

    def _first_key(self, feed: CheckpointFeed) -> Ed25519PublicKey:
        if self._trusted is not None and self._trusted.public_key is not None:
            return self._trusted.public_key
        offered = feed.hub_public_key()
        return self._trusted.key_for(offered) if self._trusted else offered

    def _log(self, checkpoint: Checkpoint) -> None:
        structlog.get_logger("connectors").info(
            "checkpoint_witnessed", tree_size=checkpoint.tree_size, key_id=checkpoint.key_id
        )

    def _store(self, witness: Witness) -> None:
        self.path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(witness.to_json())
        temporary.replace(self.path)
