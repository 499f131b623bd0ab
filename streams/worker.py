"""Running one hub worker: create the topics, then start the Faust worker until stopped."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from typing import NoReturn

import faust
import structlog

from ketenhub.codec.event_reader import compile_event_readers
from ketenhub.codec.event_writer import compile_event_writers
from ketenhub.codec.views import compile_view_writers
from ketenhub.observability import stdlib_logging_config
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from streams.app import create_app

GC_THRESHOLD = 100_000  # allocations between collections of the youngest generation
THREADS_GRACE_S = 2.0  # how long a stopped worker waits for its threads before it exits
log = structlog.get_logger("ketenhub.streams")


def run_worker(settings: KafkaSettings, loglevel: str = "warning") -> None:
    """Ensure the hub's topics exist and run a worker until SIGINT/SIGTERM."""
    folder = settings.hub_folder
    registry = folder.registry()
    ensure_topics(settings, hub_topics(registry, settings))
    app = create_app(settings, registry, folder.signing_key())
    compile_codecs()
    collect_less_often()
    worker = faust.Worker(
        app,
        loglevel=loglevel,
        quiet=True,
        redirect_stdouts=False,
        logging_config=stdlib_logging_config(loglevel),
    )
    worker.spinner = None  # a progress spinner writes terminal escape codes into the logs
    try:
        worker.execute_from_commandline()
    except SystemExit as stopped:
        exit_leaving_threads(stopped.code)


def exit_leaving_threads(code: object) -> NoReturn:
    """Exit once the worker has stopped, waiting at most ``THREADS_GRACE_S`` for its threads.

    The event loop is closed: offsets are committed (or left, for the inputs in hand) and the
    producers are stopped. A thread may still be blocked in a Kafka client call that runs until
    its request timeout (reading audit.log back with the cluster out of reach); the interpreter
    would wait for it at exit. Such threads are left: what they read is not needed any more,
    and what a writer among them left half-done is what a killed worker leaves, which the next
    worker reads back and completes.
    """
    deadline = time.monotonic() + THREADS_GRACE_S
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    for thread in others:
        if not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in others if t.is_alive() and not t.daemon]
    if left:
        log.warning("worker_threads_left", threads=left)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def compile_codecs() -> None:
    """Compile the Avro readers and writers of every event type and the writers of the views
    now, before the first batch: compiled on first use (or after a type's first hundred
    events), they would hold up a batch of a running worker."""
    compile_event_readers()
    compile_event_writers()
    compile_view_writers()


def collect_less_often() -> None:
    """Run the garbage collector less often for the rest of the worker's life.

    The sealer's ledger and the case states grow and are kept; each full collection walks all
    of them (and everything the worker loaded to start) for nothing. What exists now is moved
    out of the collector's sight, and the youngest generation is collected more rarely.
    """
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
