"""Fencing a zombie sealer on Kafka: the sealer role belongs to its newest claimant only.

A sealer claims the role when its input (the ingest topics, or ``hub.admitted`` when messages
are forwarded to it) is assigned to it (and before its first batch)
by appending a claim to the one-partition topic ``hub.sealer-fence``; the offset of its claim
is its epoch. Before it writes a batch, it reads the end of that topic in the same request
that catches it up with audit.log: a later claim means another sealer took over, and this one
is fenced (``SealerFenced``), writes nothing more, and stops. After writing, it checks that
each sealed record landed at the offset its sequence says; if not, a sealer wrote at the
same moment (``SealerOverlap``) and this one stops too, loudly.

Why not Kafka transactions: a transactional producer fences the same way, but each commit
marker takes an offset of audit.log, so its offsets would no longer equal the records'
sequence numbers — and verification names a deleted record by exactly that gap — and
Faust's consumers read uncommitted records unless the whole app runs exactly-once.
"""

from __future__ import annotations

import os
import uuid

from ketenhub.errors import KetenhubError
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import FOREVER, TopicSpec

FENCE_KEY = b"hub-sealer"


def fence_topic(settings: KafkaSettings) -> TopicSpec:
    """The topic holding the sealer role's claims: one partition, kept for ever."""
    kept = {"cleanup.policy": "delete", "retention.ms": FOREVER, "retention.bytes": FOREVER}
    return TopicSpec(f"{settings.topic_prefix}hub.sealer-fence", 1, kept)


def claim_value() -> bytes:
    """What a claim records: a random token and the claiming process id (no personal data)."""
    return f"{uuid.uuid4()} pid={os.getpid()}".encode()


class SealerFenced(KetenhubError):
    """Another sealer claimed the sealer role after this one: this one must not write again."""

    def __init__(self, epoch: int | None, newest: int) -> None:
        self.epoch = epoch
        self.newest = newest
        super().__init__(
            f"this sealer (epoch {epoch}) was fenced: another sealer claimed the role at "
            f"epoch {newest} of hub.sealer-fence; it wrote nothing more and stops — restart "
            "this worker so that it rejoins the group as a fresh member"
        )


class SealerOverlap(SealerFenced):
    """A record this sealer wrote did not land where its sequence says: two sealers wrote at once."""

    def __init__(self, epoch: int | None, sequence: int, offset: int) -> None:
        KetenhubError.__init__(
            self,
            f"audit.log record {sequence} landed at offset {offset}: another sealer wrote at the "
            f"same time as this one (epoch {epoch}); this sealer stops — run `ketenhub verify "
            "--kafka ...` and restore audit.log from its last verified checkpoint",
        )
        self.epoch, self.newest = epoch, -1
        self.sequence, self.offset = sequence, offset
