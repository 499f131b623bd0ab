"""The Faust application: validator, sealer, router and projector agents (small named functions
that read, call the pipeline and commit), and a checkpoint timer."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import faust
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.admission import inspect
from ketenhub.core.case_state import CaseState
from ketenhub.core.input_ref import InputRef
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import cases_of
from ketenhub.core.rejection import Rejection
from ketenhub.pipeline.effects import AppendView, Effect
from ketenhub.pipeline.sealing_step import Clock, utc_now
from ketenhub.pipeline.view_step import (
    CaseProjected,
    RebuildNeeded,
    all_views,
    decoded_value,
    project_stored_case,
    rebuild_case,
)
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer, forwarding_headers
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames

BATCH, BATCH_WITHIN_S = 500, 0.05
log = structlog.get_logger("ketenhub.streams")


def _raw_topic(app: faust.App, *names: str, partitions: int | None = None) -> Any:
    return app.topic(
        *names,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=partitions,
    )


def _faust_options(settings: KafkaSettings) -> dict[str, Any]:
    datadir = (settings.data_dir / "faust" / str(os.getpid())).resolve()
    datadir.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {
        "broker": f"kafka://{settings.kafka_bootstrap}",
        "store": "memory://",
        "topic_partitions": settings.view_partitions,
        "topic_replication_factor": settings.replication_factor,
        "topic_disable_leader": True,
        "table_standby_replicas": 0,
        "web_enabled": False,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        "broker_commit_every": 200,
        "broker_session_timeout": 10.0,  # a dead worker's partitions move on within seconds
        "broker_heartbeat_interval": 3.0,
        "broker_commit_interval": 1.0,
        "datadir": str(datadir),
    }
    if settings.sasl_username is not None and settings.sasl_password is not None:
        options["broker_credentials"] = faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            mechanism="SCRAM-SHA-512",
        )
    return options


@dataclass(frozen=True)
class HubChannels:
    """What the agents of one hub share: its registry, topics, tables and the sealer."""

    settings: KafkaSettings
    registry: PartnerRegistry
    names: TopicNames
    ingest: Any
    admitted: Any
    audit: Any
    by_case: Any
    views: dict[str, Any]
    cases: Any
    chain: Any
    sealer: KafkaSealer


def hub_channels(
    app: faust.App, settings: KafkaSettings, registry: PartnerRegistry, sealer: KafkaSealer
) -> HubChannels:
    """Declare the hub's topics and tables on ``app``."""
    names = TopicNames(settings.topic_prefix)
    return HubChannels(
        settings,
        registry,
        names,
        ingest=_raw_topic(app, *(names.ingest(p.id) for p in registry.partners)),
        admitted=_raw_topic(app, names.admitted, partitions=1),
        audit=_raw_topic(app, names.audit_log, partitions=1),
        by_case=_raw_topic(app, names.by_case, partitions=settings.view_partitions),
        views={p.id: _raw_topic(app, names.view(p.id)) for p in registry.partners},
        cases=app.Table(
            "case-states", key_type=str, value_type=str, partitions=settings.view_partitions
        ),
        chain=app.Table("chain-head", key_type=str, value_type=str, partitions=1),
        sealer=sealer,
    )


