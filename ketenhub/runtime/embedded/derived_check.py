"""``verify --views`` on the embedded hub: rebuild views and rejections from audit.log, compare.

The views are rebuilt from the prefix of audit.log the projector has consumed (its committed
position), so a hub whose pipeline has not run yet is not reported as tampered with; the
number of sealed records still to be projected is part of the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketenhub import topics
from ketenhub.codec.single_object import decode_event
from ketenhub.core.derived_data import (
    Difference,
    Inputs,
    ingested_inputs,
    rejection_differences,
    sealed_inputs,
    view_differences,
)
from ketenhub.core.projection import Projector
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.runner import PROJECTOR_GROUP
from ketenhub.topic_log import read_all


@dataclass(frozen=True)
class DerivedCheck:
    """The outcome of comparing stored views and rejections with audit.log."""

    views: int
    rejections: int
    unprojected: int
    differences: tuple[Difference, ...]


def check_derived_data(hub: EmbeddedHub) -> DerivedCheck:
    """Rebuild every partner view and check every rejection; list every difference."""
    log = hub.log
    projected = log.committed(PROJECTOR_GROUP, topics.AUDIT_LOG)
    projector = Projector(hub.registry)
    for stored in read_all(log, topics.AUDIT_LOG, 0, projected):
        record = decode_sealed(stored.value or b"", stored.offset)
        projector.apply(record, decode_event(record.payload))
    differences: list[Difference] = []
    known = {topics.view(p.id) for p in hub.registry.partners}
    for topic in log.topics("view."):
        if topic not in known:
            differences.append(Difference(topic, "a view topic of no partner in the registry"))
    views = 0
    for partner in hub.registry.partners:
        latest = log.latest_by_key(topics.view(partner.id))
        stored_views = {key.decode(errors="replace"): r.value for key, r in latest.items()}
        views += sum(value is not None for value in stored_views.values())
        differences += view_differences(
            topics.view(partner.id), projector.views(partner.id), stored_views
        )
    sealed = sealed_inputs(read_all(log, topics.AUDIT_LOG))
    rejections = 0
    for partner in hub.registry.partners:
        ingest = topics.ingest(partner.id)
        inputs = Inputs(ingested_inputs(read_all(log, ingest)), sealed)
        rejected = list(read_all(log, topics.rejected(partner.id)))
        rejections += len(rejected)
        differences += rejection_differences(topics.rejected(partner.id), ingest, rejected, inputs)
    unprojected = log.end_offset(topics.AUDIT_LOG) - projected
    return DerivedCheck(views, rejections, unprojected, tuple(differences))
