"""The settings that locate a hub and log in to it: one object reads the KETENHUB_ variables.

``HubSettings`` (pydantic-settings, prefix ``KETENHUB_``) is the only reader of these
variables. The command-line options that mirror them (``ketenhub.hub_options``) never read
the environment themselves: a flag that is given wins, a flag left out takes the setting.
The Kafka runtime's ``ketenhub.runtime.kafka.settings.KafkaSettings`` extends these with a worker's own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ketenhub.data_folder import DEFAULT_DATA_DIR
from ketenhub.errors import KetenhubError
from ketenhub.hub_folder import HubFolder

ENV_PREFIX = "KETENHUB_"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/ketenhub`` (``~/.local/state/ketenhub``): where a partner's state lives."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ketenhub"


class InvalidSetting(KetenhubError):
    """A KETENHUB_ environment variable holds a value its setting cannot take."""

    def __init__(self, error: ValidationError) -> None:
        # Name the variables and what is wrong, never the values (a password may be among them).
        problems = "; ".join(
            f"{env_name(str(e['loc'][0]))}: {e['msg']}" for e in error.errors() if e["loc"]
        )
        super().__init__(f"invalid setting in the environment: {problems}")


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

    trusted_key: str | None = Field(
        None,
        description="The hub key you trust, kept outside the data folder: its SHA-256 fingerprint "
        "or a copy of its public key PEM file.",
    )
    writer_wait_s: float = Field(
        300.0,
        ge=0,
        description="Embedded hub: seconds to wait for another process sealing the same data "
        "folder before giving up (0: refuse at once, naming its pid).",
    )
    state_dir: Path = Field(
        default_factory=default_state_dir,
        description="A partner's own state folder (the newest hub checkpoint it witnessed).",
    )
    retention_every_s: float = Field(
        0.0,
        ge=0,
        description="Kafka worker: every this many seconds, erase the data subjects whose retention "
        "periods have all run, as `ketenhub retention run` does (0: never).",
    )
    log_level: LogLevel = Field(
        "WARNING", description="Level of the structured (JSON) logs written to stderr."
    )
    http_host: str = Field(
        "127.0.0.1", description="Address the hub's HTTP side listens on (0.0.0.0 in a container)."
    )
    http_port: int = Field(8080, ge=1, le=65535, description="Port the hub's HTTP side listens on.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def from_environment(cls) -> HubSettings:
        """The settings of the KETENHUB_ variables; ``InvalidSetting`` names any bad one."""
        try:
            return cls()
        except ValidationError as exc:
            raise InvalidSetting(exc) from None

    @property
    def hub_folder(self) -> HubFolder:
        """The data folder holding the hub's registry and keys."""
        return HubFolder(self.data_dir)


def env_name(field: str) -> str:
    """The environment variable of a setting, e.g. ``KETENHUB_DATA_DIR`` for ``data_dir``."""
    return f"{ENV_PREFIX}{field.upper()}"
