"""The hub's topics as the web tier keeps them: views, decisions and checkpoints, fed record by record.

Both backends feed the same ``HubMirror``: the embedded one reads its log on from the
offsets the mirror has reached, the Kafka one consumes the topics live. ``take`` routes a
record by its (unprefixed) topic name; ``next_offset`` says where to read on.
"""

from __future__ import annotations

from collections.abc import Callable

from ketenhub import topics
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.sealing import decode_sealed
from ketenhub.topic_log import LogRecord
from ketenhub.web.checkpoint_log import CheckpointLog
from ketenhub.web.decision_index import DecisionIndex
from ketenhub.web.sealed_events import SealedEventLog
from ketenhub.web.view_store import ViewStore

_Route = Callable[[int, LogRecord], None]


class HubMirror:
    """Every topic the web tier reads, folded into local stores."""

    def __init__(self, registry: PartnerRegistry) -> None:
        self.views = {partner.id: ViewStore() for partner in registry.partners}
        self.decisions = DecisionIndex()
        self.checkpoints = CheckpointLog()
        self.sealed = SealedEventLog()
        self._next: dict[tuple[str, int], int] = {}
        self._routes: dict[str, _Route] = {
            topics.AUDIT_LOG: self._sealed,
            topics.CHECKPOINTS: self._checkpoint,
        }
        for partner in registry.partners:
            self._routes[topics.ingest(partner.id)] = self._ingested(partner.id)
            self._routes[topics.rejected(partner.id)] = self._rejected(partner.id)
            self._routes[topics.view(partner.id)] = self._view(partner.id)

    def topics(self) -> list[str]:
        """Every topic the mirror follows (unprefixed names)."""
        return sorted(self._routes)

    def next_offset(self, topic: str, partition: int = 0) -> int:
        """The next offset of ``topic`` the mirror has not taken."""
        return self._next.get((topic, partition), 0)

    def take(self, topic: str, partition: int, record: LogRecord) -> None:
        """Fold one record of ``topic``; records below the next offset were taken before."""
        if record.offset < self.next_offset(topic, partition):
            return
        self._routes[topic](partition, record)
        self._next[(topic, partition)] = record.offset + 1

    def _sealed(self, partition: int, record: LogRecord) -> None:
        sealed = decode_sealed(record.value or b"", record.offset)
        self.decisions.take_sealed(sealed)
        self.checkpoints.take_sealed(sealed)
        self.sealed.take_sealed(sealed)

    def _checkpoint(self, partition: int, record: LogRecord) -> None:
        self.checkpoints.take_checkpoint(record)

    def _ingested(self, partner: str) -> _Route:
        return lambda partition, record: self.decisions.take_ingested(partner, record)

    def _rejected(self, partner: str) -> _Route:
        return lambda partition, record: self.decisions.take_rejected(partner, record)

    def _view(self, partner: str) -> _Route:
        return lambda partition, record: self.views[partner].take(partition, record)
