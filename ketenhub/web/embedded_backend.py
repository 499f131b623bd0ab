"""The web tier's backend on the embedded hub: the data folder's log, read on before every answer.

Publishing appends to ``ingest.<partner>`` of the folder's SQLite log (as ``ketenhub
publish`` does) and wakes the ``PipelineWorker``, which seals and projects as the folder's
one writer. Reads fold what the log gained since the last read into a ``HubMirror``, topic
by topic, as each answer needs it; so other processes' writes (``ketenhub publish``,
connectors, ``ketenhub run``) show too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ketenhub import topics
from ketenhub.core.processing import ProcessingRecord
from ketenhub.hub_folder import HubFolder
from ketenhub.protection.interface import Protector
from ketenhub.protection.protector import KeyStoreProtector
from ketenhub.runtime.embedded.access_store import SqliteAccessLog
from ketenhub.runtime.embedded.sqlite_log import LogFileError, SqliteTopicLog
from ketenhub.topic_log import read_all
from ketenhub.web.backend import (
    BackendName,
    CheckpointEntry,
    Decision,
    Headers,
    HubUnavailable,
    RejectionEntry,
    ViewCursor,
    ViewEntry,
    content_digest,
)
from ketenhub.web.mirror import HubMirror
from ketenhub.web.pipeline_worker import PipelineWorker
from replay.sources import LogSource, SealedLogSource


class EmbeddedBackend:
    """The ``Backend`` of an embedded hub's data folder."""

    name: BackendName = "embedded"

    def __init__(self, data_dir: Path, *, writer_wait_s: float, run_pipeline: bool = True) -> None:
        self.folder = HubFolder(data_dir)
        log_file = self.folder.require_log()
        self.folder.warn_if_exposed()
        self.registry = self.folder.registry()
        self._log = SqliteTopicLog(log_file)
        self._protector: KeyStoreProtector | None = None
        self._key: Ed25519PrivateKey | None = None
        self._access = SqliteAccessLog(self.folder.access_log_file, self._signing_key)
        self.mirror = HubMirror(self.registry)
        self._worker = PipelineWorker(data_dir, wait_s=writer_wait_s) if run_pipeline else None
        if self._worker is not None:
            self._worker.wake()  # decide anything ingested while no writer ran

    @property
    def protector(self) -> Protector:
        """The hub's pseudonymiser and field encryptor."""
        if self._protector is None:
            self._protector = self.folder.protector()
        return self._protector

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key."""
        return self.folder.public_key()

    @contextmanager
    def history(self) -> Iterator[SealedLogSource]:
        """The folder's audit.log and checkpoints through a connection of its own, for replay."""
        log = SqliteTopicLog(self.folder.require_log())
        try:
            yield LogSource(
                log, self.folder.keys.public_key_file, f"embedded hub {self.folder.path}"
            )
        finally:
            log.close()

    def publish(self, partner_id: str, value: bytes, headers: Headers) -> None:
        """Append to the partner's ingest topic and wake the pipeline."""
        self.registry.get(partner_id)
        try:
            self._log.append(topics.ingest(partner_id), value, headers=headers)
        except LogFileError as exc:  # e.g. the database stayed locked by another writer
            msg = "append to the hub's ingest topic"
            raise HubUnavailable(msg, exc) from exc
        event_id = dict(headers).get("ce_id")
        if event_id is not None:
            self.mirror.decisions.note_published(
                partner_id, event_id.decode(errors="replace"), content_digest(value)
            )
        if self._worker is not None:
            self._worker.wake()

    def ingested_digest(self, partner_id: str, event_id: str) -> str | None:
        """The digest of the partner's ingested message with this event id, if any."""
        self._catch_up(topics.ingest(partner_id))
        return self.mirror.decisions.ingested_digest(partner_id, event_id)

    def decision(self, partner_id: str, event_id: str) -> Decision | None:
        """What the hub decided on the partner's event, as of now."""
        self._catch_up(topics.ingest(partner_id), topics.AUDIT_LOG, topics.rejected(partner_id))
        return self.mirror.decisions.decision(partner_id, event_id)

    def views(self, partner_id: str) -> dict[str, ViewEntry]:
        """The partner's current views."""
        self._catch_up(topics.view(partner_id))
        return self.mirror.views[partner_id].current()

    def view(self, partner_id: str, case_id: str) -> ViewEntry | None:
        """The partner's current view of one case."""
        self._catch_up(topics.view(partner_id))
        return self.mirror.views[partner_id].get(case_id)

    def view_changes(
        self, partner_id: str, since: ViewCursor
    ) -> tuple[list[ViewEntry], ViewCursor]:
        """The cases of the partner's view changed since the cursor."""
        self._catch_up(topics.view(partner_id))
        return self.mirror.views[partner_id].changes(since)

    def rejections(self, partner_id: str, after: int, limit: int) -> list[RejectionEntry]:
        """The partner's rejected messages after an offset."""
        self._catch_up(topics.rejected(partner_id))
        return self.mirror.decisions.rejections(partner_id, after, limit)

    def checkpoints(self, from_offset: int, limit: int) -> list[CheckpointEntry]:
        """Signed checkpoints from an offset on."""
        self._catch_up(topics.CHECKPOINTS)
        return self.mirror.checkpoints.checkpoints(from_offset, limit)

    def latest_checkpoint(self) -> CheckpointEntry | None:
        """The newest signed checkpoint, if any."""
        self._catch_up(topics.CHECKPOINTS)
        return self.mirror.checkpoints.latest()

    def sealed_count(self) -> int:
        """How many records audit.log holds."""
        self._catch_up(topics.AUDIT_LOG)
        return self.mirror.checkpoints.sealed_count

    def consistency_proof(self, old_size: int, new_size: int) -> Sequence[bytes]:
        """The consistency proof between two tree sizes of audit.log."""
        self._catch_up(topics.AUDIT_LOG)
        return self.mirror.checkpoints.consistency_proof(old_size, new_size)

    def trouble(self) -> str | None:
        """Why decisions would not follow writes: the pipeline's thread ended (None: all well)."""
        if self._worker is not None and not self._worker.alive:
            return "the pipeline's thread has stopped: restart ketenhub web"
        return None

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Seal a read's processing records into access.sqlite, or raise ``ReadNotRecorded``."""
        self._access.record(records)

    def _signing_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = self.folder.signing_key()
        return self._key

    def close(self) -> None:
        """Stop the pipeline worker and close the files."""
        if self._worker is not None:
            self._worker.stop()
        self._log.close()
        self._access.close()
        if self._protector is not None:
            self._protector.close()

    def _catch_up(self, *names: str) -> None:
        for topic in names:
            start = self.mirror.next_offset(topic)
            # a view topic may lose superseded records to compaction: its gaps are no damage
            compacted = topic.startswith("view.")
            for record in read_all(self._log, topic, start, tolerate_missing=compacted):
                self.mirror.take(topic, 0, record)
