"""The embedded hub: a data folder holding the topic log, the keys, and the pipeline over them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ketenhub import topics
from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import decode_event, encode_event
from ketenhub.codec.views import decode_view
from ketenhub.contract.base import Event
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.processing import ProcessingRecord
from ketenhub.core.projection import Projector
from ketenhub.core.sealing import decode_sealed
from ketenhub.core.verification import VerificationReport, verify_log
from ketenhub.core.witnessing import Witness
from ketenhub.data_folder import LOG_FILE, create_private_file, create_private_folder
from ketenhub.errors import CodecError
from ketenhub.hub_folder import HubFolder, HubNotFound
from ketenhub.pipeline.sealing_step import Clock, utc_now
from ketenhub.protection.protector import KeyStoreProtector
from ketenhub.runtime.embedded.access_store import SqliteAccessLog
from ketenhub.runtime.embedded.damage import DamagedRecord
from ketenhub.runtime.embedded.runner import RunStats, SealerLoop, ViewProjector, run_until_idle
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from ketenhub.runtime.embedded.writer_lock import DEFAULT_WAIT_S, Notify, WriterLock, tell_stderr
from ketenhub.topic_log import LogRecord, read_all

__all__ = ["LOG_FILE", "EmbeddedHub", "HubNotFound", "create_hub"]


def create_hub(data_dir: Path) -> Ed25519PublicKey:
    """Create an empty hub: folder 0700, its keys, an empty log.sqlite 0600; return its public key.

    Only ``ketenhub init`` and ``ketenhub demo`` (and code that means to, with
    ``EmbeddedHub(create=True)``) create a hub; every other way of opening one refuses an
    empty folder and never makes a key.
    """
    folder = HubFolder(data_dir)
    create_private_folder(folder.path)
    public_key = folder.keys.create()
    create_private_file(folder.log_file)
    SqliteTopicLog(folder.log_file).close()
    create_private_file(folder.access_log_file)
    SqliteTopicLog(folder.access_log_file).close()
    return public_key


class EmbeddedHub:
    """One hub in one data folder: publish, run the pipeline, read views, verify the log."""

    def __init__(
        self,
        data_dir: Path,
        *,
        create: bool = False,
        registry: PartnerRegistry | None = None,
        checkpoint_every: int = 64,
        clock: Clock = utc_now,
    ) -> None:
        self.folder = HubFolder(data_dir)
        if create and not self.folder.log_file.exists():
            create_hub(data_dir)
        log_file = self.folder.require_log()
        self.folder.warn_if_exposed()
        self.data_dir = data_dir
        self.registry = registry or self.folder.registry()
        self.log = SqliteTopicLog(log_file)
        self._protector: KeyStoreProtector | None = None
        self._signing_key: Ed25519PrivateKey | None = None
        self._checkpoint_every, self._clock = checkpoint_every, clock
        self.access_log = SqliteAccessLog(self.folder.access_log_file, lambda: self.signing_key)

    @property
    def protector(self) -> KeyStoreProtector:
        """The hub's pseudonymiser and field encryptor (its key files must exist)."""
        if self._protector is None:
            self._protector = self.folder.protector()
        return self._protector

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The hub's checkpoint signing key (its key file must exist)."""
        if self._signing_key is None:
            self._signing_key = self.folder.signing_key()
        return self._signing_key

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key, from keys/hub-signing-key.pub.pem."""
        return self.folder.public_key()

    def publish(self, event: Event) -> int:
        """Append an event to its recorder's ingest topic, with CloudEvents headers."""
        partner = self.registry.get(event.recorded_by)
        return self.publish_raw(partner.id, encode_event(event), build_headers(event, partner.urn))

    def publish_raw(
        self, partner_id: str, value: bytes, headers: Sequence[tuple[str, bytes]]
    ) -> int:
        """Append raw bytes to a partner's ingest topic (as a partner's system would)."""
        self.registry.get(partner_id)
        return self.log.append(topics.ingest(partner_id), value, headers=headers)

    def run(
        self, *, batch: int = 256, wait_s: float = DEFAULT_WAIT_S, notify: Notify = tell_stderr
    ) -> RunStats:
        """Seal and project everything ingested so far, as the data folder's one writer.

        Another process sealing the same folder holds its writer lock: this run then waits
        for it (telling ``notify`` once) up to ``wait_s`` seconds, and raises ``WriterBusy``
        naming the holder's pid if it did not finish.
        """
        with WriterLock(self.data_dir, wait_s=wait_s, notify=notify):
            sealer = SealerLoop(
                self.log,
                self.registry,
                self.signing_key,
                checkpoint_every=self._checkpoint_every,
                clock=self._clock,
            )
            return run_until_idle(sealer, ViewProjector(self.log, self.registry), batch=batch)

    def live_views(self, partner: str) -> dict[str, bytes]:
        """The partner's current views from its compacted view topic, by case id.

        Raises DamagedRecord (naming topic and offset) for a stored view whose key is not
        UTF-8 text or whose value is not a view record (``decode_view``): the hub never
        writes one.
        """
        views: dict[str, bytes] = {}
        for record in self.log.latest_by_key(topics.view(partner)).values():
            try:
                case_id = (record.key or b"").decode()
                decode_view(record.value or b"")
            except (UnicodeDecodeError, CodecError) as exc:
                detail = f"its key is not UTF-8 text or its value is not a view record: {exc}"
                raise DamagedRecord(record.topic, record.offset, detail) from exc
            views[case_id] = record.value or b""
        return views

    def rebuilt_views(self) -> Projector:
        """Rebuild every view from offset 0 of audit.log."""
        projector = Projector(self.registry)
        for stored in read_all(self.log, topics.AUDIT_LOG):
            record = decode_sealed(stored.value or b"", stored.offset)
            projector.apply(record, decode_event(record.payload))
        return projector

    def records(self, topic: str) -> Iterator[LogRecord]:
        """Every record of a topic, in offset order."""
        return read_all(self.log, topic)

    def verify(
        self, public_key: Ed25519PublicKey | None = None, witness: Witness | None = None
    ) -> VerificationReport:
        """Verify the chain and every checkpoint (with ``public_key``, else the folder's key).

        Raises IntegrityError at the first fault; with a ``witness``, also when the records
        up to its tree size do not have its root.
        """
        return verify_log(
            public_key or self.public_key,
            self.records(topics.AUDIT_LOG),
            self.records(topics.CHECKPOINTS),
            witness,
        )

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Seal the processing records of one read into access.log, or raise ``ReadNotRecorded``."""
        self.access_log.record(records)

    def access_records(self) -> Iterator[LogRecord]:
        """Every sealed record of access.log, in offset order."""
        return self.access_log.records()

    def verify_access(
        self, public_key: Ed25519PublicKey | None = None, witness: Witness | None = None
    ) -> VerificationReport:
        """Verify access.log's chain and checkpoints (with ``public_key``, else the folder's key,
        and against a ``witness`` of access.log if given)."""
        return self.access_log.verify(public_key or self.public_key, witness)

    def close(self) -> None:
        """Close the files."""
        self.log.close()
        self.access_log.close()
        if self._protector is not None:
            self._protector.close()

    def __enter__(self) -> EmbeddedHub:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