def create_app(
    settings: KafkaSettings,
    registry: PartnerRegistry,
    key: Ed25519PrivateKey,
    clock: Clock = utc_now,
) -> faust.App:
    """Build the hub's Faust app for a registry: the agents read, call the pipeline and commit."""
    app = faust.App(settings.app_id, **_faust_options(settings))
    hub = hub_channels(app, settings, registry, KafkaSealer(settings, registry, key, clock))

    @app.agent(hub.ingest)
    async def validate(stream: Any) -> None:
        """Inspect each ingested message; forward it with its verdict to the sealer."""
        await validate_messages(hub, stream)

    @app.on_partitions_assigned.connect
    async def claim_sealing(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        """When hub.admitted is assigned here, claim the sealer role (fencing any zombie)."""
        assigned = args[0] if args else kwargs.get("assigned", ())
        if any(tp.topic == hub.names.admitted for tp in assigned):
            await hub.sealer.claim()

    @app.agent(hub.admitted, concurrency=1)
    async def seal(stream: Any) -> None:
        """Decide admitted messages in arrival order (the single total order of audit.log)."""
        await seal_batches(hub, stream)

    @app.timer(settings.checkpoint_interval_s)
    async def checkpoint() -> None:
        """Sign a checkpoint over everything sealed when the sealer is idle."""
        await hub.sealer.checkpoint_if_idle()

    @app.agent(hub.audit)
    async def route(stream: Any) -> None:
        """Re-key each sealed record by the case(s) it belongs to, for partitioned projection."""
        await route_records(hub, stream)

    @app.agent(hub.by_case)
    async def project(stream: Any) -> None:
        """Fold each case's sealed events into its state and publish the views that changed."""
        await project_cases(hub, stream)

    return app


async def validate_messages(hub: HubChannels, stream: Any) -> None:
    """Decode, check headers and authorize each ingested message; pass it and the verdict on.

    The sealer records refusals too, so that each input is refused exactly once even when a
    rebalance or restart delivers it to a validator again.
    """
    async for event in stream.events():
        message = event.message
        partner = hub.registry.get(hub.names.partner_of_ingest(message.topic))
        where = InputRef(message.topic, message.partition, message.offset)
        headers = _headers(event)
        inspected = inspect(hub.registry, partner, event.value or b"", headers)
        refused = inspected if isinstance(inspected, Rejection) else None
        forwarded = forwarding_headers(headers, partner.id, where, refused)
        await hub.admitted.send(key=None, value=event.value, headers=forwarded)


async def seal_batches(hub: HubChannels, stream: Any) -> None:
    """Decide batches of admitted messages with the pipeline and commit them (KafkaSealer).

    A fenced sealer (another one claimed the role) raises SealerFenced and writes nothing
    more; the agent then ends with that error.
    """
    await hub.sealer.start()
    try:
        async for events in stream.take_events(BATCH, within=BATCH_WITHIN_S):
            batch = [(e.value or b"", _headers(e)) for e in events]
            counts = await hub.sealer.decide_batch(batch, hub.chain.get("head"))
            await _keep(hub.chain, 0, "head", hub.sealer.chain_head())
            log.debug("batch_decided", **counts)
    finally:
        await hub.sealer.stop()


async def route_records(hub: HubChannels, stream: Any) -> None:
    """Send each sealed record to the by-case stream once per case it belongs to."""
    async for event in stream.events():
        record, sealed_event = decoded_value(event.value, event.message.offset)
        for case_id in cases_of(record, sealed_event):
            await hub.by_case.send(key=case_id.encode(), value=event.value)


async def project_cases(hub: HubChannels, stream: Any) -> None:
    """Project each case's records with the pipeline; keep the state, send the view writes."""
    async for event in stream.events():
        case_id = (event.key or b"").decode()
        record, sealed_event = decoded_value(event.value, event.message.offset)
        stored = hub.cases.get(case_id)
        state = None if stored is None else CaseState.from_json(stored.encode())
        outcome = project_stored_case(state, record, sealed_event, hub.registry, case_id)
        if isinstance(outcome, RebuildNeeded):
            outcome = await _rebuilt(hub.settings, hub.registry, outcome)
        if outcome.changed and outcome.state is not None:
            state_json = outcome.state.to_json().decode()
            await _keep(hub.cases, event.message.partition, case_id, state_json)
        await _send_views(hub.views, outcome.effects)


async def _rebuilt(
    settings: KafkaSettings, registry: PartnerRegistry, needed: RebuildNeeded
) -> CaseProjected:
    """The case folded afresh from audit.log when its kept state missed an event; all its views."""
    log.warning("case_state_rebuilt", case_id=needed.case_id, sequence=needed.upto)
    loop = asyncio.get_running_loop()
    state = await loop.run_in_executor(
        None, rebuild_from_log, settings, registry, needed.case_id, needed.upto
    )
    effects = [] if state is None else all_views(state, registry)
    return CaseProjected(state, effects, changed=state is not None)


def rebuild_from_log(
    settings: KafkaSettings, registry: PartnerRegistry, case_id: str, upto: int
) -> CaseState | None:
    """A case's state folded afresh from audit.log, up to and including sequence ``upto``."""
    with KafkaLogReader(settings) as reader:
        audit = TopicNames(settings.topic_prefix).audit_log
        return rebuild_case(reader.records(audit, 0, 0, upto + 1), registry, case_id)


async def _send_views(views: dict[str, Any], effects: Sequence[Effect]) -> None:
    """Send the view writes among ``effects`` to the partners' view topics."""
    for effect in effects:
        if isinstance(effect, AppendView):
            await views[effect.partner].send(
                key=effect.case_id.encode(), value=effect.value, headers=list(effect.headers)
            )


async def _keep(table: Any, partition: int, key: str, value: str) -> None:
    """Set a table key and hand its changelog record to the producer before the input is acked.

    ``table[key] = value`` queues the changelog record in Faust's send-soon buffer, and the
    commit's flush of that buffer may give up after 0.1 s with records still queued: a worker
    killed then keeps its committed offset but loses the state, so a case silently misses a
    fold. An awaited send reaches the Kafka producer, which every offset commit flushes first.
    """
    table.data[key] = value
    await table.changelog_topic.send(
        key=key,
        value=value,
        partition=partition,
        key_serializer=table.key_serializer,
        value_serializer=table.value_serializer,
    )


def _headers(event: Any) -> tuple[tuple[str, bytes], ...]:
    raw = event.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return tuple((name, value or b"") for name, value in items)
