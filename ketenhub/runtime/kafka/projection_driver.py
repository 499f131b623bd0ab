"""The projector on Kafka: batches of sealed records folded case by case, each case's state kept once.

With one view partition the sealer projects the records it has just sealed, as the embedded
runtime does: it holds them decoded, so nothing is read back or decoded again; records sealed
before a restart and not yet projected are read back from audit.log (``backlog``). With
more, projectors read the by-case stream, keyed by case, and decode each record once.

A case's state lives in a changelog-backed table; this instance keeps the states it folded
decoded, and trusts one only while the table still holds the very text it wrote for it (a
state restored from the changelog or written by another worker is decoded afresh). Within a
batch each case is folded in memory and its state is handed back once, to be kept after the
batch's view writes landed: a worker killed in between folds the same records again, and a
record a kept state already holds re-publishes the case's views.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import structlog

from ketenhub.contract.base import Event
from ketenhub.core.case_state import CaseState
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import cases_of
from ketenhub.core.sealing import SealedRecord
from ketenhub.pipeline.effects import Effect
from ketenhub.pipeline.view_step import (
    CaseProjected,
    RebuildNeeded,
    all_views,
    decoded_value,
    project_stored_case,
    rebuild_case,
)
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topic_log import LogRecord
from ketenhub.topics import TopicNames

log = structlog.get_logger("ketenhub.streams.projector")
StoredState = Callable[[str], str | None]  # the table's text of a case's state, if any
BACKLOG_CHUNK = 1000  # records of audit.log read back and projected at a time


@dataclass(frozen=True)
class SealedInput:
    """A sealed record read from a topic: audit.log (``case_id`` None: project it into every
    case it belongs to) or the by-case stream (keyed by the one case it is projected into)."""

    value: bytes | None
    offset: int
    partition: int
    case_id: str | None = None


@dataclass(frozen=True)
class KeptState:
    """A case's new state, to be kept in the table's ``partition`` after the views landed."""

    case_id: str
    partition: int
    text: str


@dataclass(frozen=True)
class ProjectedBatch:
    """What a batch projects: the view writes, in order, then the states to keep."""

    effects: list[Effect]
    kept: list[KeptState]


@dataclass(frozen=True)
class _Item:
    record: SealedRecord
    event: Event
    cases: list[str]
    partition: int


@dataclass
class _Folding:
    """The cases a batch touches: their states as folded so far, and where each is kept."""

    states: dict[str, CaseState | None]
    changed: dict[str, int]  # case id -> the table partition its state is kept in


class KafkaProjector:
    """Folds sealed records into case states with the pipeline; one instance per worker."""

    def __init__(self, settings: KafkaSettings, registry: PartnerRegistry) -> None:
        self._settings, self._registry = settings, registry
        self._audit = TopicNames(settings.topic_prefix).audit_log
        self._decoded: dict[str, tuple[str, int, CaseState]] = {}  # text kept, its sequence

    async def project(self, inputs: Sequence[SealedInput], stored: StoredState) -> ProjectedBatch:
        """Project sealed records read from a topic, in order; the states to keep come last."""
        return await self._project((_item(i) for i in inputs), stored)

    async def project_sealed(
        self, sealed: Sequence[tuple[SealedRecord, Event]], stored: StoredState
    ) -> ProjectedBatch:
        """Project records just sealed, already decoded by the sealer (table partition 0)."""
        items = (_Item(r, e, cases_of(r, e), 0) for r, e in sealed)
        return await self._project(items, stored)

    async def backlog(self, start: int, end: int) -> list[SealedInput]:
        """Records ``start`` up to (not including) ``end`` of audit.log, at most a chunk of them."""
        stop = min(end, start + BACKLOG_CHUNK)
        loop = asyncio.get_running_loop()
        stored = await loop.run_in_executor(None, self._read_audit, start, stop)
        return [SealedInput(r.value, r.offset, 0) for r in stored]

    async def _project(self, items: Iterable[_Item], stored: StoredState) -> ProjectedBatch:
        folding, effects = _Folding({}, {}), []
        try:
            for item in items:
                for case_id in item.cases:
                    effects += await self._fold(folding, case_id, item, stored)
        except BaseException:
            self._decoded.clear()  # states may have been folded in place without being kept
            raise
        return ProjectedBatch(effects, self._kept(folding))

    async def _fold(
        self, folding: _Folding, case_id: str, item: _Item, stored: StoredState
    ) -> list[Effect]:
        if case_id not in folding.states:
            folding.states[case_id] = self._state(case_id, stored(case_id))
        state = folding.states[case_id]
        outcome = project_stored_case(state, item.record, item.event, self._registry, case_id)
        if isinstance(outcome, RebuildNeeded):
            outcome = await self._rebuilt(outcome)
        if outcome.changed:
            folding.states[case_id], folding.changed[case_id] = outcome.state, item.partition
        return outcome.effects

    def _state(self, case_id: str, text: str | None) -> CaseState | None:
        """The case's state as the table holds it, decoded only if this instance does not hold it."""
        held = self._decoded.get(case_id)
        if held is not None and held[0] is text and held[2].last_sequence == held[1]:
            return held[2]
        return None if text is None else CaseState.from_json(text.encode())

    def _kept(self, folding: _Folding) -> list[KeptState]:
        kept = []
        for case_id, partition in folding.changed.items():
            state = folding.states[case_id]
            if state is None:
                continue
            text = state.to_json().decode()
            self._decoded[case_id] = (text, state.last_sequence, state)
            kept.append(KeptState(case_id, partition, text))
        return kept

    async def _rebuilt(self, needed: RebuildNeeded) -> CaseProjected:
        """The case folded afresh from audit.log when its kept state missed an event; all its views."""
        log.warning("case_state_rebuilt", case_id=needed.case_id, sequence=needed.upto)
        loop = asyncio.get_running_loop()
        state = await loop.run_in_executor(None, self._rebuild_from_log, needed)
        effects = [] if state is None else all_views(state, self._registry)
        return CaseProjected(state, effects, changed=state is not None)

    def _rebuild_from_log(self, needed: RebuildNeeded) -> CaseState | None:
        with KafkaLogReader(self._settings) as reader:
            records = reader.records(self._audit, 0, 0, needed.upto + 1)
            return rebuild_case(records, self._registry, needed.case_id)

    def _read_audit(self, start: int, stop: int) -> list[LogRecord]:
        with KafkaLogReader(self._settings) as reader:
            return list(reader.records(self._audit, 0, start, stop))


def _item(read: SealedInput) -> _Item:
    record, event = decoded_value(read.value, read.offset)
    cases = cases_of(record, event) if read.case_id is None else [read.case_id]
    return _Item(record, event, cases, read.partition)
