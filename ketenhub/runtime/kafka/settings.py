"""Settings of a hub worker on Kafka, read once from flags and KETENHUB_ environment variables.

``KafkaSettings`` extends the hub's ``HubSettings`` (``ketenhub.settings``): one object reads
every KETENHUB_ variable a Kafka client or worker needs.
"""

from __future__ import annotations

from pydantic import Field

from ketenhub.settings import HubSettings


class KafkaSettings(HubSettings):
    """How to reach the cluster and how the hub's topics are laid out on it."""

    kafka_bootstrap: str = Field(description="Bootstrap servers, host:port[,host:port].")
    app_id: str = Field("ketenhub", description="Faust application id (consumer group prefix).")
    ingest_partitions: int = Field(
        1, ge=1, description="Partitions of each ingest.<partner> topic."
    )
    view_partitions: int = Field(
        1, ge=1, description="Partitions of view topics and the case-keyed stream."
    )
    replication_factor: int = Field(1, ge=1, description="Replication factor of every hub topic.")
    checkpoint_interval_s: float = Field(
        5.0, gt=0, description="Sign a checkpoint at least this often when idle."
    )

    kafka_write_timeout_s: float = Field(
        40.0,
        gt=0,
        description="How long a worker waits for the cluster to store a batch's outputs before "
        "it reads back what landed and writes the rest again.",
    )

    access_record_timeout_s: float = Field(
        15.0,
        gt=0,
        description="How long a read waits for the hub's worker to seal its processing records "
        "onto access.log before the read is refused.",
    )

    def client_config(self) -> dict[str, object]:
        """Connection options for kafka-python and aiokafka clients."""
        config: dict[str, object] = {"bootstrap_servers": self.kafka_bootstrap}
        if self.sasl_username is not None and self.sasl_password is not None:
            config |= {
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "SCRAM-SHA-512",
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        return config
