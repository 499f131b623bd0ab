"""A hub worker whose pipeline seals with a fixed clock, for byte-for-byte parity tests.

Run as ``python -m tests.integration.fixed_clock_worker SETTINGS_JSON ISO_TIME``: the same app
as ``ketenhub serve``, with only the clock injected.
"""

from __future__ import annotations

import datetime as dt
import sys

import faust

from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from streams.app import create_app


def main(settings_json: str, iso_time: str) -> None:
    """Ensure the hub's topics exist and run a worker sealing at ``iso_time`` until stopped."""
    settings = KafkaSettings.model_validate_json(settings_json)
    moment = dt.datetime.fromisoformat(iso_time)
    folder = settings.hub_folder
    registry = folder.registry()
    ensure_topics(settings, hub_topics(registry, settings))
    app = create_app(settings, registry, folder.signing_key(), clock=lambda: moment)
    worker = faust.Worker(app, loglevel="warning", quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
