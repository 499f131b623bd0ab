"""A worker compiles its Avro readers and writers before the first batch: a demo year then
compiles none."""

from __future__ import annotations

import pytest
from test_demo_scenario import NOW, YEAR, FakeProtector

from ketenhub.codec import avro_writer, event_reader
from ketenhub.codec.event_reader import compile_event_readers
from ketenhub.codec.event_writer import compile_event_writers
from ketenhub.codec.single_object import latest_schema
from ketenhub.codec.views import compile_view_writers
from ketenhub.config import load_registry
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import SchemaVersion
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.input_ref import InputRef
from ketenhub.demo.scenario import build_year
from ketenhub.pipeline.effects import AppendSealed
from ketenhub.pipeline.sealing_step import Input, SealingStep
from ketenhub.pipeline.view_step import ViewStep


def test_sealing_and_projecting_a_demo_year_compiles_nothing_after_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the compile steps of a worker's start no reader or writer is compiled in use."""
    compile_event_readers()
    compile_event_writers()
    compile_view_writers()
    built: list[object] = []
    build, compile_reader = avro_writer._Source.build, event_reader.compile_reader

    def counted(source: avro_writer._Source, name: str) -> object:
        built.append(name)
        return build(source, name)

    def counted_reader(schema: SchemaVersion) -> object:
        built.append(schema.full_name)
        return compile_reader(schema)

    monkeypatch.setattr(avro_writer._Source, "build", counted)
    monkeypatch.setattr(event_reader, "compile_reader", counted_reader)
    registry = load_registry()
    sealing = SealingStep(registry, generate_hub_key(), checkpoint_every=64, clock=lambda: NOW)
    messages = build_year(YEAR, protector=FakeProtector())
    inputs = [
        Input(InputRef(f"ingest.{m.partner}", 0, n), m.partner, m.value, m.headers)
        for n, m in enumerate(messages)
    ]
    sealed = [
        (e.sealed, e.event)
        for e in sealing.decide(inputs)
        if isinstance(e, AppendSealed) and e.sealed is not None and e.event is not None
    ]
    views = ViewStep(registry).project_decoded(sealed)
    assert len(sealed) > 100
    assert len(views) > 100
    assert built == []


def test_every_event_type_has_its_reader_made_at_the_start() -> None:
    """compile_event_readers makes the reader of every event type's newest schema at once."""
    compile_event_readers()
    for model in EVENT_MODELS.values():
        assert latest_schema(model.SCHEMA_NAME).fingerprint in event_reader._readers
