"""``ketenhub serve``: run a hub worker on Kafka."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path
from typing import Any

import click

from ketenhub.cli.options import sasl_credentials
from ketenhub.hub_options import (
    data_dir_option,
    model_option,
    required_kafka_option,
    sasl_password_option,
    sasl_username_option,
)
from ketenhub.runtime.kafka.settings import KafkaSettings


@click.command()
@required_kafka_option
@data_dir_option
@sasl_username_option
@sasl_password_option
@model_option(
    KafkaSettings,
    "ingest_partitions",
    "--ingest-partitions",
    type=click.IntRange(min=1),
    help="Partitions of each ingest topic (when the hub creates them).",
)
@model_option(
    KafkaSettings,
    "view_partitions",
    "--view-partitions",
    type=click.IntRange(min=1),
    help="Partitions of view topics and of the case-keyed stream.",
)
@model_option(
    KafkaSettings,
    "replication_factor",
    "--replication-factor",
    type=click.IntRange(min=1),
    help="Replication factor of the hub's topics.",
)
@model_option(
    KafkaSettings,
    "checkpoint_every",
    "--checkpoint-every",
    type=click.IntRange(min=1),
    help="Sign a checkpoint after this many sealed records.",
)
@model_option(
    KafkaSettings,
    "retention_every_s",
    "--retention-every",
    "retention_every_s",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Run retention every SECONDS on the worker that seals (0: never).",
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
    ingest_partitions: int | None,
    view_partitions: int | None,
    replication_factor: int | None,
    checkpoint_every: int | None,
    retention_every_s: float | None,
    worker_log_level: str,
) -> None:
    """Run a hub worker on Kafka until interrupted.

    Creates the hub's topics if they are missing (audit.log with one partition and
    unlimited retention, compacted view topics, ...), then validates, seals and projects.
    Start several workers with the same --data-dir keys to share the load. The hub's
    signing key is read from (or created in) --data-dir/keys. On a broker with SASL/SCRAM
    and ACLs, log in as the hub's user (a super user of the broker): a refused login is
    reported at once. With --retention-every, the worker that seals erases on that schedule
    the data subjects whose retention periods have all run (keys in --data-dir).
    """
    from ketenhub.runtime.kafka.access import (
        check_login,  # Kafka clients and Faust load only for this command
    )
    from ketenhub.runtime.kafka.errors import BrokerUnreachable
    from streams.worker import run_worker

    user, password = sasl_credentials(sasl_username, sasl_password)
    given: dict[str, Any] = {
        "ingest_partitions": ingest_partitions,
        "view_partitions": view_partitions,
        "replication_factor": replication_factor,
        "checkpoint_every": checkpoint_every,
        "retention_every_s": retention_every_s,
    }
    settings = KafkaSettings(  # reads the KETENHUB_ variables of the flags not given
        kafka_bootstrap=bootstrap,
        data_dir=data_dir,
        sasl_username=user,
        sasl_password=password,
        **{name: value for name, value in given.items() if value is not None},
    )
    with contextlib.suppress(BrokerUnreachable):  # not up yet: the worker keeps trying
        check_login(settings)
    click.echo(startup_summary(settings))
    run_worker(settings, worker_log_level)


def startup_summary(settings: KafkaSettings) -> str:
    """What a starting worker serves: the cluster, its id, the hub's topics and partitions."""
    from ketenhub.runtime.kafka.topology import hub_topics

    topics = hub_topics(settings.hub_folder.registry(), settings)
    worker = f"{socket.gethostname()}-{os.getpid()}"
    lines = [
        f"ketenhub worker {worker} of hub {settings.app_id!r} on Kafka at "
        f"{settings.kafka_bootstrap}, data folder {settings.data_dir}",
        f"serving {len(topics)} topics (created when missing):",
        *(f"  {topic.name}: {topic.partitions} partition(s)" for topic in topics),
        "stop with Ctrl+C or SIGTERM",
    ]
    return "\n".join(lines)
