"""``verify --views --kafka``: rebuild views and rejections from audit.log on Kafka, compare.

The workers write the views while the hub runs, so the comparison waits until the hub is idle
(``hub_idle``: every input committed, every sealed record projected) and then compares at
that moment: views rebuilt from audit.log up to its end then, against the view topics (latest
record per case over every partition) up to their ends then. A hub that does not become idle
within the timeout is not compared at all (``HubNotIdle``), never reported as tampered with.

Rejections are checked as on the embedded hub, against the partner's ingest topic read
partition by partition. Ingest topics keep records for a month only: a rejection whose input
the ingest topic no longer keeps cannot be compared with it, and is counted apart. Rejected
topics are kept for ever and view topics are only compacted, so records deleted from the
start of either (Kafka's delete-records) are a difference of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketenhub.codec.single_object import decode_event
from ketenhub.core.derived_data import (
    Difference,
    Inputs,
    rejection_differences,
    sealed_inputs,
    view_differences,
)
from ketenhub.core.input_ref import InputRef, input_of
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import Projector
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.kafka.hub_idle import HubIdleState, IdleWatch, wait_until_idle
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.topic_log import LogRecord
from ketenhub.topics import TopicNames

DEFAULT_IDLE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class KafkaDerivedCheck:
    """The outcome of comparing the view and rejected topics with audit.log, at an idle moment."""

    audit_records: int  # the prefix of audit.log compared (all of it, when the hub was idle)
    views: int
    rejections: int
    expired_inputs: int  # rejections whose input the ingest topic no longer keeps
    differences: tuple[Difference, ...]


def check_derived_data_on_kafka(
    settings: KafkaSettings,
    registry: PartnerRegistry,
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
) -> KafkaDerivedCheck:
    """Wait until the hub is idle, rebuild every view and check every rejection; list differences."""
    with KafkaLogReader(settings) as reader:
        watch = IdleWatch(settings, registry, reader)
        try:
            idle = wait_until_idle(watch, idle_timeout_s)
        finally:
            watch.close()
        return _Comparison(reader, TopicNames(settings.topic_prefix), registry, idle).run()


class _Comparison:
    def __init__(
        self,
        reader: KafkaLogReader,
        names: TopicNames,
        registry: PartnerRegistry,
        idle: HubIdleState,
    ) -> None:
        self._reader, self._names, self._registry, self._idle = reader, names, registry, idle

    def run(self) -> KafkaDerivedCheck:
        audit = list(self._reader.records(self._names.audit_log, 0, 0, self._idle.audit_end))
        differences = self._foreign_view_topics()
        views, view_faults = self._views(audit)
        rejections, expired, rejection_faults = self._rejections(audit)
        return KafkaDerivedCheck(
            len(audit),
            views,
            rejections,
            expired,
            tuple(differences + view_faults + rejection_faults),
        )

    def _ends(self, topic: str) -> dict[int, int]:
        return {p: end for (t, p), end in self._idle.derived_ends.items() if t == topic}

    def _kept(self, topic: str) -> tuple[list[LogRecord], list[Difference]]:
        """A kept-for-ever topic's records up to the snapshot; a deleted start is a difference."""
        starts = self._reader.start_offsets_of([topic])
        records: list[LogRecord] = []
        found = []
        for partition, end in sorted(self._ends(topic).items()):
            start = starts.get((topic, partition), 0)
            if start > 0:
                found.append(
                    Difference(
                        f"{topic} partition {partition}",
                        f"records at offsets 0 to {start - 1} were deleted "
                        "(this topic is never expired)",
                    )
                )
            records += self._reader.records(topic, partition, start, end)
        return records, found

    def _foreign_view_topics(self) -> list[Difference]:
        known = {self._names.view(p.id) for p in self._registry.partners}
        prefix = self._names.view("")
        return [
            Difference(topic, "a view topic of no partner in the registry")
            for topic in sorted(self._reader.topic_names())
            if topic.startswith(prefix) and topic not in known
        ]

    def _views(self, audit: list[LogRecord]) -> tuple[int, list[Difference]]:
        projector = Projector(self._registry)
        for stored in audit:
            record = decode_sealed(stored.value or b"", stored.offset)
            projector.apply(record, decode_event(record.payload))
        views, found = 0, []
        for partner in self._registry.partners:
            topic = self._names.view(partner.id)
            records, deleted = self._kept(topic)
            stored_views = _latest_by_key(records)
            views += sum(value is not None for value in stored_views.values())
            found += deleted + view_differences(topic, projector.views(partner.id), stored_views)
        return views, found

    def _rejections(self, audit: list[LogRecord]) -> tuple[int, int, list[Difference]]:
        sealed = sealed_inputs(audit)
        rejections = expired = 0
        found: list[Difference] = []
        for partner in self._registry.partners:
            ingest, rejected_topic = (
                self._names.ingest(partner.id),
                self._names.rejected(partner.id),
            )
            kept_from = self._reader.start_offsets_of([ingest])
            rejected, deleted = self._kept(rejected_topic)
            found += deleted
            comparable = [r for r in rejected if not _expired(r, ingest, kept_from)]
            rejections += len(rejected)
            expired += len(rejected) - len(comparable)
            inputs = Inputs(self._ingested(ingest, kept_from), sealed)
            found += rejection_differences(rejected_topic, ingest, comparable, inputs)
        return rejections, expired, found

    def _ingested(
        self, topic: str, kept_from: dict[tuple[str, int], int]
    ) -> dict[InputRef, bytes | None]:
        """The ingest topic's records still kept, by input, up to the idle snapshot's ends."""
        ingested: dict[InputRef, bytes | None] = {}
        for partition, end in sorted(self._ends(topic).items()):
            start = kept_from.get((topic, partition), 0)
            for r in self._reader.records(topic, partition, start, end):
                ingested[InputRef(topic, partition, r.offset)] = r.value
        return ingested


def _expired(record: LogRecord, ingest: str, kept_from: dict[tuple[str, int], int]) -> bool:
    """Whether a rejection names an input of ``ingest`` older than the oldest it still keeps."""
    origin = input_of(record.headers)
    if origin is None or origin.topic != ingest:
        return False
    return origin.offset < kept_from.get((ingest, origin.partition), 0)


def _latest_by_key(records: list[LogRecord]) -> dict[str, bytes | None]:
    """The last value per case id (None: a tombstone); each key lives in one partition."""
    return {r.key.decode(errors="replace"): r.value for r in records if r.key is not None}
