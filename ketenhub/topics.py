"""Topic names of the hub, the same on the embedded log and on Kafka."""

from __future__ import annotations

AUDIT_LOG = "audit.log"
CHECKPOINTS = "audit.checkpoints"


def ingest(partner: str) -> str:
    """The topic a partner writes its events to; the topic proves who wrote."""
    return f"ingest.{partner}"


def rejected(partner: str) -> str:
    """The topic holding a partner's refused messages, with their original bytes and the reason."""
    return f"rejected.{partner}"


def view(partner: str) -> str:
    """The compacted topic of a partner's case views, keyed by case id."""
    return f"view.{partner}"
