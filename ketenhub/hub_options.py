"""The options that locate a hub, shared by the hub's commands and the connectors' commands.

``--data-dir`` and ``--kafka`` name the hub (each mirrors a KETENHUB_ environment variable),
and ``read_pin`` reads the hub key a person pins with ``--trusted-key``. They live outside
``ketenhub.cli`` so that the connectors' command lines use the same options without
depending on the hub's command line.
"""

from __future__ import annotations

from pathlib import Path

import click

from ketenhub.core.trust import TrustedKey, pin_from_fingerprint, pin_from_text
from ketenhub.data_folder import DEFAULT_DATA_DIR

TRUSTED_KEY_ENV = "KETENHUB_TRUSTED_KEY"

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    envvar="KETENHUB_DATA_DIR",
    show_envvar=True,
    help="Folder of the embedded hub (its topic log, keys and views).",
)

kafka_option = click.option(
    "--kafka",
    "bootstrap",
    metavar="HOST:PORT",
    default=None,
    envvar="KETENHUB_KAFKA_BOOTSTRAP",
    show_envvar=True,
    help="Use the Kafka cluster at this bootstrap address instead of the embedded hub.",
)


def read_pin(value: str | None) -> TrustedKey | None:
    """The pin given as a file (PEM or fingerprint inside) or as a fingerprint, if any."""
    if value is None or not value.strip():
        return None
    path = Path(value)
    if path.is_file():
        return pin_from_text(path.read_bytes())
    return pin_from_fingerprint(value)
