"""Retention on a schedule: the sealing worker reads audit.log back and erases what has expired.

The same run as ``ketenhub retention run`` (``replay.retention``), on the hub's own topics and
with its own keys, decided as of the worker's clock. It runs in a thread, off the event loop.
"""

from __future__ import annotations

import structlog

from ketenhub.core.retention import RetentionPeriods
from ketenhub.errors import KetenhubError
from ketenhub.pipeline.sealing_step import Clock
from ketenhub.runtime.kafka.settings import KafkaSettings
from replay.kafka_source import KafkaSource
from replay.retention import carry_out, read_plan

log = structlog.get_logger("ketenhub.streams.retention")


def run_retention(settings: KafkaSettings, periods: RetentionPeriods, clock: Clock) -> int:
    """Erase every data subject whose periods have all run by today (the clock's, UTC).

    A history that does not verify, or a cluster or key store that cannot be read, erases
    nothing: the failure is logged (``retention_failed``) and the worker goes on; the next
    tick tries again.
    """
    try:
        return _run(settings, periods, clock)
    except KetenhubError as exc:
        log.warning("retention_failed", error=type(exc).__name__, reason=str(exc))
        return 0


def _run(settings: KafkaSettings, periods: RetentionPeriods, clock: Clock) -> int:
    keys = settings.hub_folder.keys
    source = KafkaSource.of_hub(settings, keys.public_key_file)
    protector = keys.protector()
    try:
        return carry_out(read_plan(source, periods, protector, clock().date()), protector)
    finally:
        protector.close()
