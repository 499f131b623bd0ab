"""The sealed log on Kafka: ``audit.log`` and ``audit.checkpoints`` read from offset 0 (kafka-python),
and, for retention, the partners' ``rejected.<partner>`` topics.

Each topic is read with a consumer *assigned* to partition 0 (no consumer group, nothing
committed) from offset 0 up to the end offset taken when the read starts, so a replay
sees one fixed prefix even while the hub keeps sealing.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub import topics
from ketenhub.core.checkpoint_records import decode_checkpoint
from ketenhub.core.checkpoints import Checkpoint
from ketenhub.topic_log import LogRecord
from ketenhub.topics import TopicNames
from replay.sources import SourceUnavailable, Stored, read_public_key
from replay.verify import Anchor, TailProof

with warnings.catch_warnings():
    # kafka-python 3.0.12 reads its protocol schemas with importlib.resources.read_text,
    # deprecated since Python 3.11; the warning is about the library, not this use of it.
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

POLL_MS = 500


class HubConnection(Protocol):
    """How a hub's clients reach its cluster (``KafkaSettings`` is one): bootstrap, prefix, login."""

    @property
    def kafka_bootstrap(self) -> str:
        """Bootstrap servers, host:port[,host:port]."""
        ...

    @property
    def topic_prefix(self) -> str:
        """The prefix of the hub's topic names."""
        ...

    def client_config(self) -> dict[str, object]:
        """Connection options of a kafka-python client (bootstrap servers and the SASL login)."""
        ...


class KafkaSource:
    """audit.log and its checkpoints on a Kafka cluster, read-only."""

    def __init__(
        self,
        bootstrap: str,
        public_key_file: Path,
        *,
        audit_topic: str = topics.AUDIT_LOG,
        checkpoint_topic: str = topics.CHECKPOINTS,
        rejected_topic: Callable[[str], str] = topics.rejected,
        client_config: Mapping[str, Any] | None = None,
        stall_timeout_s: float = 30.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.audit_topic, self.checkpoint_topic = audit_topic, checkpoint_topic
        self.rejected_topic = rejected_topic
        self.description = f"Kafka {bootstrap} ({audit_topic}, {checkpoint_topic})"
        self._key_file = public_key_file
        self._config = dict(client_config or {})
        self._stall = stall_timeout_s

    @classmethod
    def of_hub(cls, hub: HubConnection, public_key_file: Path) -> KafkaSource:
        """The hub's audit.log and checkpoints under its topic prefix, read with its login."""
        config = {k: v for k, v in hub.client_config().items() if k != "bootstrap_servers"}
        return cls(
            hub.kafka_bootstrap,
            public_key_file,
            audit_topic=hub.topic_prefix + topics.AUDIT_LOG,
            checkpoint_topic=hub.topic_prefix + topics.CHECKPOINTS,
            rejected_topic=TopicNames(hub.topic_prefix).rejected,
            client_config=config,
        )

    def public_key(self) -> Ed25519PublicKey:
        """The hub's public key, from the file given."""
        return read_public_key(self._key_file)

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint of the checkpoint topic."""
        return [
            decode_checkpoint(value, offset) for offset, value in self._read(self.checkpoint_topic)
        ]

    def records(self) -> Iterator[Stored]:
        """The records of the audit topic, from offset 0 to its end offset at the start."""
        return self._read(self.audit_topic)

    def anchor(self) -> Anchor:
        """The whole log: offset 0."""
        return Anchor()

    def tail(self) -> TailProof | None:
        """A whole log needs no tail proof."""
        return None

    def rejected(self, partners: Sequence[str]) -> Iterator[LogRecord]:
        """The records of each partner's rejected topic, from offset 0 to its end at the start."""
        for partner in partners:
            topic = self.rejected_topic(partner)
            for message in self._messages(topic):
                yield LogRecord(
                    topic=topic,
                    offset=message.offset,
                    timestamp_us=message.timestamp * 1000,
                    key=message.key,
                    value=message.value,
                    headers=tuple(message.headers or ()),
                )

    def _read(self, topic: str) -> Iterator[Stored]:
        for message in self._messages(topic):
            yield message.offset, message.value or b""

    def _messages(self, topic: str) -> Iterator[Any]:
        consumer = self._consumer(topic)
        try:
            partition = TopicPartition(topic, 0)
            consumer.assign([partition])
            end = consumer.end_offsets([partition])[partition]
            consumer.seek(partition, 0)
            yield from self._until(consumer, topic, end)
        except KafkaError as exc:
            msg = f"Kafka topic {topic} at {self.bootstrap}"
            raise SourceUnavailable(msg, str(exc)) from exc
        finally:
            consumer.close()

    def _consumer(self, topic: str) -> Any:
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                **self._config,
            )
        except KafkaError as exc:
            msg = f"Kafka at {self.bootstrap}"
            raise SourceUnavailable(msg, str(exc)) from exc
        if 0 not in (consumer.partitions_for_topic(topic) or set()):
            consumer.close()
            msg = f"Kafka at {self.bootstrap}"
            raise SourceUnavailable(msg, f"topic {topic!r} does not exist")
        return consumer

    def _until(self, consumer: Any, topic: str, end: int) -> Iterator[Any]:
        position, deadline = 0, time.monotonic() + self._stall
        while position < end:
            batches = consumer.poll(timeout_ms=POLL_MS)
            for batch in batches.values():
                for message in batch:
                    if message.offset >= end:
                        return
                    position = message.offset + 1
                    deadline = time.monotonic() + self._stall
                    yield message
            if time.monotonic() > deadline:
                detail = f"no record arrived for {self._stall:g}s at offset {position} of {end}"
                msg = f"Kafka topic {topic} at {self.bootstrap}"
                raise SourceUnavailable(msg, detail)
