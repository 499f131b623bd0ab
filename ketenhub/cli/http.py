"""``ketenhub http``: the hub's HTTP side (health and audit-log status)."""

from __future__ import annotations

from pathlib import Path

import click

from ketenhub.hub_options import data_dir_option, required_kafka_option, setting_option


@click.command()
@required_kafka_option
@setting_option("http_host", "--host", "host")
@setting_option("http_port", "--port", "port", type=click.IntRange(1, 65535))
@data_dir_option
def http(bootstrap: str, host: str, port: int, data_dir: Path) -> None:
    """Serve GET /health and GET /status (sealed and rejected counts, the last signed checkpoint).

    The status holds counts and hashes only: no case, no person, no partner's view.
    """
    # Kafka clients load only for this command
    from ketenhub.runtime.kafka.http_status import serve_http
    from ketenhub.runtime.kafka.settings import KafkaSettings

    serve_http(KafkaSettings(kafka_bootstrap=bootstrap, data_dir=data_dir), host, port)
