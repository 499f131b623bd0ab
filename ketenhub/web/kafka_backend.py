"""The web tier's backend on a hub on Kafka: its topics materialised locally and followed live.

A ``TopicFollower`` thread consumes, from the beginning and then as they grow, every topic
the web tier answers from — ``view.<partner>``, ``rejected.<partner>``, ``ingest.<partner>``
(event ids only), ``audit.log`` and ``audit.checkpoints`` — into a ``HubMirror``, under a
lock that the answers take too. Topics the workers have not created yet are looked for
again every few seconds. Publishing goes through ``KafkaHub``, as ``ketenhub publish
--kafka`` does (idempotent producer, acks from all replicas), and returns once the broker
stored the message. The hub's workers decide; the mirror shows it once it has read it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from ketenhub.core.processing import ProcessingRecord
from ketenhub.protection.interface import Protector
from ketenhub.runtime.kafka.client import KafkaHub
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.transient import FIRST_WAIT_S, LONGEST_WAIT_S, transient
from ketenhub.topic_log import LogRecord, StoredValue
from ketenhub.topics import TopicNames
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
from replay.sources import LogSource, SealedLogSource

log = structlog.get_logger("ketenhub.web")
PUBLISH_TIMEOUT_S = 60.0
REDISCOVER_S = 3.0


class TopicFollower:
    """A thread consuming the mirror's topics from the start and folding every record in."""

    def __init__(self, settings: KafkaSettings, mirror: HubMirror, lock: threading.Lock) -> None:
        self._names = TopicNames(settings.topic_prefix)
        self._mirror, self._lock = mirror, lock
        self._consumer: Any = KafkaConsumer(
            **settings.client_config(),
            group_id=None,
            enable_auto_commit=False,
            client_id="ketenhub-web",
            auto_offset_reset="earliest",
        )
        self._assigned: set[TopicPartition] = set()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ketenhub-web-follower", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        """Whether the thread still follows the topics."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop following and close the consumer."""
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            looked, wait = 0.0, FIRST_WAIT_S
            while not self._stopping.is_set():
                try:
                    if time.monotonic() - looked >= REDISCOVER_S:
                        looked = time.monotonic()
                        self._assign()
                    if not self._assigned:
                        self._stopping.wait(0.2)
                        continue
                    self._fold(self._consumer.poll(timeout_ms=200, max_records=5000))
                    wait = FIRST_WAIT_S
                except Exception as exc:
                    if not transient(exc):
                        raise
                    # the cluster is away (a broker restarting): follow on when it is back,
                    # from where the local store stands
                    log.warning("web_follower_retrying", error=type(exc).__name__, wait_s=wait)
                    self._assigned, looked = set(), 0.0
                    self._stopping.wait(wait)
                    wait = min(wait * 2, LONGEST_WAIT_S)
        except Exception as exc:  # the thread must say why it stopped, never die silently
            log.error("web_follower_failed", error=type(exc).__name__, detail=str(exc))
            raise
        finally:
            self._consumer.close()

    def _assign(self) -> None:
        self._consumer.topics()  # refresh the metadata: topics the workers created since
        wanted = {
            TopicPartition(self._names.prefix + topic, partition)
            for topic in self._mirror.topics()
            for partition in self._consumer.partitions_for_topic(self._names.prefix + topic) or ()
        }
        if wanted == self._assigned:
            return
        self._consumer.assign(list(wanted))
        for tp in wanted:
            topic = tp.topic.removeprefix(self._names.prefix)
            self._consumer.seek(tp, self._mirror.next_offset(topic, tp.partition))
        self._assigned = wanted

    def _fold(self, batches: dict[Any, list[Any]]) -> None:
        if not batches:
            return
        with self._lock:
            for tp, messages in batches.items():
                topic = tp.topic.removeprefix(self._names.prefix)
                for message in messages:
                    self._mirror.take(topic, tp.partition, _record(message))


def _record(message: Any) -> LogRecord:
    headers = tuple((name, value or b"") for name, value in (message.headers or []))
    return LogRecord(
        topic=message.topic,
        offset=message.offset,
        timestamp_us=int(message.timestamp) * 1000,
        key=message.key,
        value=message.value,
        headers=headers,
    )


