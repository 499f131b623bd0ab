"""A worker compiles its Avro writers before the first batch: a demo year then compiles none."""

from __future__ import annotations

import pytest
from test_demo_scenario import NOW, YEAR, FakeProtector

from ketenhub.codec import avro_writer
from ketenhub.codec.event_writer import compile_event_writers
from ketenhub.codec.views import compile_view_writers
from ketenhub.config import load_registry
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.input_ref import InputRef
from ketenhub.demo.scenario import build_year
from ketenhub.pipeline.effects import AppendSealed
from ketenhub.pipeline.sealing_step import Input, SealingStep
from ketenhub.pipeline.view_step import ViewStep


def test_sealing_and_projecting_a_demo_year_compiles_no_writer_after_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After compile_event_writers and compile_view_writers no writer is compiled on first use."""
    compile_event_writers()
    compile_view_writers()
    built: list[str] = []
    build = avro_writer._Source.build

    def counted(source: avro_writer._Source, name: str) -> object:
        built.append(name)
        return build(source, name)

    monkeypatch.setattr(avro_writer._Source, "build", counted)
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
