"""The embedded transport: a partner client on the embedded hub in a data folder (no server)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from connectors.sdk.models import Position
from connectors.sdk.transport import Delivery, Headers, Stream
from ketenhub import topics
from ketenhub.core.checkpoint_records import decode_chained_checkpoint
from ketenhub.core.checkpoints import ChainedCheckpoint
from ketenhub.core.partners import Partner, PartnerRegistry
from ketenhub.core.processing import ProcessingRecord
from ketenhub.protection.interface import Protector
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.runner import PROJECTOR_GROUP, SEALER_GROUP, RunStats


class _Stored:
    """A message the embedded log already stored: its position is known at once."""

    def __init__(self, position: Position) -> None:
        self._position = position

    def result(self, timeout_s: float) -> Position:
        """Where the message was stored."""
        return self._position


class EmbeddedTransport:
    """The embedded hub in ``data_dir``, for one partner process.

    The embedded hub has no workers. With ``run_pipeline=True`` (the default) this transport
    runs the hub's pipeline (seal, then project the views) itself: on ``flush()``, when a
    cursor opens, and when a cursor finds nothing new; so after ``client.flush()`` views and
    rejections show what was published. With ``run_pipeline=False`` published events stay on
    the ingest topic until another process runs the pipeline (``ketenhub run``).
    ``create=True`` starts an empty hub when the folder holds none (as ``ketenhub init``
    does); without it a folder without a hub is an error.
    """

    def __init__(self, data_dir: Path, *, run_pipeline: bool = True, create: bool = False) -> None:
        self.hub = EmbeddedHub(data_dir, create=create)
        self.run_pipeline = run_pipeline
        self.last_run: RunStats | None = None

    @property
    def registry(self) -> PartnerRegistry:
        """The registry of the hub in the data folder."""
        return self.hub.registry

    @property
    def protector(self) -> Protector:
        """The hub's pseudonymiser and field encryptor."""
        return self.hub.protector

    def send(self, partner: Partner, value: bytes, headers: Headers) -> _Stored:
        """Append one encoded event to ``ingest.<partner>``."""
        offset = self.hub.publish_raw(partner.id, value, headers)
        return _Stored(Position(topic=topics.ingest(partner.id), partition=0, offset=offset))

    def flush(self) -> None:
        """Run the pipeline when asked to and something waits for it; appends are already stored."""
        if self.run_pipeline and self.pipeline_pending():
            self.last_run = self.hub.run()

    def pipeline_pending(self) -> bool:
        """Whether an ingested message waits to be sealed, or a sealed record to be projected."""
        log = self.hub.log
        for partner in self.registry.partners:
            topic = topics.ingest(partner.id)
            if log.end_offset(topic) > log.committed(SEALER_GROUP, topic):
                return True
        return log.end_offset(topics.AUDIT_LOG) > log.committed(PROJECTOR_GROUP, topics.AUDIT_LOG)

    def checkpoint_end(self) -> int:
        """The offset after the newest record of the hub's checkpoint topic."""
        return self.hub.log.end_offset(topics.CHECKPOINTS)

    def checkpoints_from(self, offset: int) -> Iterator[tuple[int, ChainedCheckpoint]]:
        """The checkpoint records stored from ``offset`` to the end, each with its proof.

        What is stored, gaps and all: a witness judges the history the hub serves, and names
        checkpoints that went missing by what their absence does (a cut-back, a broken chain).
        """
        log, end = self.hub.log, self.checkpoint_end()
        while offset < end:
            batch = [r for r in log.read(topics.CHECKPOINTS, offset, 500) if r.offset < end]
            if not batch:
                return
            for stored in batch:
                yield stored.offset, decode_chained_checkpoint(stored.value or b"", stored.offset)
            offset = batch[-1].offset + 1

    def hub_public_key(self) -> Ed25519PublicKey:
        """The key in the hub's data folder (a witness trusts it only on first use, or if pinned)."""
        return self.hub.public_key

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Seal the processing records of a read of views into access.log, or raise ``ReadNotRecorded``."""
        self.hub.record_reads(records)

    def open_cursor(self, partner_id: str, stream: Stream, group: str | None) -> EmbeddedCursor:
        """Open a cursor on ``view.<partner>`` or ``rejected.<partner>``."""
        self.registry.get(partner_id)
        self.flush()
        topic = topics.view(partner_id) if stream == "view" else topics.rejected(partner_id)
        return EmbeddedCursor(self, topic, group)

    def close(self) -> None:
        """Close the hub's files."""
        self.hub.close()


class EmbeddedCursor:
    """A consumer position in one embedded topic, committed under a consumer group."""

    def __init__(self, transport: EmbeddedTransport, topic: str, group: str | None) -> None:
        self._transport, self._topic, self._group = transport, topic, group
        log = transport.hub.log
        self.position = 0 if group is None else log.committed(group, topic)
        self._end = log.end_offset(topic)
        self._marked: int | None = None

    def _read(self) -> list[Delivery]:
        batch = self._transport.hub.log.read(self._topic, self.position, 500)
        if batch:
            self.position = batch[-1].offset + 1
        return [
            Delivery(
                Position(topic=r.topic, partition=0, offset=r.offset), r.key, r.value, r.headers
            )
            for r in batch
        ]

    def poll(self, timeout_s: float) -> list[Delivery]:
        """Records after the position; when there are none, run the pipeline, then wait."""
        batch = self._read()
        if not batch:
            self._transport.flush()
            batch = self._read()
        if not batch and timeout_s > 0:
            time.sleep(timeout_s)
        return batch

    def caught_up(self) -> bool:
        """Whether the position reached the topic's end as of opening."""
        return self.position >= self._end

    def mark(self, delivery: Delivery) -> None:
        """Note a handled record."""
        self._marked = delivery.position.offset + 1

    def commit(self) -> None:
        """Store the position after the last handled record under the group."""
        if self._group is not None and self._marked is not None:
            self._transport.hub.log.commit(self._group, self._topic, self._marked)
            self._marked = None

    def close(self) -> None:
        """Nothing to release: the log belongs to the transport."""
