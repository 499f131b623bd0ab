"""Retention on a schedule: the sealing worker reads audit.log back and erases what has expired.

The same run as ``ketenhub retention run`` (``replay.retention``), on the hub's own topics (the
partners' rejected topics included) and with its own keys, decided as of the worker's clock. It
runs in a thread, off the event loop.
"""

from __future__ import annotations

import structlog

from ketenhub.core.partners import PartnerRegistry
from ketenhub.errors import KetenhubError
from ketenhub.pipeline.sealing_step import Clock
from ketenhub.runtime.kafka.settings import KafkaSettings
from replay.kafka_source import KafkaSource
from replay.retention import carry_out, read_plan

log = structlog.get_logger("ketenhub.streams.retention")


def run_retention(settings: KafkaSettings, registry: PartnerRegistry, clock: Clock) -> int:
    """Erase every data subject whose periods (the registry's) have all run by today (the clock's, UTC).

    A history that does not verify, or a cluster or key store that cannot be read, erases
    nothing: the failure is logged (``retention_failed``) and the worker goes on; the next
    tick tries again.
    """
    try:
        return _run(settings, registry, clock)
    except KetenhubError as exc:
        log.warning("retention_failed", error=type(exc).__name__, reason=str(exc))
        return 0


def _run(settings: KafkaSettings, registry: PartnerRegistry, clock: Clock) -> int:
    keys = settings.hub_folder.keys
    source = KafkaSource.of_hub(settings, keys.public_key_file)
    protector = keys.protector()
    refused = source.rejected([p.id for p in registry.partners])
    try:
        plan = read_plan(source, registry.retention, protector, clock().date(), refused)
        return carry_out(plan, protector)
    finally:
        protector.close()
