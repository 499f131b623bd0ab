"""A client of a hub on Kafka, with the same surface the CLI uses on the embedded hub."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from kafka import KafkaProducer

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.contract.base import Event
from ketenhub.core.processing import ProcessingRecord
from ketenhub.core.verification import VerificationReport, require_signed, verify_log
from ketenhub.core.witnessing import Witness
from ketenhub.protection.protector import KeyStoreProtector
from ketenhub.runtime.kafka.access_writer import KafkaAccessLog
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topic_log import LogRecord
from ketenhub.topics import ACCESS_LOG, TopicNames


class KafkaHub:
    """Publish to, read views of and verify a hub whose workers run on Kafka."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.names = TopicNames(settings.topic_prefix)
        self.folder = settings.hub_folder
        self.registry = self.folder.registry()
        self.folder.warn_if_exposed()
        self._protector: KeyStoreProtector | None = None
        self._producer: Any = None
        self._reader = KafkaLogReader(settings)
        self._access = KafkaAccessLog(settings)

    @property
    def protector(self) -> KeyStoreProtector:
        """The pseudonymiser and field encryptor of the data folder's existing key files."""
        if self._protector is None:
            self._protector = self.folder.protector()
        return self._protector

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key (from the data folder's key files)."""
        return self.folder.public_key()

    def publish(self, event: Event) -> Any:
        """Send an event to its recorder's ingest topic, with CloudEvents headers."""
        partner = self.registry.get(event.recorded_by)
        return self.publish_raw(partner.id, encode_event(event), build_headers(event, partner.urn))

    def publish_raw(
        self, partner_id: str, value: bytes, headers: Sequence[tuple[str, bytes]]
    ) -> Any:
        """Send raw bytes to a partner's ingest topic (idempotent producer, retried, acks=all).

        Returns the producer's future of the record's metadata (topic, partition, offset).
        """
        self.registry.get(partner_id)
        subject = dict(headers).get("ce_subject")  # key by case: one case's events stay in order
        return self._open_producer().send(
            self.names.ingest(partner_id), key=subject, value=value, headers=list(headers)
        )

    def prepare_publishing(self) -> None:
        """Open the producer and learn where every partner's ingest topic lives, so that the
        first events published to each do not wait for that."""
        producer = self._open_producer()
        for partner in self.registry.partners:
            producer.partitions_for(self.names.ingest(partner.id))

    def _open_producer(self) -> Any:
        if self._producer is None:
            self._producer = KafkaProducer(
                **self.settings.client_config(),
                acks="all",
                enable_idempotence=True,
                retries=2_147_483_647,
                delivery_timeout_ms=120_000,
                linger_ms=5,
            )
        return self._producer

    def flush(self) -> None:
        """Wait until everything published is stored by the broker."""
        if self._producer is not None:
            self._producer.flush()

    def live_views(self, partner: str) -> dict[str, bytes]:
        """The partner's current views, from its compacted view topic, by case id."""
        latest = self._reader.latest_by_key(self.names.view(partner))
        return {key.decode(): r.value for key, r in latest.items() if r.value is not None}

    def records(self, topic: str) -> Iterator[LogRecord]:
        """Every record of a hub topic (its unprefixed name) as of now, partition by partition."""
        return self._reader.all_records(self.names.prefix + topic)

    def verify(
        self, public_key: Ed25519PublicKey | None = None, witness: Witness | None = None
    ) -> VerificationReport:
        """Verify audit.log and every checkpoint on the cluster (with ``public_key``, else the
        data folder's key, and against a ``witness`` if given); raise at the first fault."""
        audit = list(self._reader.all_records(self.names.audit_log))
        return verify_log(
            public_key or self.public_key,
            audit,
            self._reader.all_records(self.names.checkpoints),
            witness,
        )

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Have the hub's sealer seal one read's processing records onto access.log (sent through
        access.intake, waited for), or raise ``ReadNotRecorded``."""
        self._access.record(records)

    def access_records(self) -> Iterator[LogRecord]:
        """Every sealed record of access.log on the cluster, in offset order."""
        return self._reader.all_records(self.names.access_log)

    def verify_access(
        self, public_key: Ed25519PublicKey | None = None, witness: Witness | None = None
    ) -> VerificationReport:
        """Verify access.log's chain and checkpoints on the cluster (against a ``witness`` of
        access.log if given); every record must be signed."""
        report = verify_log(
            public_key or self.public_key,
            list(self._reader.all_records(self.names.access_log)),
            self._reader.all_records(self.names.access_checkpoints),
            witness,
            log=ACCESS_LOG,
        )
        require_signed(report, 0, log=ACCESS_LOG)
        return report

    def close(self) -> None:
        """Flush and close the clients."""
        if self._producer is not None:
            self._producer.flush()
            self._producer.close()
        self._reader.close()
        self._access.close()
        if self._protector is not None:
            self._protector.close()

    def __enter__(self) -> KafkaHub:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
