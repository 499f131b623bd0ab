"""Deciding ingested messages: the sealer's decisions as effects, the same for both runtimes.

Decided here once, for both runtimes: the order (the order of the inputs given: arrival
order), the sealing time (the one injected clock), the checkpoint cadence (a checkpoint right
after every ``checkpoint_every``-th sealed record, and one over the rest when the hub is
idle), the key of a rejected record (the input's identity, never a partner-chosen key) and
the commit of each input's position after its outputs, and what a rejected record keeps (the
original bytes, or none when a field may hold personal data in clear: ``kept_of``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.checkpoint_records import decode_checkpoint, encode_checkpoint
from ketenhub.core.input_ref import InputRef
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.refused_inputs import kept_of
from ketenhub.core.rejection import Rejection
from ketenhub.core.sealer import Refused, Sealed, Sealer
from ketenhub.core.sealing import encode_sealed
from ketenhub.pipeline.effects import (
    AppendCheckpoint,
    AppendRejected,
    AppendSealed,
    CommitPosition,
    Effect,
    Headers,
)
from ketenhub.topic_log import LogRecord

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The hub's clock: the current UTC time."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Input:
    """One ingested message: where it was read, its partner, bytes and headers.

    ``refused`` is the verdict of a stateless validator that inspected it before (Kafka).
    """

    ref: InputRef
    partner: str
    value: bytes | None
    headers: Headers
    refused: Rejection | None = None


class SealingStep:
    """The core sealer behind the pipeline: inputs in, effects out."""

    def __init__(
        self,
        registry: PartnerRegistry,
        signing_key: Ed25519PrivateKey,
        checkpoint_every: int,
        clock: Clock = utc_now,
    ) -> None:
        self._registry, self._clock = registry, clock
        self.sealer = Sealer(registry, signing_key, checkpoint_every)

    def restore(
        self,
        checkpoints: Iterable[LogRecord],
        audit: Iterable[LogRecord],
        rejected: Iterable[LogRecord],
    ) -> None:
        """Take in outputs read back (checkpoints first), so that no input is decided twice."""
        for stored in checkpoints:
            self.sealer.restore_checkpoint(decode_checkpoint(stored.value or b"", stored.offset))
        for stored in audit:
            self.sealer.restore_sealed(stored.offset, stored.value or b"", stored.headers)
        for stored in rejected:
            self.sealer.restore_refused(stored.headers, stored.value)

    def decide(self, inputs: Sequence[Input]) -> list[Effect]:
        """Decide inputs in the order given; return every write and position commit they need."""
        effects: list[Effect] = []
        for item in inputs:
            effects += self._decide_one(item)
        return effects

    def checkpoint(self) -> list[Effect]:
        """Sign a checkpoint over everything sealed, unless the last one covers it (when idle)."""
        chained = self.sealer.checkpoint(self._clock())
        return [] if chained is None else [AppendCheckpoint(encode_checkpoint(chained))]

    def _decide_one(self, item: Input) -> list[Effect]:
        partner = self._registry.get(item.partner)
        decision = self.sealer.decide(
            partner, item.value or b"", item.headers, item.ref, self._clock(), item.refused
        )
        effects: list[Effect] = []
        if isinstance(decision, Sealed):
            record = decision.record
            stored = encode_sealed(record)
            effects.append(
                AppendSealed(stored, decision.headers, record.sequence, record, decision.event)
            )
            if self.sealer.checkpoint_due():
                effects += self.checkpoint()
        elif isinstance(decision, Refused):
            key = item.ref.encode()
            value, headers = kept_of(item.value, decision.headers, decision.rejection)
            effects.append(AppendRejected(partner.id, value, key, headers, decision.rejection))
        return [*effects, CommitPosition(item.ref)]
