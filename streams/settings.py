"""Settings of a hub worker on Kafka, read once from flags and KETENHUB_ environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ketenhub.data_folder import DEFAULT_DATA_DIR
from ketenhub.hub_folder import HubFolder


class KafkaSettings(BaseSettings):
    """How to reach the cluster and how the hub's topics are laid out on it."""

    model_config = SettingsConfigDict(env_prefix="KETENHUB_", frozen=True, extra="ignore")

    kafka_bootstrap: str = Field(description="Bootstrap servers, host:port[,host:port].")
    data_dir: Path = Field(
        DEFAULT_DATA_DIR, description="Folder with the hub's keys and worker state."
    )
    app_id: str = Field("ketenhub", description="Faust application id (consumer group prefix).")
    topic_prefix: str = Field(
        "", description="Prefix of every hub topic name (sets test runs apart)."
    )
    ingest_partitions: int = Field(
        1, ge=1, description="Partitions of each ingest.<partner> topic."
    )
    view_partitions: int = Field(
        1, ge=1, description="Partitions of view topics and the case-keyed stream."
    )
    replication_factor: int = Field(1, ge=1, description="Replication factor of every hub topic.")
    checkpoint_every: int = Field(
        64, ge=1, description="Sign a checkpoint after this many sealed records."
    )
    checkpoint_interval_s: float = Field(
        5.0, gt=0, description="Sign a checkpoint at least this often when idle."
    )
    sasl_username: str | None = Field(None, description="SCRAM-SHA-512 user of this client.")
    sasl_password: SecretStr | None = Field(
        None, description="SCRAM-SHA-512 password of this client."
    )

    @property
    def hub_folder(self) -> HubFolder:
        """The data folder holding the hub's registry and keys."""
        return HubFolder(self.data_dir)

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
