"""``ketenhub serve``: run a hub worker on Kafka."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from ketenhub.cli.options import sasl_credentials
from ketenhub.hub_options import (
    data_dir_option,
    required_kafka_option,
    sasl_password_option,
    sasl_username_option,
)


@click.command()
@required_kafka_option
@data_dir_option
@sasl_username_option
@sasl_password_option
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
    sasl_username: str | None,
    sasl_password: str | None,
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
    signing key is read from (or created in) --data-dir/keys. On a broker with SASL/SCRAM
    and ACLs, log in as the hub's user (a super user of the broker): a refused login is
    reported at once.
    """
    from streams.access import check_login  # Kafka clients and Faust load only for this command
    from streams.errors import BrokerUnreachable
    from streams.settings import KafkaSettings
    from streams.worker import run_worker

    user, password = sasl_credentials(sasl_username, sasl_password)
    settings = KafkaSettings(
        kafka_bootstrap=bootstrap,
        data_dir=data_dir,
        ingest_partitions=ingest_partitions,
        view_partitions=view_partitions,
        replication_factor=replication_factor,
        checkpoint_every=checkpoint_every,
        sasl_username=user,
        sasl_password=password,
    )
    with contextlib.suppress(BrokerUnreachable):  # not up yet: the worker keeps trying
        check_login(settings)
    run_worker(settings, worker_log_level)
