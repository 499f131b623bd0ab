"""``ketenhub web``: the hub on the web — the partners' HTTP API and the pages, on either backend."""

from __future__ import annotations

from pathlib import Path

import click

from ketenhub.cli.options import sasl_credentials, writer_wait_option
from ketenhub.hub_options import (
    data_dir_option,
    kafka_option,
    sasl_password_option,
    sasl_username_option,
    setting_option,
    topic_prefix_option,
)


@click.command()
@data_dir_option
@kafka_option
@topic_prefix_option
@sasl_username_option
@sasl_password_option
@setting_option("http_host", "--host", "host")
@setting_option("http_port", "--port", "port", type=click.IntRange(1, 65535))
@writer_wait_option
def web(
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
    sasl_username: str | None,
    sasl_password: str | None,
    host: str,
    port: int,
    wait_s: float,
) -> None:
    """Serve the partners' HTTP API (/api/v1, docs at /api/v1/docs) and the pages.

    Without --kafka, on the embedded hub in --data-dir: accepted events are sealed and
    projected by this process (as `ketenhub publish` does). With --kafka, on the hub whose
    workers run there; --data-dir holds the hub's keys. Partner systems authenticate with a
    token from `ketenhub partners token add PARTNER`.
    """
    from ketenhub.web.server import build_app, serve  # the web stack loads only for this command
    from ketenhub.web.settings import web_settings

    settings = web_settings(data_dir=data_dir, http_host=host, http_port=port, writer_wait_s=wait_s)
    kafka = None
    if bootstrap is not None:
        from ketenhub.runtime.kafka.settings import KafkaSettings

        user, password = sasl_credentials(sasl_username, sasl_password)
        kafka = KafkaSettings(
            kafka_bootstrap=bootstrap,
            data_dir=data_dir,
            topic_prefix=topic_prefix,
            sasl_username=user,
            sasl_password=password,
        )
    app = build_app(data_dir, settings, kafka)
    click.echo(f"serving the hub on http://{host}:{port}/ (API docs: /api/v1/docs; Ctrl-C stops)")
    serve(app, host, port)
