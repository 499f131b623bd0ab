"""The Kafka transport: a partner client on a hub whose workers run on a Kafka cluster.

Publishing uses kafka-python's idempotent producer (``acks="all"``, ``enable_idempotence``,
retries with back-off inside the delivery timeout), keyed by case id so one case's events
stay in order. Reading assigns the partitions of the partner's own ``view.<partner>`` or
``rejected.<partner>`` topic (under ``settings.topic_prefix``) and commits positions under
the partner's own consumer group, ``partner-<id>-...``. It also reads the hub's
``audit.checkpoints`` (``kafka_checkpoints``), so a partner's witness follows the hub's
history on Kafka as on the embedded hub.

The broker's refusals surface as the runtime's ``BrokerAccessError`` (``ketenhub.runtime.kafka.errors``): a
wrong SASL login as ``AuthenticationRefused`` (checked once, in a second, before the first
use), a topic or group the ACLs do not allow as ``NotAuthorized``, a missing topic as
``TopicNotFound``; anything else the cluster does wrong as ``TransportError``.

Protection: a partner's system opens the transport from its partner folder
(``KafkaTransport.for_partner_folder``) and protects through the hub's protection service
(``RemoteProtector``), holding no secret of the hub. Given the hub's own data folder
instead (the hub's own tools and tests), it uses the key files there (``KeyStoreProtector``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaTimeoutError
from kafka.structs import OffsetAndMetadata

from connectors.sdk.errors import ConnectorError, TransportError
from connectors.sdk.kafka_checkpoints import KafkaCheckpointReader
from connectors.sdk.kafka_errors import translated
from connectors.sdk.models import Position
from connectors.sdk.partner_folder import read_partner_folder
from connectors.sdk.remote_protector import RemoteProtector
from connectors.sdk.transport import Backoff, Delivery, Headers, Stream
from ketenhub.core.access_log import ReadNotRecorded
from ketenhub.core.checkpoints import ChainedCheckpoint
from ketenhub.core.partners import Partner, PartnerRegistry
from ketenhub.core.processing import ProcessingRecord
from ketenhub.protection.interface import Protector
from ketenhub.protection.key_files import KeyFileMissing
from ketenhub.runtime.kafka.access import check_login, check_topic
from ketenhub.runtime.kafka.access_writer import KafkaAccessLog
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames


class _Sent:
    """A message handed to the producer; ``result`` waits for the broker's acknowledgement."""

    def __init__(self, future: Any, settings: KafkaSettings, topic: str) -> None:
        self._future, self._settings, self._topic = future, settings, topic

    def result(self, timeout_s: float) -> Position:
        """Where the broker stored the message (all in-sync replicas have it)."""
        with translated(self._settings, "write to", topic=self._topic):
            meta = self._future.get(timeout=timeout_s)
        return Position(topic=meta.topic, partition=meta.partition, offset=meta.offset)


