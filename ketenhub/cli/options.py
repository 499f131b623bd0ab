"""Options shared by the commands; each mirrors a KETENHUB_ environment variable."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_DATA_DIR = Path("ketenhub-data")

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
