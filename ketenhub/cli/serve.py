"""``ketenhub serve``: run a hub worker on Kafka."""

from __future__ import annotations

from pathlib import Path

import click

from ketenhub.cli.options import data_dir_option


@click.command()
@click.option(
    "--kafka",
    "bootstrap",
    required=True,
    metavar="HOST:PORT",
    envvar="KETENHUB_KAFKA_BOOTSTRAP",
    show_envvar=True,
    help="Bootstrap servers of the Kafka cluster.",
)
@data_dir_option
@click.option(
    "--ingest-partitions",
    default=1,
    show_default=True,
    envvar="KETENHUB_INGEST_PARTITIONS",
    show_envvar=True,
    help="Partitions of each ingest topic (when the hub creates them).",
)
@click.option(
    "--view-partitions",
    default=1,
    show_default=True,
    envvar="KETENHUB_VIEW_PARTITIONS",
    show_envvar=True,
    help="Partitions of view topics and of the case-keyed stream.",
)
@click.option(
    "--replication-factor",
    default=1,
    show_default=True,
    envvar="KETENHUB_REPLICATION_FACTOR",
    show_envvar=True,
    help="Replication factor of the hub's topics.",
)
@click.option(
    "--checkpoint-every",
    default=64,
    show_default=True,
    envvar="KETENHUB_CHECKPOINT_EVERY",
    show_envvar=True,
    help="Sign a checkpoint after this many sealed records.",
)
@click.option(
    "--worker-log-level",
    default="warning",
    show_default=True,
    help="Log level of the Faust worker.",
)
def serve(
    bootstrap: str,
    data_dir: Path,
    ingest_partitions: int,
    view_partitions: int,
    replication_factor: int,
    checkpoint_every: int,
    worker_log_level: str,
) -> None:
    """Run a hub worker on Kafka until interrupted.

    Creates the hub's topics if they are missing (audit.log with one partition and
    unlimited retention, compacted view topics, ...), then validates, seals and projects.
    Start several workers with the same --data-dir keys to share the load. The hub's
    signing key is read from (or created in) --data-dir/keys.
    """
    from streams.settings import KafkaSettings  # Faust loads only for this command
    from streams.worker import run_worker

    settings = KafkaSettings(
        kafka_bootstrap=bootstrap,
        data_dir=data_dir,
        ingest_partitions=ingest_partitions,
        view_partitions=view_partitions,
        replication_factor=replication_factor,
        checkpoint_every=checkpoint_every,
    )
    run_worker(settings, worker_log_level)
