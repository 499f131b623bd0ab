"""The Faust application: the hub's topics, tables and agents (seal, forward, project) and a timer.

ingest.<p> → seal (the one writer of audit.log, fenced) → audit.log, and with one view
partition the sealer projects what it sealed → view.<p>: one hop from a partner's message to
its views. With several partitions per ingest topic a forwarder passes each message first,
unread, to hub.admitted (one partition: the arrival order), which the sealer reads instead.
With more view partitions, a router re-keys audit.log by case onto hub.sealed-by-case, whose
partitions the projectors share. Readers' processing records go access.intake → seal_access
(on the worker that seals: the one writer of access.log too) → access.log and
access.checkpoints. The agents' bodies are in ``streams.agents``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import faust
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.partners import PartnerRegistry
from ketenhub.pipeline.sealing_step import Clock, utc_now
from ketenhub.runtime.kafka.access_sealer import AccessSealer
from ketenhub.runtime.kafka.projection_driver import KafkaProjector
from ketenhub.runtime.kafka.sealing_driver import KafkaSealer
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import forwarded_to_sealer
from ketenhub.topics import TopicNames
from streams.agents import (
    HubChannels,
    forward_arrivals,
    project_by_case,
    route_by_case,
    seal_batches,
    seal_reads,
    when_idle,
)
from streams.fetching import HubTransport
from streams.retention_timer import run_retention
from streams.sealed_projection import SealedProjection


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
        "producer_linger_ms": 5,  # Faust's producer carries only the tables' changelogs
        "broker_commit_every": 10_000,  # a commit stalls consumption: commit by time instead
        "broker_commit_interval": 1.0,
        "broker_session_timeout": 10.0,  # a dead worker's partitions move on within seconds
        "broker_heartbeat_interval": 3.0,
        "datadir": str(datadir),
    }
    if settings.sasl_username is not None and settings.sasl_password is not None:
        options["broker_credentials"] = faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            mechanism="SCRAM-SHA-512",
        )
    return options


def hub_channels(
    app: faust.App, settings: KafkaSettings, registry: PartnerRegistry, sealer: KafkaSealer
) -> HubChannels:
    """Declare the hub's topics and tables on ``app``."""
    names = TopicNames(settings.topic_prefix)
    spread = settings.view_partitions > 1
    cases = app.Table(
        "case-states", key_type=str, value_type=str, partitions=settings.view_partitions
    )
    chain = app.Table("chain-head", key_type=str, value_type=str, partitions=1)
    projector = KafkaProjector(settings, registry)

    forwarded = forwarded_to_sealer(settings)
    ingest = _raw_topic(app, *(names.ingest(p.id) for p in registry.partners))
    sealer_input = _raw_topic(app, names.admitted, partitions=1) if forwarded else ingest

    def sealing_here() -> bool:
        """The sealer's input is assigned here and its streams run (no rebalance or recovery now)."""
        assigned = any(tp.topic in sealer_input.topics for tp in app.consumer.assignment())
        return assigned and not app.rebalancing and app.flow_control.is_active()

    own = SealedProjection(settings, projector, (cases, chain), sealing_here)
    return HubChannels(
        settings,
        registry,
        names,
        ingest=ingest,
        admitted=sealer_input if forwarded else None,
        audit=_raw_topic(app, names.audit_log, partitions=1),
        by_case=(
            _raw_topic(app, names.by_case, partitions=settings.view_partitions) if spread else None
        ),
        cases=cases,
        chain=chain,
        sealer=sealer,
        projector=projector,
        sealed_projection=None if spread else own,
    )


def create_app(
    settings: KafkaSettings,
    registry: PartnerRegistry,
    key: Ed25519PrivateKey,
    clock: Clock = utc_now,
    sealer: KafkaSealer | None = None,
) -> faust.App:
    """Build the hub's Faust app for a registry: the agents read, call the pipeline and commit.

    ``sealer`` replaces the one made of ``key`` and ``clock`` (a test records what it decides).
    """
    app = faust.App(settings.app_id, **_faust_options(settings))
    app.transport = HubTransport(app.conf.broker_consumer, app)
    sealing = sealer if sealer is not None else KafkaSealer(settings, registry, key, clock)
    hub = hub_channels(app, settings, registry, sealing)

    if hub.admitted is not None:

        @app.agent(hub.ingest)
        async def forward(stream: Any) -> None:
            """Forward each ingested message, unread, to the sealer in arrival order."""
            await forward_arrivals(hub, stream)

    @app.on_partitions_assigned.connect
    async def claim_sealing(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        """When the sealer's input is assigned here, claim the sealer role (fencing any zombie)."""
        assigned = args[0] if args else kwargs.get("assigned", ())
        if any(hub.seals_from(tp.topic) for tp in assigned):
            await hub.sealer.claim()

    @app.agent(hub.sealer_input, concurrency=1)
    async def seal(stream: Any) -> None:
        """Decide messages in arrival order (the single total order of audit.log)."""
        await seal_batches(hub, stream)

    @app.task
    async def seal_access() -> None:
        """Seal the processing records readers send to access.intake (where audit.log is sealed)."""
        await seal_reads(hub, AccessSealer(settings, key, clock))

    @app.timer(settings.checkpoint_interval_s)
    async def checkpoint() -> None:
        """Sign a checkpoint over everything sealed, and project what is left, when idle."""
        await when_idle(hub)

    if settings.retention_every_s > 0:

        @app.timer(settings.retention_every_s)
        async def retention() -> None:
            """Erase what has expired, on the worker that seals (one writer of erasures too)."""
            if any(hub.seals_from(tp.topic) for tp in app.consumer.assignment()):
                await asyncio.to_thread(run_retention, settings, registry, clock)

    if hub.by_case is not None:

        @app.agent(hub.audit)
        async def route(stream: Any) -> None:
            """Re-key each sealed record by the case(s) it belongs to, for spread projection."""
            await route_by_case(hub, stream)

        @app.agent(hub.by_case)
        async def project(stream: Any) -> None:
            """Fold each case's sealed events into its state and publish the views that changed."""
            await project_by_case(hub, stream)

    return app
