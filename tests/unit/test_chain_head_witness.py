"""The changelog-backed chain-head table is a witness: a sealer refuses to continue a log that lost records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synthetic import NOW, Story

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.config import load_registry
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.input_ref import InputRef
from ketenhub.errors import ChainBroken
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer
from ketenhub.runtime.kafka.settings import KafkaSettings

REGISTRY = load_registry()


def sealer_with(records: int, prefix: str = "case") -> KafkaSealer:
    """A Kafka sealer (no broker contacted) whose chain holds ``records`` sealed signals."""
    settings = KafkaSettings(kafka_bootstrap="127.0.0.1:1", data_dir=Path("unused"))
    sealer = KafkaSealer(settings, REGISTRY, generate_hub_key())
    story, staff = Story(), REGISTRY.get("municipal-staff")
    for n in range(records):
        event = story.signal(f"{prefix}-{n}")
        where = InputRef("ingest.municipal-staff", 0, n)
        sealer.sealer.decide(
            staff, encode_event(event), build_headers(event, staff.urn), where, NOW
        )
    return sealer


def test_a_table_head_at_or_behind_the_log_is_accepted() -> None:
    """The table may lag audit.log (it is written after each batch); that is no fault."""
    sealer = sealer_with(3)
    sealer.check_chain_head(None)
    sealer.check_chain_head(sealer_with(2).chain_head())
    sealer.check_chain_head(sealer.chain_head())
    assert json.loads(sealer.chain_head())["next_sequence"] == 3


def test_a_table_head_ahead_of_the_log_stops_the_sealer() -> None:
    """When the table recorded more sealed records than audit.log holds, the sealer refuses, naming the offset."""
    with pytest.raises(
        ChainBroken, match=r"recorded 5 sealed records but audit\.log holds 2"
    ) as caught:
        sealer_with(2).check_chain_head(sealer_with(5).chain_head())
    assert caught.value.offset == 2


def test_a_different_last_record_stops_the_sealer() -> None:
    """Same length but another last hash: audit.log is not the log the table witnessed."""
    with pytest.raises(ChainBroken, match="not the one the chain-head table recorded"):
        sealer_with(2).check_chain_head(sealer_with(2, prefix="other").chain_head())
