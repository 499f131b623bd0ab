"""Topic names of the hub, the same on the embedded log and on Kafka (where a prefix may set them apart)."""

from __future__ import annotations

from dataclasses import dataclass

AUDIT_LOG = "audit.log"
CHECKPOINTS = "audit.checkpoints"
ACCESS_LOG = "access.log"  # every read of personal case data, sealed like audit.log
ACCESS_CHECKPOINTS = "access.checkpoints"
ACCESS_INTAKE = "access.intake"  # on Kafka: reads' processing records on their way to the sealer


def ingest(partner: str) -> str:
    """The topic a partner writes its events to; the topic proves who wrote."""
    return f"ingest.{partner}"


def rejected(partner: str) -> str:
    """The topic holding a partner's refused messages, with their original bytes and the reason."""
    return f"rejected.{partner}"


def view(partner: str) -> str:
    """The compacted topic of a partner's case views, keyed by case id."""
    return f"view.{partner}"


@dataclass(frozen=True)
class TopicNames:
    """The hub's topic names under a prefix (empty in production; unique per test run)."""

    prefix: str = ""

    @property
    def audit_log(self) -> str:
        """The single total order of sealed records."""
        return self.prefix + AUDIT_LOG

    @property
    def checkpoints(self) -> str:
        """The signed checkpoints over audit.log."""
        return self.prefix + CHECKPOINTS

    @property
    def access_log(self) -> str:
        """The processing records of every read of personal case data."""
        return self.prefix + ACCESS_LOG

    @property
    def access_checkpoints(self) -> str:
        """The signed checkpoints over access.log."""
        return self.prefix + ACCESS_CHECKPOINTS

    @property
    def access_intake(self) -> str:
        """Processing records of reads, sent by the readers, sealed onto access.log by the sealer."""
        return self.prefix + ACCESS_INTAKE

    @property
    def admitted(self) -> str:
        """Messages that passed the stateless checks, on their way to the sealer."""
        return self.prefix + "hub.admitted"

    @property
    def by_case(self) -> str:
        """Sealed records keyed by case, for partitioned projection."""
        return self.prefix + "hub.sealed-by-case"

    def ingest(self, partner: str) -> str:
        """A partner's ingest topic."""
        return self.prefix + ingest(partner)

    def rejected(self, partner: str) -> str:
        """A partner's rejected topic."""
        return self.prefix + rejected(partner)

    def view(self, partner: str) -> str:
        """A partner's view topic."""
        return self.prefix + view(partner)

    def partner_of_ingest(self, topic: str) -> str:
        """The partner id of an ingest topic name."""
        return topic.removeprefix(self.prefix).removeprefix("ingest.")
