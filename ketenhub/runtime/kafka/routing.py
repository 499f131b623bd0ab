"""Routing sealed records by case, for projection spread over several partitions and workers.

Only with more than one view partition does audit.log pass through ``hub.sealed-by-case``
(keyed by case id, so each case's records stay in order on one partition); with one, the
projector reads audit.log itself. The router reads a record's envelope, which names its case,
and decodes the event only for a meeting, which belongs to every case it discussed.
"""

from __future__ import annotations

from ketenhub.codec.single_object import decode_event
from ketenhub.contract import models as m
from ketenhub.core.projection import cases_of
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.kafka.record_batches import Outgoing
from ketenhub.topics import TopicNames


def by_case(names: TopicNames, value: bytes | None, offset: int) -> list[Outgoing]:
    """The by-case records of the audit.log record at ``offset``: one per case it belongs to."""
    record = decode_sealed(value or b"", offset)
    if record.event_type == m.MeetingHeld.EVENT_TYPE:
        cases = cases_of(record, decode_event(record.payload))
    else:
        cases = [] if record.case_id is None else [record.case_id]
    return [Outgoing(names.by_case, value, case_id.encode()) for case_id in cases]
