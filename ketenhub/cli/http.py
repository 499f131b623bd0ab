"""``ketenhub http``: the hub's HTTP side (health and audit-log status)."""

from __future__ import annotations

from pathlib import Path

import click

from ketenhub.hub_options import data_dir_option, required_kafka_option


@click.command()
@required_kafka_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="KETENHUB_HTTP_HOST",
    show_envvar=True,
    help="Address to listen on (0.0.0.0 inside a container).",
)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    envvar="KETENHUB_HTTP_PORT",
    show_envvar=True,
    help="Port to listen on.",
)
@data_dir_option
def http(bootstrap: str, host: str, port: int, data_dir: Path) -> None:
    """Serve GET /health and GET /status (sealed and rejected counts, the last signed checkpoint).

    The status holds counts and hashes only: no case, no person, no partner's view.
    """
    # Kafka clients load only for this command
    from ketenhub.runtime.kafka.http_status import serve_http
    from ketenhub.runtime.kafka.settings import KafkaSettings

    serve_http(KafkaSettings(kafka_bootstrap=bootstrap, data_dir=data_dir), host, port)