class KafkaTransport:
    """Reach the hub on the Kafka cluster of ``settings`` (bootstrap, topic prefix, SASL user)."""

    def __init__(
        self,
        settings: KafkaSettings,
        *,
        backoff: Backoff | None = None,
        protector: Protector | None = None,
        hub_key: Ed25519PublicKey | None = None,
    ) -> None:
        self.settings = settings
        self.names = TopicNames(settings.topic_prefix)
        self.backoff = backoff or Backoff()
        self._registry = settings.hub_folder.registry()
        self._protector: Protector | None = protector
        self._hub_key = hub_key
        self._producer: Any = None
        self._logged_in = False
        self._checkpoints = KafkaCheckpointReader(settings, self.names.checkpoints)
        self._access = KafkaAccessLog(settings)

    @classmethod
    def for_partner_folder(
        cls, folder: Path, *, bootstrap: str | None = None, topic_prefix: str | None = None
    ) -> KafkaTransport:
        """The transport of a partner's system from its partner folder (``partners provision``).

        Logs in with the folder's SASL credentials and protects through the hub's service with
        the folder's token, after the service proved it holds the pinned hub key. ``bootstrap``
        and ``topic_prefix`` override the folder's when given.
        """
        kit, pin = read_partner_folder(folder)
        settings = KafkaSettings(
            kafka_bootstrap=bootstrap or kit.kafka_bootstrap,
            data_dir=folder,
            topic_prefix=kit.topic_prefix if topic_prefix is None else topic_prefix,
            sasl_username=kit.sasl_username,
            sasl_password=kit.sasl_password,
        )
        protector = RemoteProtector(kit.protection_url, kit.api_token.get_secret_value(), pin)
        return cls(settings, protector=protector, hub_key=pin.public_key)

    def check_login(self) -> None:
        """Log in once (in about a second) so a refused login fails at once, not after retries."""
        if not self._logged_in:
            check_login(self.settings)
            self._logged_in = True

    @property
    def registry(self) -> PartnerRegistry:
        """The partner registry (the data folder's own, else the default)."""
        return self._registry

    @property
    def protector(self) -> Protector:
        """The hub's protection service (a partner folder), else the key files of the hub's folder."""
        if self._protector is None:
            try:
                self._protector = self.settings.hub_folder.protector()
            except KeyFileMissing as exc:
                msg = (
                    f"{self.settings.data_dir} holds neither the hub's keys nor a partner folder: "
                    "a partner's system protects data through the hub; give --data-dir the "
                    "partner folder `ketenhub partners provision --partner-folders` made"
                )
                raise ConnectorError(msg) from exc
        return self._protector

    def _producer_for(self, partner: Partner) -> Any:
        if self._producer is None:
            self.check_login()
            with translated(self.settings, "connect to"):
                self._producer = KafkaProducer(
                    **self.settings.client_config(),
                    client_id=f"partner-{partner.id}",
                    acks="all",
                    enable_idempotence=True,
                    retries=2_147_483_647,
                    retry_backoff_ms=200,
                    delivery_timeout_ms=120_000,
                    max_block_ms=15_000,
                    linger_ms=5,
                )
        return self._producer

    def send(self, partner: Partner, value: bytes, headers: Headers) -> _Sent:
        """Hand one encoded event to the idempotent producer for ``ingest.<partner>``."""
        producer = self._producer_for(partner)
        topic = self.names.ingest(partner.id)
        key = dict(headers).get("ce_subject")  # one case's events share a partition: kept in order
        try:
            with translated(self.settings, "write to", topic=topic):
                future = self.backoff.run(
                    lambda: producer.send(topic, key=key, value=value, headers=list(headers)),
                    (KafkaTimeoutError,),
                    f"sending to {topic}",
                )
        except TransportError:
            check_topic(self.settings, topic, "write to")  # a missing or forbidden topic says so
            raise
        return _Sent(future, self.settings, topic)

    def flush(self) -> None:
        """Wait until the broker acknowledged everything sent."""
        if self._producer is not None:
            with translated(self.settings, "write to"):
                self._producer.flush()

    def checkpoint_end(self) -> int:
        """The offset after the newest record of ``audit.checkpoints``."""
        self.check_login()
        return self._checkpoints.end()

    def checkpoints_from(self, offset: int) -> Iterator[tuple[int, ChainedCheckpoint]]:
        """The records of ``audit.checkpoints`` from ``offset`` to its end, with their proofs."""
        self.check_login()
        return self._checkpoints.records_from(offset)

    def hub_public_key(self) -> Ed25519PublicKey:
        """The hub key pinned in the partner folder, else the one in the data folder's ``keys/``."""
        if self._hub_key is not None:
            return self._hub_key
        try:
            return self.settings.hub_folder.public_key()
        except KeyFileMissing as exc:
            msg = (
                f"no hub public key in {self.settings.data_dir}/keys to check the hub's "
                "checkpoints with: give --trusted-key (KETENHUB_TRUSTED_KEY) the hub's public "
                "key PEM file (a fingerprint alone cannot check a signature)"
            )
            raise ConnectorError(msg) from exc

    def open_cursor(self, partner_id: str, stream: Stream, group: str | None) -> KafkaCursor:
        """Open a cursor on the partner's view or rejected topic on the cluster."""
        self._registry.get(partner_id)
        self.check_login()
        topic = self.names.view(partner_id) if stream == "view" else self.names.rejected(partner_id)
        return KafkaCursor(self.settings, topic, group)

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Have the read's processing records sealed into access.log, or raise ``ReadNotRecorded``.

        With the hub's data folder the transport sends them to access.intake and waits until the
        hub's worker sealed them onto access.log; from a partner folder (no key of the hub) it
        reports them to the hub's ``/api/v1/reads``, which has them sealed the same way: the
        views are handed out only after the hub confirmed.
        """
        if not isinstance(self._protector, RemoteProtector):
            self._access.record(records)
            return
        by_operation: dict[str, list[str]] = {}
        for record in records:
            if record.case_id is not None:
                by_operation.setdefault(record.operation.value, []).append(record.case_id)
        try:
            for operation, case_ids in by_operation.items():
                self._protector.report_reads(operation, case_ids)
        except ConnectorError as exc:
            raise ReadNotRecorded(self._protector.url, exc) from exc

    def close(self) -> None:
        """Flush and close the producer, the checkpoint reader and the key files."""
        self._checkpoints.close()
        self._access.close()
        if self._producer is not None:
            self._producer.flush()
            self._producer.close()
            self._producer = None
        if self._protector is not None:
            self._protector.close()
            self._protector = None


class KafkaCursor:
    """The partitions of one topic, assigned to this client, positions kept by its group."""

    def __init__(self, settings: KafkaSettings, topic: str, group: str | None) -> None:
        self._settings, self._topic, self._group = settings, topic, group
        self._marks: dict[TopicPartition, int] = {}
        with translated(settings, "read", topic=topic, group=group):
            self._consumer: Any = KafkaConsumer(
                **settings.client_config(),
                group_id=group,
                client_id=group or "partner-snapshot",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
        try:
            self._partitions = self._assign()
        except BaseException:
            self._consumer.close()
            raise

    def _assign(self) -> list[TopicPartition]:
        with translated(self._settings, "read", topic=self._topic, group=self._group):
            found = self._consumer.partitions_for_topic(self._topic)
            if not found:  # kafka-python shows a forbidden topic as a missing one: ask the broker
                check_topic(self._settings, self._topic, "read")
                msg = f"topic {self._topic} has no partitions on {self._settings.kafka_bootstrap}"
                raise TransportError(msg)
            partitions = [TopicPartition(self._topic, p) for p in sorted(found)]
            self._consumer.assign(partitions)
            if self._group is None:
                self._consumer.seek_to_beginning(*partitions)
            self._ends: dict[TopicPartition, int] = self._consumer.end_offsets(partitions)
        return partitions

    def poll(self, timeout_s: float) -> list[Delivery]:
        """Records after the group's position, in partition and offset order."""
        with translated(self._settings, "read", topic=self._topic, group=self._group):
            fetched = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=500)
        messages = sorted(
            (m for batch in fetched.values() for m in batch), key=lambda m: (m.partition, m.offset)
        )
        return [
            Delivery(
                Position(topic=m.topic, partition=m.partition, offset=m.offset),
                m.key,
                m.value,
                tuple((name, data or b"") for name, data in (m.headers or [])),
            )
            for m in messages
        ]

    def caught_up(self) -> bool:
        """Whether every partition's position reached its end offset as of opening."""
        with translated(self._settings, "read", topic=self._topic, group=self._group):
            return all(self._consumer.position(tp) >= end for tp, end in self._ends.items())

    def mark(self, delivery: Delivery) -> None:
        """Note a handled record."""
        where = delivery.position
        self._marks[TopicPartition(where.topic, where.partition)] = where.offset + 1

    def commit(self) -> None:
        """Commit the positions after the handled records under the partner's group."""
        if self._group is None or not self._marks:
            return
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in self._marks.items()}
        with translated(
            self._settings, "commit positions of", topic=self._topic, group=self._group
        ):
            self._consumer.commit(offsets)
        self._marks.clear()

    def close(self) -> None:
        """Close the consumer without committing anything more."""
        self._consumer.close(autocommit=False)
