"""A zombie sealer on Kafka is fenced: two sealers that both believe they own the sealer's input.

Two ``KafkaSealer`` instances on the same topics decide batches, interleaved and at the same
moment. The newest claimant of the sealer role seals; the older one raises ``SealerFenced``
before it writes anything. audit.log ends as one chain that verifies, and every input is
decided exactly once.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.config import load_registry
from ketenhub.core.input_ref import INPUT_HEADER, InputRef
from ketenhub.core.verification import verify_log
from ketenhub.pipeline.sealing_step import Input
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.sealer_fence import SealerFenced
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from ketenhub.topics import TopicNames

pytestmark = pytest.mark.kafka

Batch = list[Input]


def admitted_batches(count: int, size: int) -> list[Batch]:
    """``count`` batches of ``size`` signals as the sealer reads them from the ingest topic."""
    registry, story = load_registry(), Story()
    partner = registry.get("municipal-staff")
    batches: list[Batch] = []
    for b in range(count):
        batch: Batch = []
        for i in range(size):
            event = story.signal(case=f"case-{b}-{i}")
            where = InputRef("ingest.municipal-staff", 0, b * size + i)
            headers = tuple(build_headers(event, partner.urn))
            batch.append(Input(where, partner.id, encode_event(event), headers))
        batches.append(batch)
    return batches


def test_a_zombie_sealer_is_fenced_and_the_chain_stays_one(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The older sealer is fenced once a newer one claims the role; one chain, each input once."""
    settings = KafkaSettings(
        kafka_bootstrap=kafka_bootstrap,
        data_dir=tmp_path,
        app_id=f"app-{unique_name}",
        topic_prefix=f"{unique_name}.",
        checkpoint_every=8,
    )
    registry, key = load_registry(), Ed25519PrivateKey.generate()
    ensure_topics(settings, hub_topics(registry, settings))
    batches = admitted_batches(5, 10)

    async def scenario() -> list[object]:
        zombie, successor = (
            KafkaSealer(settings, registry, key),
            KafkaSealer(settings, registry, key),
        )
        await zombie.start()
        await successor.start()
        try:
            assert (await zombie.decide_batch(batches[0]))["sealed"] == 10
            await successor.claim()  # the input moved to the successor; the zombie did not notice
            outcomes = await asyncio.gather(
                zombie.decide_batch(batches[1]),
                successor.decide_batch(batches[2]),
                return_exceptions=True,
            )
            with pytest.raises(SealerFenced):
                await zombie.decide_batch(batches[3])  # stays fenced, writes nothing
            redelivered = [await successor.decide_batch(b) for b in (batches[0], batches[1])]
            outcomes.append(await successor.decide_batch(batches[3]))
            await zombie.claim()  # the input assigned back to the first one: it owns it again
            with pytest.raises(SealerFenced):
                await successor.decide_batch(batches[4])
            outcomes.append(await zombie.decide_batch(batches[4]))
            return [*outcomes, *redelivered]
        finally:
            await zombie.stop()
            await successor.stop()

    fenced, second, fourth, fifth, first_again, second_again = asyncio.run(scenario())
    assert isinstance(fenced, SealerFenced) and "was fenced" in str(fenced)
    assert second == fourth == fifth == second_again == {"sealed": 10, "rejected": 0, "ignored": 0}
    assert first_again == {"sealed": 0, "rejected": 0, "ignored": 10}

    names = TopicNames(settings.topic_prefix)
    with KafkaLogReader(settings) as reader:
        audit = list(reader.all_records(names.audit_log))
        checkpoints = list(reader.all_records(names.checkpoints))
    report = verify_log(key.public_key(), audit, checkpoints)
    assert report.records == len(audit) == 50
    origins = Counter(v for r in audit for n, v in r.headers if n == INPUT_HEADER)
    assert len(origins) == 50 and set(origins.values()) == {1}
