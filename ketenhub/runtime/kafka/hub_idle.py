"""Waiting until a hub on Kafka is idle: every input decided, every sealed record projected.

On Kafka the views are written by running workers, so a view may lag audit.log for a moment;
comparing them then would report a projection in flight as tampering. The hub is idle when
its consumer group (the Faust app id) has committed every record of every topic its agents
consume — each agent commits a batch only after its outputs are stored — and, with one view
partition, when the sealer's ``projected`` position (its chain-head table) has reached the
end of audit.log. Committed offsets are read before the ends they are compared with, and the
position after the end of audit.log, so an idle answer holds for that moment.

``HubIdleState`` is what a caller then compares at: the end of audit.log and the ends of the
view, rejected and ingest topics, read after the hub was seen idle and before audit.log is
read again; a record sealed meanwhile makes the snapshot void and the wait goes on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from ketenhub.core.partners import PartnerRegistry
from ketenhub.errors import KetenhubError
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topics import TopicNames

PROJECTED_KEY = "projected"  # the sealer's key in its chain-head table (streams.sealed_projection)
PROJECTED = "audit.log not yet projected by the sealer"  # a pseudo topic of the lag
Ends = dict[tuple[str, int], int]


@dataclass(frozen=True)
class Progress:
    """Records not yet handled per topic (empty: idle; None: unreadable now), at an audit.log end."""

    lag: dict[str, int] | None
    audit_end: int


@dataclass(frozen=True)
class HubIdleState:
    """Where the hub stood, idle: audit.log's end and the ends of the topics derived from it."""

    audit_end: int
    derived_ends: Ends  # view.<p>, rejected.<p> and ingest.<p>, per partition


class HubNotIdle(KetenhubError):
    """The workers kept deciding or projecting until the wait ran out: nothing was compared."""

    def __init__(self, waited_s: float, lag: dict[str, int] | None) -> None:
        self.lag = lag or {}
        behind = (
            "their committed offsets could not be read"
            if lag is None
            else ", ".join(f"{n} record(s) of {topic}" for topic, n in sorted(self.lag.items()))
        )
        super().__init__(
            f"the hub was not idle within {waited_s:g} s (still to be handled: {behind}); views "
            "are compared only when every input is decided and every sealed record projected — "
            "run again when publishing pauses, or wait longer with --idle-timeout"
        )


class IdleProbe(Protocol):
    """What waiting for an idle hub asks of it (``IdleWatch`` on a cluster)."""

    def progress(self) -> Progress: ...

    def snapshot(self, audit_end: int) -> HubIdleState | None: ...


class IdleWatch:
    """Reads the hub's progress: committed offsets, topic ends and the sealer's position."""

    def __init__(
        self, settings: KafkaSettings, registry: PartnerRegistry, reader: KafkaLogReader
    ) -> None:
        self._settings, self._reader = settings, reader
        self.names = TopicNames(settings.topic_prefix)
        self.partners = [p.id for p in registry.partners]
        self._admin: Any = None

    @property
    def spread(self) -> bool:
        """Whether projection is spread over partitions (a router feeds hub.sealed-by-case)."""
        return bool(self._reader.partitions(self.names.by_case))

    def consumed(self) -> list[str]:
        """The topics the hub's agents consume and commit."""
        topics = [*(self.names.ingest(p) for p in self.partners), self.names.admitted]
        if self.spread:
            topics += [self.names.audit_log, self.names.by_case]
        return topics

    def derived(self) -> list[str]:
        """The topics compared with audit.log, and the inputs the rejections name."""
        return [
            topic
            for p in self.partners
            for topic in (self.names.view(p), self.names.rejected(p), self.names.ingest(p))
        ]

    def progress(self) -> Progress:
        """Records not yet handled, per topic, and the end of audit.log they were measured at."""
        try:
            committed = self._committed()
        except KafkaError:  # e.g. the group coordinator is being elected
            return Progress(None, -1)
        watched = self.consumed()
        ends = self._reader.end_offsets_of([*watched, self.names.audit_log])
        audit_end = ends.get((self.names.audit_log, 0), 0)
        lag: dict[str, int] = {}
        for (topic, partition), end in ends.items():
            if topic in watched:
                behind = max(0, end - committed.get((topic, partition), 0))
                if behind:
                    lag[topic] = lag.get(topic, 0) + behind
        if not self.spread:
            behind = max(0, audit_end - self.projected())
            if behind:
                lag[PROJECTED] = behind
        return Progress(lag, audit_end)

    def _committed(self) -> Ends:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                **self._settings.client_config(), client_id="ketenhub-verify"
            )
        group = self._settings.app_id
        offsets = self._admin.list_group_offsets({group: None}).get(group, {})
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}

    def projected(self) -> int:
        """How far the sealer has projected audit.log, as its chain-head table's changelog says."""
        changelog = f"{self._settings.app_id}-chain-head-changelog"
        position = 0
        for record in self._reader.all_records(changelog):
            if _json(record.key) == PROJECTED_KEY:
                value = _json(record.value)
                position = int(value) if isinstance(value, str) and value.isdigit() else position
        return position

    def snapshot(self, audit_end: int) -> HubIdleState | None:
        """The ends of the derived topics, if audit.log still ends at ``audit_end`` after them."""
        derived = self._reader.end_offsets_of(self.derived())
        if self._reader.end_offset(self.names.audit_log) != audit_end:
            return None
        return HubIdleState(audit_end, derived)

    def close(self) -> None:
        """Close the admin client."""
        if self._admin is not None:
            self._admin.close()


def wait_until_idle(
    watch: IdleProbe,
    timeout_s: float,
    every_s: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> HubIdleState:
    """Poll until the hub is idle and a snapshot of it holds; raise HubNotIdle after the timeout."""
    deadline = clock() + timeout_s
    while True:
        progress = watch.progress()
        if progress.lag == {}:
            state = watch.snapshot(progress.audit_end)
            if state is not None:
                return state
        if clock() >= deadline:
            raise HubNotIdle(timeout_s, progress.lag)
        sleep(every_s)


def _json(raw: bytes | None) -> object:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None
