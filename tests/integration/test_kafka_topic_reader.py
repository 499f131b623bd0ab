"""The Kafka runtime's log reader honours the ``TopicReader`` contract that replay reads through."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from ketenhub.runtime.kafka.log_reader import KafkaLogReader, TopicNotSinglePartition
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topic_log import TopicReader
from tests.contract.topic_reader_contract import Stored, TopicReaderContract

with warnings.catch_warnings():
    # kafka-python 3.0.12 loads its protocol schemas with a deprecated importlib API.
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient

pytestmark = pytest.mark.kafka


def _create(bootstrap: str, topics: dict[str, int]) -> None:
    """Create topics with the given partition counts and wait for their leaders."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        spec = {name: {"num_partitions": n, "replication_factor": 1} for name, n in topics.items()}
        admin.create_topics(spec, wait_for_metadata=True)
    finally:
        admin.close()


class TestKafkaTopicReader(TopicReaderContract):
    """``KafkaLogReader`` on a real broker, each test on its own one-partition topics."""

    @pytest.fixture(autouse=True)
    def _broker(self, kafka_bootstrap: str) -> None:
        self.bootstrap = kafka_bootstrap

    @contextmanager
    def make_reader(
        self, tmp_path: Path, topics: dict[str, Sequence[Stored]]
    ) -> Iterator[TopicReader]:
        """Produce the records in order to new one-partition topics and read them back."""
        _create(self.bootstrap, dict.fromkeys(topics, 1))
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        try:
            for topic, records in topics.items():
                for key, value, headers in records:
                    producer.send(topic, key=key, value=value, headers=list(headers)).get(30)
        finally:
            producer.close()
        settings = KafkaSettings(kafka_bootstrap=self.bootstrap, data_dir=tmp_path)
        with KafkaLogReader(settings) as reader:
            yield reader


def test_a_topic_with_several_partitions_is_refused(kafka_bootstrap: str, unique_name: str) -> None:
    """Reading by offset needs one order: a two-partition topic is named and refused."""
    topic = f"{unique_name}.two"
    _create(kafka_bootstrap, {topic: 2})
    settings = KafkaSettings(kafka_bootstrap=kafka_bootstrap)
    with KafkaLogReader(settings) as reader, pytest.raises(TopicNotSinglePartition, match="2 part"):
        reader.end_offset(topic)
