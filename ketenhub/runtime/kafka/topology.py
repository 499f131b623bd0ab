"""The hub's topics on Kafka, created explicitly with deliberate settings (never auto-created)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import structlog
from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from ketenhub.core.partners import PartnerRegistry
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames

FOREVER = "-1"
WEEK_MS = str(7 * 24 * 3600 * 1000)
MONTH_MS = str(30 * 24 * 3600 * 1000)
log = structlog.get_logger("ketenhub.streams")


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its name, partitions and configuration."""

    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def forwarded_to_sealer(settings: KafkaSettings) -> bool:
    """Whether ingested messages reach the sealer through hub.admitted: with several partitions
    per ingest topic, spread over workers; with one, the sealer reads the ingest topics itself."""
    return settings.ingest_partitions > 1


def hub_topics(registry: PartnerRegistry, settings: KafkaSettings) -> list[TopicSpec]:
    """Every topic the hub needs, for the partners of the registry."""
    names = TopicNames(settings.topic_prefix)
    kept = {"cleanup.policy": "delete", "retention.ms": FOREVER, "retention.bytes": FOREVER}
    specs = [
        TopicSpec(
            names.audit_log, 1, kept
        ),  # the single total order: one partition, never compacted
        TopicSpec(names.checkpoints, 1, kept),
        TopicSpec(names.access_log, 1, kept),  # every read of case data, sealed like audit.log
        TopicSpec(names.access_checkpoints, 1, kept),
        TopicSpec(names.access_intake, 1, {"retention.ms": WEEK_MS}),  # one order for one sealer
    ]
    if forwarded_to_sealer(settings):
        specs.append(TopicSpec(names.admitted, 1, {"retention.ms": WEEK_MS}))
    if settings.view_partitions > 1:  # else the projector reads audit.log itself
        specs.append(TopicSpec(names.by_case, settings.view_partitions, {"retention.ms": WEEK_MS}))
    for partner in registry.partners:
        specs += [
            TopicSpec(
                names.ingest(partner.id), settings.ingest_partitions, {"retention.ms": MONTH_MS}
            ),
            TopicSpec(names.rejected(partner.id), 1, kept),  # refused messages are never lost
            TopicSpec(
                names.view(partner.id), settings.view_partitions, {"cleanup.policy": "compact"}
            ),
        ]
    return specs


def ensure_topics(settings: KafkaSettings, specs: Iterable[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; return the names created. Idempotent."""
    admin = KafkaAdminClient(**settings.client_config(), client_id="ketenhub-admin")
    try:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        new = {
            s.name: {
                "num_partitions": s.partitions,
                "replication_factor": settings.replication_factor,
                "configs": s.config,
            }
            for s in missing
        }
        if new:
            try:
                admin.create_topics(new, wait_for_metadata=True)
            except TopicAlreadyExistsError:
                log.info("topics_created_concurrently")
        log.info("topics_ensured", created=len(new), existing=len(existing))
        return [s.name for s in missing]
    finally:
        admin.close()
