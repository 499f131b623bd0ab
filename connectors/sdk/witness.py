"""The partner's witness: the newest signed checkpoint it has seen, kept in its own state folder.

Each time the client reads from the hub it asks the transport for the hub's newest signed
checkpoint and an RFC 9162 consistency proof from the witnessed tree size. The checkpoint is
accepted only when it is signed by the key witnessed first (or the key the partner pinned)
and the proof shows that its tree extends the witnessed one; then it replaces the witness in
``<state folder>/witness-<partner>-<hub>.json``, ``<hub>`` naming the hub's address (the
``ketenhub-witness/v1`` format that
``ketenhub verify --witness`` reads). Otherwise ``HubHistoryDiverged`` stops the connector:
the hub cut its history back or rewrote it below a checkpoint this partner saw.

The hub serves the proof: on the embedded backend it is computed from audit.log. On Kafka,
partners may read only their own topics, so a Kafka transport offers no checkpoint feed yet;
there a partner witnesses with ``ketenhub verify --write-witness`` / ``--witness`` run by
someone allowed to read ``audit.log``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from connectors.sdk.errors import ConnectorError
from ketenhub.core.checkpoints import Checkpoint, verify_checkpoint
from ketenhub.core.trust import TrustedKey
from ketenhub.core.witnessing import (
    CheckpointUpdate,
    HistoryDiverged,
    Witness,
    check_extends,
    witness_from_json,
)
from ketenhub.data_folder import PRIVATE_FOLDER
from ketenhub.errors import CheckpointInvalid


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
    """A transport that can serve the hub's newest checkpoint with a consistency proof."""

    def checkpoint_update(self, old_size: int) -> CheckpointUpdate | None:
        """The newest signed checkpoint and the proof from tree size ``old_size`` (None: none yet)."""
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
        """The checkpoint witnessed so far, if any."""
        if not self.path.exists():
            return None
        return witness_from_json(self.path.read_bytes())

    def observe(self, feed: CheckpointFeed) -> Checkpoint | None:
        """Check the hub's newest checkpoint against the witness and keep it; return it."""
        old = self.witnessed()
        update = feed.checkpoint_update(old.checkpoint.tree_size if old else 0)
        if update is None:
            if old is not None:
                raise HubHistoryDiverged(self.path, "the hub serves no checkpoint any more")
            return None
        if old is None:
            witness = Witness(update.checkpoint, self._first_key(feed))
            try:
                verify_checkpoint(update.checkpoint, witness.public_key)
            except CheckpointInvalid as exc:
                raise HubHistoryDiverged(self.path, exc) from exc
        else:
            try:
                check_extends(old, update.checkpoint, update.proof)
            except HistoryDiverged as exc:
                raise HubHistoryDiverged(self.path, exc) from exc
            if update.checkpoint.tree_size == old.checkpoint.tree_size:
                return old.checkpoint
            witness = Witness(update.checkpoint, old.public_key)
        self._store(witness)
        structlog.get_logger("connectors").info(
            "checkpoint_witnessed",
            tree_size=update.checkpoint.tree_size,
            key_id=update.checkpoint.key_id,
        )
        return update.checkpoint

    def _first_key(self, feed: CheckpointFeed) -> Ed25519PublicKey:
        offered = feed.hub_public_key()
        return self._trusted.key_for(offered) if self._trusted else offered

    def _store(self, witness: Witness) -> None:
        self.path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(witness.to_json())
        temporary.replace(self.path)
