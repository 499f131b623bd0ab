"""The Kafka projector folds batches as the pure projector does, whatever states it holds decoded.

It keeps the states it folded decoded between batches and trusts one only while the table still
holds the very text it wrote; these tests change the table under it, fail a batch half way,
and fold the demo year in batches, and compare every view with the pure projector's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from test_demo_scenario import NOW, YEAR, FakeProtector

from ketenhub.config import load_registry
from ketenhub.contract.base import Event
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.input_ref import InputRef
from ketenhub.core.projection import Projector, cases_of
from ketenhub.core.sealing import SealedRecord
from ketenhub.demo.scenario import build_year
from ketenhub.pipeline.effects import AppendSealed, AppendView, Effect
from ketenhub.pipeline.sealing_step import Input, SealingStep
from ketenhub.runtime.kafka.projection_driver import KafkaProjector, ProjectedBatch
from ketenhub.runtime.kafka.settings import KafkaSettings

REGISTRY = load_registry()
SETTINGS = KafkaSettings(kafka_bootstrap="127.0.0.1:1", data_dir=Path("unused"))
Sealed = list[tuple[SealedRecord, Event]]


@pytest.fixture(scope="module")
def year() -> Sealed:
    """The demo year sealed by the pipeline's sealing step, each record with its event."""
    step = SealingStep(REGISTRY, generate_hub_key(), checkpoint_every=1000, clock=lambda: NOW)
    messages = build_year(YEAR, protector=FakeProtector())
    inputs = [
        Input(InputRef(f"ingest.{m.partner}", 0, n), m.partner, m.value, m.headers)
        for n, m in enumerate(messages)
    ]
    return [
        (e.sealed, e.event)
        for e in step.decide(inputs)
        if isinstance(e, AppendSealed) and e.sealed is not None and e.event is not None
    ]


def reference_views(sealed: Sealed) -> dict[str, dict[str, bytes]]:
    """Every partner's views after folding ``sealed`` with the pure projector."""
    projector = Projector(REGISTRY)
    for record, event in sealed:
        projector.apply(record, event)
    return {p.id: projector.views(p.id) for p in REGISTRY.partners}


class Table:
    """The case-states table as the projector sees it: text by case id, written after each batch."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.views: dict[str, dict[str, bytes]] = {p.id: {} for p in REGISTRY.partners}

    def keep(self, projected: ProjectedBatch) -> None:
        """Write a batch's views (last one wins, as on a compacted topic), then its states."""
        for effect in projected.effects:
            self.write_view(effect)
        for kept in projected.kept:
            self.data[kept.case_id] = kept.text

    def write_view(self, effect: Effect) -> None:
        assert isinstance(effect, AppendView)
        if effect.value is None:
            self.views[effect.partner].pop(effect.case_id, None)
        else:
            self.views[effect.partner][effect.case_id] = effect.value


def project_in_batches(
    projector: Callable[[], KafkaProjector], sealed: Sealed, size: int, table: Table
) -> None:
    """Fold ``sealed`` in batches of ``size``, each with ``projector()``, keeping what it returns."""
    for start in range(0, len(sealed), size):
        batch = sealed[start : start + size]
        table.keep(asyncio.run(projector().project_sealed(batch, table.data.get)))


@pytest.mark.parametrize("size", [1, 7, 500])
def test_batches_fold_the_year_to_the_pure_projectors_views(year: Sealed, size: int) -> None:
    """Folding the year in batches, with states held decoded between them, gives the pure views."""
    table, projector = Table(), KafkaProjector(SETTINGS, REGISTRY)
    project_in_batches(lambda: projector, year, size, table)
    assert table.views == reference_views(year)


def test_a_state_decoded_afresh_in_each_batch_gives_the_same_views(year: Sealed) -> None:
    """A new projector per batch (every state decoded from the table's text) agrees as well."""
    table = Table()
    project_in_batches(lambda: KafkaProjector(SETTINGS, REGISTRY), year, 7, table)
    assert table.views == reference_views(year)


def test_a_state_another_worker_wrote_is_read_from_the_table(year: Sealed) -> None:
    """When the table's text of a case changes under it, the projector folds onto that text."""
    first_case = next(c for r, e in year for c in cases_of(r, e))
    of_case = [(r, e) for r, e in year if first_case in cases_of(r, e)]
    assert len(of_case) >= 3, "the demo's first case has several events"
    mine, other = KafkaProjector(SETTINGS, REGISTRY), KafkaProjector(SETTINGS, REGISTRY)
    table = Table()
    table.keep(asyncio.run(mine.project_sealed(of_case[:1], table.data.get)))
    table.keep(asyncio.run(other.project_sealed(of_case[1:2], table.data.get)))  # moved away
    table.keep(asyncio.run(mine.project_sealed(of_case[2:], table.data.get)))  # and back
    assert table.views == reference_views(of_case)


def test_a_batch_that_fails_half_way_leaves_no_folded_state_behind(year: Sealed) -> None:
    """A state folded in a failed batch but never kept is not reused: the next batch reads the table."""
    table, projector = Table(), KafkaProjector(SETTINGS, REGISTRY)
    project_in_batches(lambda: projector, year[:40], 40, table)
    batch = year[40:80]
    first_seen: dict[str, int] = {}
    for n, (record, event) in enumerate(batch):
        for case_id in cases_of(record, event):
            first_seen.setdefault(case_id, n)
    failing_case = max(first_seen, key=first_seen.__getitem__)  # read last, after other folds
    assert first_seen[failing_case] > 0

    def stored(case_id: str) -> str | None:
        if case_id == failing_case:
            raise ConnectionError("the table could not be read")
        return table.data.get(case_id)

    with pytest.raises(ConnectionError):
        asyncio.run(projector.project_sealed(batch, stored))
    project_in_batches(lambda: projector, year[40:], 40, table)
    assert table.views == reference_views(year)
