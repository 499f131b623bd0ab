"""The port the web tier needs of a hub, on either backend, and the one thread that calls it.

The web tier publishes to a partner's ingest topic and reads what the hub decided and
projected: a partner's views (and their changes since a cursor), the decision on one event,
a partner's rejections, the signed checkpoints and consistency proofs. Two adapters
implement ``Backend``: ``ketenhub.web.embedded_backend`` (the embedded log of a data folder)
and ``ketenhub.web.kafka_backend`` (a hub on Kafka, its topics materialised locally). Neither
imports the other, so the web tier never mixes the runtimes.

Every call of a backend runs on one thread, ``BackendThread``: the embedded log's SQLite
connection and the key store belong to the thread that opened them, and the Kafka clients
are not meant to be shared between threads either. Request handlers await
``BackendThread.call``; nothing of a backend is touched from the event loop itself.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal, ParamSpec, Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.checkpoints import ChainedCheckpoint
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.processing import ProcessingRecord
from ketenhub.errors import KetenhubError
from ketenhub.protection.interface import Protector
from replay.sources import SealedLogSource

Headers = tuple[tuple[str, bytes], ...]
BackendName = Literal["embedded", "kafka"]
P = ParamSpec("P")
T = TypeVar("T")


class HubUnavailable(KetenhubError):
    """The backend cannot reach the hub's log now (a broker down, a database locked)."""

    def __init__(self, operation: str, cause: Exception) -> None:
        self.operation = operation
        super().__init__(f"cannot {operation} now: {type(cause).__name__}; try again shortly")


def content_digest(value: bytes) -> str:
    """The digest by which two messages with one event id are told the same or different."""
    return hashlib.sha256(value).hexdigest()


@dataclass(frozen=True)
class ViewEntry:
    """The last record of one case in a partner's view topic (``data`` None: it left the view)."""

    case_id: str
    data: bytes | None
    partition: int
    offset: int
    changed_at_us: int


@dataclass(frozen=True)
class ViewCursor:
    """Where a reader of a view topic stands: the next offset per partition."""

    next_offsets: tuple[int, ...] = ()

    def next_offset(self, partition: int) -> int:
        """The next offset of ``partition`` this reader has not seen (0 if none seen)."""
        return self.next_offsets[partition] if partition < len(self.next_offsets) else 0

    def after(self, entry: ViewEntry) -> ViewCursor:
        """The cursor once ``entry`` was seen."""
        width = max(len(self.next_offsets), entry.partition + 1)
        offsets = [self.next_offset(p) for p in range(width)]
        offsets[entry.partition] = max(offsets[entry.partition], entry.offset + 1)
        return ViewCursor(tuple(offsets))

    def encode(self) -> str:
        """The cursor as text: next offsets per partition joined by dots (``"17"``, ``"3.9"``)."""
        return ".".join(str(offset) for offset in self.next_offsets) or "0"


@dataclass(frozen=True)
class SealedDecision:
    """The event was sealed into audit.log at ``sequence``."""

    sequence: int
    sealed_at_us: int
    case_id: str | None


@dataclass(frozen=True)
class RejectedDecision:
    """The hub refused the event: the rule broken (``code``) and why."""

    code: str
    reason: str
    rejection_offset: int


@dataclass(frozen=True)
class PendingDecision:
    """The event was ingested; the hub has not decided it yet."""


Decision = SealedDecision | RejectedDecision | PendingDecision


@dataclass(frozen=True)
class RejectionEntry:
    """One message of a partner that the hub refused, as kept in ``rejected.<partner>``."""

    offset: int
    event_id: str | None
    event_type: str | None
    code: str
    reason: str
    source_topic: str
    source_offset: int | None
    rejected_at_us: int


@dataclass(frozen=True)
class CheckpointEntry:
    """A signed checkpoint at ``offset`` of audit.checkpoints, with its proof from the one before."""

    offset: int
    record: ChainedCheckpoint


class Backend(Protocol):
    """What the web tier needs of a hub. Called only from its ``BackendThread``."""

    name: BackendName
    registry: PartnerRegistry

    @property
    def protector(self) -> Protector:
        """Pseudonymises identifiers and encrypts texts of JSON events (the hub's keys)."""
        ...

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The key the hub signs checkpoints with (from the data folder)."""
        ...

    def publish(self, partner_id: str, value: bytes, headers: Headers) -> None:
        """Append a message to the partner's ingest topic; stored durably when this returns."""
        ...

    def history(self) -> AbstractContextManager[SealedLogSource]:
        """audit.log and its checkpoints through a reader of its own, for replay (any thread)."""
        ...

    def ingested_digest(self, partner_id: str, event_id: str) -> str | None:
        """The ``content_digest`` of the partner's ingested message with this event id, if any."""
        ...

    def decision(self, partner_id: str, event_id: str) -> Decision | None:
        """What the hub decided on the partner's event; None when no such event was ingested."""
        ...

    def views(self, partner_id: str) -> dict[str, ViewEntry]:
        """The partner's current views by case id (cases that left the view are absent)."""
        ...

    def view(self, partner_id: str, case_id: str) -> ViewEntry | None:
        """The partner's current view of one case, if the case is in its view."""
        ...

    def view_changes(
        self, partner_id: str, since: ViewCursor
    ) -> tuple[list[ViewEntry], ViewCursor]:
        """The latest record of every case changed at or after ``since``, and the cursor after them.

        In cursor order (partition, then offset). A case that left the view comes with
        ``data`` None. A case changed twice since the cursor comes once, as it is now.
        """
        ...

    def rejections(self, partner_id: str, after: int, limit: int) -> list[RejectionEntry]:
        """The partner's rejected messages with offsets above ``after`` (-1: from the first)."""
        ...

    def checkpoints(self, from_offset: int, limit: int) -> list[CheckpointEntry]:
        """Signed checkpoints from ``from_offset`` of audit.checkpoints on, in topic order."""
        ...

    def latest_checkpoint(self) -> CheckpointEntry | None:
        """The newest signed checkpoint, if the hub signed any."""
        ...

    def sealed_count(self) -> int:
        """How many records audit.log holds, as far as this backend has read."""
        ...

    def consistency_proof(self, old_size: int, new_size: int) -> Sequence[bytes]:
        """The RFC 9162 proof that audit.log's first ``new_size`` records extend the first ``old_size``."""
        ...

    def trouble(self) -> str | None:
        """Why the backend cannot keep its answers current (None: it can)."""
        ...

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Seal a read's processing records into access.log; ``ReadNotRecorded`` if they were not."""
        ...

    def close(self) -> None:
        """Release the backend's files and clients."""
        ...


class BackendThread:
    """Runs every call of one backend on one dedicated thread; the backend is made there too."""

    def __init__(self, open_backend: Callable[[], Backend]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ketenhub-web-hub")
        self._closed = False
        try:
            self.backend: Backend = self._executor.submit(open_backend).result()
        except BaseException:
            self._executor.shutdown(wait=True)
            raise

    async def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``function`` on the backend's thread and await its result."""
        return await asyncio.wrap_future(self._executor.submit(function, *args, **kwargs))

    def call_blocking(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``function`` on the backend's thread and wait for it (for code outside the loop)."""
        return self._executor.submit(function, *args, **kwargs).result()

    def close(self) -> None:
        """Close the backend on its thread, then stop the thread (again: nothing happens)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._executor.submit(self.backend.close).result()
        finally:
            self._executor.shutdown(wait=True)
