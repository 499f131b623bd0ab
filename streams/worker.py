"""Running one hub worker: create the topics, then start the Faust worker until stopped."""

from __future__ import annotations

import gc

import faust

from ketenhub.observability import stdlib_logging_config
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from streams.app import create_app

GC_THRESHOLD = 100_000  # allocations between collections of the youngest generation


def run_worker(settings: KafkaSettings, loglevel: str = "warning") -> None:
    """Ensure the hub's topics exist and run a worker until SIGINT/SIGTERM."""
    folder = settings.hub_folder
    registry = folder.registry()
    ensure_topics(settings, hub_topics(registry, settings))
    app = create_app(settings, registry, folder.signing_key())
    collect_less_often()
    worker = faust.Worker(
        app,
        loglevel=loglevel,
        quiet=True,
        redirect_stdouts=False,
        logging_config=stdlib_logging_config(loglevel),
    )
    worker.spinner = None  # a progress spinner writes terminal escape codes into the logs
    worker.execute_from_commandline()


def collect_less_often() -> None:
    """Run the garbage collector less often for the rest of the worker's life.

    The sealer's ledger and the case states grow and are kept; each full collection walks all
    of them (and everything the worker loaded to start) for nothing. What exists now is moved
    out of the collector's sight, and the youngest generation is collected more rarely.
    """
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
