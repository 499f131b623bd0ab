"""A hub worker whose pipeline seals with a fixed clock, for byte-for-byte parity tests.

Run as ``python -m tests.integration.fixed_clock_worker SETTINGS_JSON ISO_TIME``: the same app
as ``ketenhub serve``, with the clock injected and a sealer that appends where each input it
decides was read (``topic/partition/offset``), in the order received, to ``arrivals.txt`` in
the data folder: the arrival sequence the embedded hub is then fed.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import faust
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.input_ref import InputRef
from ketenhub.core.partners import PartnerRegistry
from ketenhub.pipeline.effects import Effect
from ketenhub.pipeline.sealing_step import Clock, Input
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from streams.app import create_app

ARRIVALS = "arrivals.txt"


class RecordingSealer(KafkaSealer):
    """The hub's sealer, writing down where each input it is given was read before deciding it."""

    def __init__(
        self,
        journal: Path,
        settings: KafkaSettings,
        registry: PartnerRegistry,
        key: Ed25519PrivateKey,
        clock: Clock,
    ) -> None:
        super().__init__(settings, registry, key, clock)
        self._journal = journal

    async def decide(self, inputs: Sequence[Input], chain_head: str | None = None) -> list[Effect]:
        with self._journal.open("a") as journal:
            journal.writelines(f"{item.ref}\n" for item in inputs)
        return await super().decide(inputs, chain_head)


def recorded_arrivals(data_dir: Path) -> list[InputRef]:
    """Where each input the sealer received was read, in order, each input once."""
    refs: dict[InputRef, None] = {}
    for line in (data_dir / ARRIVALS).read_text().splitlines():
        ref = InputRef.decode(line.encode())
        assert ref is not None, line
        refs.setdefault(ref, None)
    return list(refs)


def main(settings_json: str, iso_time: str) -> None:
    """Ensure the hub's topics exist and run a worker sealing at ``iso_time`` until stopped."""
    settings = KafkaSettings.model_validate_json(settings_json)
    moment = dt.datetime.fromisoformat(iso_time)
    folder = settings.hub_folder
    registry = folder.registry()
    ensure_topics(settings, hub_topics(registry, settings))
    key = folder.signing_key()
    sealer = RecordingSealer(settings.data_dir / ARRIVALS, settings, registry, key, lambda: moment)
    app = create_app(settings, registry, key, clock=lambda: moment, sealer=sealer)
    worker = faust.Worker(app, loglevel="warning", quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
