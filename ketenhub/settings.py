"""The settings that locate a hub and log in to it: one object reads the KETENHUB_ variables.

``HubSettings`` (pydantic-settings, prefix ``KETENHUB_``) is the only reader of these
variables. The command-line options that mirror them (``ketenhub.hub_options``) never read
the environment themselves: a flag that is given wins, a flag left out takes the setting.
The Kafka runtime's ``ketenhub.runtime.kafka.settings.KafkaSettings`` extends these with a worker's own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ketenhub.data_folder import DEFAULT_DATA_DIR
from ketenhub.hub_folder import HubFolder

ENV_PREFIX = "KETENHUB_"


class HubSettings(BaseSettings):
    """Where the hub is (its data folder, or a Kafka cluster), its checkpoint cadence, the Kafka login."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="ignore", env_ignore_empty=True
    )

    data_dir: Path = Field(
        DEFAULT_DATA_DIR, description="Folder of the embedded hub (its topic log, keys and views)."
    )
    kafka_bootstrap: str | None = Field(
        None,
        description="Use the Kafka cluster at this bootstrap address instead of the embedded hub.",
    )
    topic_prefix: str = Field(
        "", description="Kafka only: prefix of every hub topic name (sets test runs apart)."
    )
    checkpoint_every: int = Field(
        64,
        ge=1,
        description="The hub's checkpoint cadence: sign a checkpoint after this many sealed records.",
    )
    sasl_username: str | None = Field(
        None,
        description="Log in to Kafka (SASL/SCRAM-SHA-512) as this user: a partner id, or the hub's user.",
    )
    sasl_password: SecretStr | None = Field(
        None,
        description="Password of --sasl-username; prefer the environment variable (command lines are visible).",
    )

    @property
    def hub_folder(self) -> HubFolder:
        """The data folder holding the hub's registry and keys."""
        return HubFolder(self.data_dir)


def env_name(field: str) -> str:
    """The environment variable of a setting, e.g. ``KETENHUB_DATA_DIR`` for ``data_dir``."""
    return f"{ENV_PREFIX}{field.upper()}"
