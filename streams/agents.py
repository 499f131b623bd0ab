"""The bodies of the hub's Faust agents: each takes a batch, calls the pipeline and writes its outputs.

Every agent waits until its batch's outputs are stored before the batch's inputs are
acknowledged (Faust acknowledges a ``take_events`` batch when the loop body returns, and
commits offsets only of acknowledged inputs). Writes go through the outbox's record batches
and are awaited; state kept in a table goes by an awaited changelog send (``keep``). The
sealer's views are the one exception: they are projected from what it sealed while it decides
the next batch, and a projected position that moves only after they are stored stands in for
the input's acknowledgement (``streams.sealed_projection``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog
from kafka.errors import KafkaError

from ketenhub.core.input_ref import InputRef
from ketenhub.core.partners import PartnerRegistry
from ketenhub.errors import KetenhubError
from ketenhub.pipeline.sealing_step import Input
from ketenhub.runtime.kafka.access_sealer import AccessSealer
from ketenhub.runtime.kafka.arrivals import arrival, ingested, read_forwarded
from ketenhub.runtime.kafka.outbox import KafkaOutbox
from ketenhub.runtime.kafka.projection_driver import KafkaProjector, SealedInput
from ketenhub.runtime.kafka.record_batches import RenewableProducer, batch_producer
from ketenhub.runtime.kafka.routing import by_case
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer, decision_counts
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.transient import transient, until_stored
from ketenhub.topics import TopicNames
from streams.sealed_projection import HEAD_KEY, SealedProjection
from streams.tables import keep

BATCH, BATCH_WITHIN_S = 500, 0.01  # at most this many inputs, or what arrived within this time
STAND_BY_S = 0.5  # how often a worker that does not seal looks again, or a failed sealing retries
log = structlog.get_logger("ketenhub.streams")


@dataclass(frozen=True)
class HubChannels:
    """What the agents of one hub share: its registry, topics, tables, sealer and projector."""

    settings: KafkaSettings
    registry: PartnerRegistry
    names: TopicNames
    ingest: Any
    admitted: Any | None  # only when ingested messages are forwarded to the sealer
    audit: Any
    by_case: Any | None  # only when projection is spread over several partitions
    cases: Any
    chain: Any
    sealer: KafkaSealer
    projector: KafkaProjector
    sealed_projection: SealedProjection | None  # the sealer's own, with one view partition

    @property
    def sealer_input(self) -> Any:
        """What the seal agent reads: the ingest topics themselves, or hub.admitted."""
        return self.ingest if self.admitted is None else self.admitted

    def seals_from(self, topic: str) -> bool:
        """Whether ``topic`` is one the seal agent reads (its assignment makes this the sealer)."""
        return topic in self.sealer_input.topics


async def forward_arrivals(hub: HubChannels, stream: Any) -> None:
    """Forward ingested messages, unread, to hub.admitted in the order they are consumed."""
    assert hub.admitted is not None, "only a hub that forwards to its sealer runs a forwarder"
    async with batch_producer(hub.settings) as producer:
        async for events in stream.take_events(BATCH, within=BATCH_WITHIN_S):
            forwarded = [arrival(hub.names, _where(e), e.value, _headers(e)) for e in events]
            await until_stored("forward", partial(producer.write, forwarded), producer.renew)


async def seal_batches(hub: HubChannels, stream: Any) -> None:
    """Decide batches of arrivals with the pipeline and commit them (KafkaSealer).

    With one view partition the sealer then projects what it sealed (``SealedProjection``), in
    the background while it decides the next batch.
    A fenced sealer (another one claimed the role) raises SealerFenced and writes nothing
    more; the agent then ends with that error.
    """
    await hub.sealer.start()
    try:
        async for events in stream.take_events(BATCH, within=BATCH_WITHIN_S):
            batch = [_arrival(hub, e) for e in events]
            await until_stored("seal", partial(_seal, hub, batch), partial(_recover_sealing, hub))
    finally:
        await hub.sealer.stop()
        if hub.sealed_projection is not None:
            await hub.sealed_projection.stop()


async def _seal(hub: HubChannels, batch: list[Input]) -> None:
    """Decide one batch, keep the chain head, and (with one view partition) project it.

    With one view partition the chain head is stored with the batch's views; else it is kept
    at once. Retried as a whole after a failed write: inputs the first try sealed are then
    recognised as decided, and what it sealed but did not project is projected from audit.log.
    """
    projection = hub.sealed_projection
    if projection is None:
        effects = await hub.sealer.decide(batch, hub.chain.get(HEAD_KEY))
        await keep(hub.chain, 0, HEAD_KEY, hub.sealer.chain_head())
    else:
        with projection.sealing():
            effects = await hub.sealer.decide(batch, hub.chain.get(HEAD_KEY))
            end = hub.sealer.sealer.head.next_sequence
            await projection.follow(end, effects, hub.sealer.chain_head())
    log.debug("batch_decided", **decision_counts(effects, len(batch)))


async def _recover_sealing(hub: HubChannels) -> None:
    await hub.sealer.recover()
    if hub.sealed_projection is not None:
        await hub.sealed_projection.recover()


async def seal_reads(hub: HubChannels, access: AccessSealer) -> None:
    """Seal the reads' processing records of access.intake onto access.log, for as long as this
    worker holds the sealer role (one writer of access.log, as of audit.log); else stand by."""
    try:
        while True:
            epoch = hub.sealer.epoch if hub.sealer.serving() else None
            if epoch is None:
                access.reset()
                await asyncio.sleep(STAND_BY_S)
                continue
            try:
                await asyncio.to_thread(access.seal_next, epoch)
            except (KafkaError, KetenhubError, OSError) as exc:
                log.warning("access_sealing_failed", error=type(exc).__name__, reason=str(exc))
                await asyncio.sleep(STAND_BY_S)
    finally:
        access.close()


async def when_idle(hub: HubChannels) -> None:
    """Sign a checkpoint over everything sealed, then project what is left (the idle timer).

    A cluster out of reach postpones both to the next tick (``idle_work_postponed``): a
    checkpoint that may not have landed makes the sealer read the log back before it goes on.
    """
    try:
        await hub.sealer.checkpoint_if_idle()
        if hub.sealed_projection is not None:
            await hub.sealed_projection.catch_up_if_idle(hub.sealer)
    except Exception as error:
        if not transient(error):
            raise
        log.warning("idle_work_postponed", error=type(error).__name__)


async def route_by_case(hub: HubChannels, stream: Any) -> None:
    """Send each sealed record to the by-case stream once per case it belongs to."""
    async with batch_producer(hub.settings) as producer:
        async for events in stream.take_events(BATCH, within=BATCH_WITHIN_S):
            routed = [r for e in events for r in by_case(hub.names, e.value, e.message.offset)]
            await until_stored("route", partial(producer.write, routed), producer.renew)


async def project_by_case(hub: HubChannels, stream: Any) -> None:
    """Project batches of by-case records with the pipeline: views written, then states kept."""
    async with batch_producer(hub.settings) as producer:
        views = KafkaOutbox(lambda: producer.current, hub.names)
        async for events in stream.take_events(BATCH, within=BATCH_WITHIN_S):
            inputs = [_by_case_input(e) for e in events]
            projected = await hub.projector.project(inputs, hub.cases.get)
            await until_stored(
                "project", partial(_store, hub, producer, views, projected), producer.renew
            )


async def _store(
    hub: HubChannels, producer: RenewableProducer, views: KafkaOutbox, projected: Any
) -> None:
    """Write a projected batch's views, then keep its case states (again, after a failure:
    a view written twice is the same view)."""
    await producer.get()
    await views.commit(projected.effects)
    for kept in projected.kept:
        await keep(hub.cases, kept.partition, kept.case_id, kept.text)


def _arrival(hub: HubChannels, event: Any) -> Input:
    """The sealer's input for a message read from an ingest topic or forwarded on hub.admitted."""
    if hub.admitted is None:
        return ingested(hub.names, _where(event), event.value, _headers(event))
    return read_forwarded(_headers(event)).input(event.value)


def _by_case_input(event: Any) -> SealedInput:
    message = event.message
    return SealedInput(event.value, message.offset, message.partition, (event.key or b"").decode())


def _where(event: Any) -> InputRef:
    message = event.message
    return InputRef(message.topic, message.partition, message.offset)


def _headers(event: Any) -> tuple[tuple[str, bytes], ...]:
    """A message's headers as sent, in order, repeated names included."""
    return tuple((name, value or b"") for name, value in event.message.headers or ())
