"""The embedded hub: a data folder holding the topic log, the keys, and the pipeline over them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub import topics
from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import decode_event, encode_event
from ketenhub.config import load_registry
from ketenhub.contract.base import Event
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import Projector
from ketenhub.core.sealing import decode_sealed
from ketenhub.core.verification import VerificationReport, verify_log
from ketenhub.embedded.runner import (
    Clock,
    RunStats,
    SealerLoop,
    ViewProjector,
    read_all,
    run_until_idle,
    utc_now,
)
from ketenhub.embedded.sqlite_log import SqliteTopicLog
from ketenhub.embedded.writer_lock import DEFAULT_WAIT_S, Notify, WriterLock, tell_stderr
from ketenhub.errors import KetenhubError
from ketenhub.hub_keys import load_or_create_signing_key, open_protector
from ketenhub.topic_log import LogRecord

LOG_FILE = "log.sqlite"


class HubNotFound(KetenhubError):
    """The data folder holds no embedded hub."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        super().__init__(
            f"no embedded hub in {data_dir}: run `ketenhub demo --data-dir {data_dir}` to create "
            "one with a synthetic year, or `ketenhub publish --data-dir ...` to start one"
        )


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
        if not (data_dir / LOG_FILE).exists() and not create:
            raise HubNotFound(data_dir)
        self.data_dir = data_dir
        self.registry = registry or load_registry(registry_file(data_dir))
        self.log = SqliteTopicLog(data_dir / LOG_FILE)
        self.protector = open_protector(data_dir)
        self.signing_key = load_or_create_signing_key(data_dir)
        self._checkpoint_every, self._clock = checkpoint_every, clock

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key."""
        return self.signing_key.public_key()

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
        """The partner's current views from its compacted view topic, by case id."""
        latest = self.log.latest_by_key(topics.view(partner))
        return {
            key.decode(): record.value for key, record in latest.items() if record.value is not None
        }

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

    def verify(self) -> VerificationReport:
        """Verify the whole chain and every checkpoint; raise IntegrityError at the first fault."""
        return verify_log(
            self.public_key, self.records(topics.AUDIT_LOG), self.records(topics.CHECKPOINTS)
        )

    def close(self) -> None:
        """Close the files."""
        self.log.close()
        self.protector.close()

    def __enter__(self) -> EmbeddedHub:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def registry_file(data_dir: Path) -> Path | None:
    """The registry file of a data folder, if it has its own (else the default applies)."""
    candidate = data_dir / "partners.toml"
    return candidate if candidate.exists() else None
