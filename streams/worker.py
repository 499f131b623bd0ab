"""Running one hub worker: create the topics, then start the Faust worker until stopped."""

from __future__ import annotations

import faust

from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from streams.app import create_app


def run_worker(settings: KafkaSettings, loglevel: str = "warning") -> None:
    """Ensure the hub's topics exist and run a worker until SIGINT/SIGTERM."""
    folder = settings.hub_folder
    registry = folder.registry()
    ensure_topics(settings, hub_topics(registry, settings))
    app = create_app(settings, registry, folder.signing_key())
    worker = faust.Worker(app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
