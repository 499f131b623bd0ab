"""Records sealed but not yet projected (a sealer killed between the two) are projected by the next one.

With one view partition the sealer projects what it has just sealed. Here a sealer seals a
batch of the demo year and stops before projecting anything, as a worker killed at that
moment does; a worker started afterwards receives no further input, and still brings every
partner's view to the views rebuilt from audit.log.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ketenhub.codec.single_object import decode_event
from ketenhub.core.input_ref import InputRef
from ketenhub.core.projection import Projector
from ketenhub.core.sealing import decode_sealed
from ketenhub.demo.scenario import build_year
from ketenhub.hub_folder import HubFolder
from ketenhub.pipeline.sealing_step import Input
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from tests.integration.hub_harness import HubUnderTest, view_differences, wait_for

pytestmark = pytest.mark.kafka


def seal_without_projecting(hub: HubUnderTest) -> int:
    """Seal the demo year with the worker's sealer and stop before it projects; return how many."""
    folder = HubFolder(hub.data_dir)
    registry, key = folder.registry(), folder.signing_key()
    protector = folder.protector()
    try:
        messages = build_year(2025, protector=protector)
    finally:
        protector.close()
    batch = [
        Input(InputRef(hub.names.ingest(m.partner), 0, n), m.partner, m.value, tuple(m.headers))
        for n, m in enumerate(messages)
    ]

    async def seal() -> int:
        sealer = KafkaSealer(hub.settings, registry, key)
        await sealer.start()
        try:
            return (await sealer.decide_batch(batch))["sealed"]
        finally:
            await sealer.stop()

    ensure_topics(hub.settings, hub_topics(registry, hub.settings))
    return asyncio.run(seal())


def test_records_sealed_before_a_restart_are_projected_without_new_input(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """A new worker projects the records its predecessor sealed but did not project, with no input."""
    hub = HubUnderTest(kafka_bootstrap, tmp_path, unique_name.replace("_", "-")[-48:])
    sealed = seal_without_projecting(hub)
    assert sealed > 100, "the demo year seals hundreds of events"
    client = hub.client()
    try:
        assert not any(client.live_views(p.id) for p in client.registry.partners)
        rebuilt = Projector(client.registry)
        for stored in client.records("audit.log"):
            record = decode_sealed(stored.value or b"", stored.offset)
            rebuilt.apply(record, decode_event(record.payload))
        assert len(rebuilt.views("municipality")) > 10
        hub.start_worker()
        for partner in client.registry.partners:
            wait_for(
                lambda p=partner.id: client.live_views(p) == rebuilt.views(p),
                180,
                f"the views of {partner.id}",
                lambda p=partner.id: (
                    view_differences(client.live_views(p), rebuilt.views(p))
                    + "\n"
                    + hub.worker_logs()
                ),
            )
    finally:
        client.close()
        hub.stop_all()