class KafkaBackend:
    """The ``Backend`` of a hub whose workers run on Kafka."""

    name: BackendName = "kafka"

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._hub = KafkaHub(settings)
        self.registry = self._hub.registry
        self.mirror = HubMirror(self.registry)
        self._lock = threading.Lock()
        self._follower = TopicFollower(settings, self.mirror, self._lock)

    @property
    def protector(self) -> Protector:
        """The pseudonymiser and field encryptor of the data folder's key files."""
        return self._hub.protector

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key (from the data folder)."""
        return self._hub.public_key

    @contextmanager
    def history(self) -> Iterator[SealedLogSource]:
        """audit.log and its checkpoints through a consumer of its own, for replay."""
        reader = KafkaLogReader(self._settings)
        names = TopicNames(self._settings.topic_prefix)
        try:
            yield LogSource(
                PrefixedReader(reader, names.prefix),
                self._settings.hub_folder.keys.public_key_file,
                f"Kafka {self._settings.kafka_bootstrap} ({names.audit_log})",
            )
        finally:
            reader.close()

    def publish(self, partner_id: str, value: bytes, headers: Headers) -> None:
        """Send to the partner's ingest topic; return once the broker stored it."""
        try:
            self._hub.publish_raw(partner_id, value, headers).get(timeout=PUBLISH_TIMEOUT_S)
        except KafkaError as exc:
            msg = "publish to the hub's ingest topic"
            raise HubUnavailable(msg, exc) from exc
        event_id = dict(headers).get("ce_id")
        if event_id is not None:
            with self._lock:
                self.mirror.decisions.note_published(
                    partner_id, event_id.decode(errors="replace"), content_digest(value)
                )

    def ingested_digest(self, partner_id: str, event_id: str) -> str | None:
        """The digest of the partner's ingested message with this event id, if read yet."""
        with self._lock:
            return self.mirror.decisions.ingested_digest(partner_id, event_id)

    def decision(self, partner_id: str, event_id: str) -> Decision | None:
        """What the hub decided on the partner's event, as far as the mirror has read."""
        with self._lock:
            return self.mirror.decisions.decision(partner_id, event_id)

    def views(self, partner_id: str) -> dict[str, ViewEntry]:
        """The partner's current views."""
        with self._lock:
            return self.mirror.views[partner_id].current()

    def view(self, partner_id: str, case_id: str) -> ViewEntry | None:
        """The partner's current view of one case."""
        with self._lock:
            return self.mirror.views[partner_id].get(case_id)

    def view_changes(
        self, partner_id: str, since: ViewCursor
    ) -> tuple[list[ViewEntry], ViewCursor]:
        """The cases of the partner's view changed since the cursor."""
        with self._lock:
            return self.mirror.views[partner_id].changes(since)

    def rejections(self, partner_id: str, after: int, limit: int) -> list[RejectionEntry]:
        """The partner's rejected messages after an offset."""
        with self._lock:
            return self.mirror.decisions.rejections(partner_id, after, limit)

    def checkpoints(self, from_offset: int, limit: int) -> list[CheckpointEntry]:
        """Signed checkpoints from an offset on."""
        with self._lock:
            return self.mirror.checkpoints.checkpoints(from_offset, limit)

    def latest_checkpoint(self) -> CheckpointEntry | None:
        """The newest signed checkpoint read so far."""
        with self._lock:
            return self.mirror.checkpoints.latest()

    def sealed_count(self) -> int:
        """How many records of audit.log were read."""
        with self._lock:
            return self.mirror.checkpoints.sealed_count

    def consistency_proof(self, old_size: int, new_size: int) -> Sequence[bytes]:
        """The consistency proof between two tree sizes of audit.log."""
        with self._lock:
            return self.mirror.checkpoints.consistency_proof(old_size, new_size)

    def trouble(self) -> str | None:
        """Why the mirror would fall behind: its follower thread ended (None: all well)."""
        if not self._follower.alive:
            return "the follower of the hub's topics has stopped: restart ketenhub web"
        return None

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Have a read's processing records sealed onto access.log by the hub's sealer, or raise
        ``ReadNotRecorded``."""
        self._hub.record_reads(records)

    def close(self) -> None:
        """Stop following and close the clients."""
        self._follower.stop()
        self._hub.close()


class PrefixedReader:
    """A ``TopicReader`` of the hub's topics under their prefix (``<prefix>audit.log``)."""

    def __init__(self, reader: KafkaLogReader, prefix: str) -> None:
        self._reader, self._prefix = reader, prefix

    def read(self, topic: str, start: int, limit: int = 1000) -> list[LogRecord]:
        """Records of the prefixed topic, named by their unprefixed topic."""
        return [
            replace(record, topic=topic)
            for record in self._reader.read(self._prefix + topic, start, limit)
        ]

    def read_values(self, topic: str, start: int, limit: int = 1000) -> list[StoredValue]:
        """The offsets and values of the prefixed topic's records."""
        return self._reader.read_values(self._prefix + topic, start, limit)

    def end_offset(self, topic: str) -> int:
        """The end of the prefixed topic."""
        return self._reader.end_offset(self._prefix + topic)
