"""The effects of the pipeline: what a runtime must write, atomically with the input position."""

from __future__ import annotations

from dataclasses import dataclass, field

from ketenhub.contract.base import Event
from ketenhub.core.input_ref import InputRef
from ketenhub.core.rejection import Rejection
from ketenhub.core.sealing import SealedRecord

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class AppendSealed:
    """Append a sealed record (its encoded bytes) to audit.log; ``sequence`` is its offset there.

    ``sealed`` and ``event`` are the record and its event as the sealer holds them, so that a
    runtime projecting in the same process need not decode the stored bytes again.
    """

    record: bytes
    headers: Headers
    sequence: int
    sealed: SealedRecord | None = field(default=None, compare=False, repr=False)
    event: Event | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class AppendRejected:
    """Append a refused message's original bytes (None: withheld, ``kept_of``) to ``rejected.<partner>``."""

    partner: str
    value: bytes | None
    key: bytes
    headers: Headers
    rejection: Rejection


@dataclass(frozen=True)
class AppendCheckpoint:
    """Append a signed checkpoint (encoded) to audit.checkpoints, after everything before it."""

    checkpoint: bytes


@dataclass(frozen=True)
class AppendView:
    """Set a partner's view of a case in ``view.<partner>`` (None: the case left the view)."""

    partner: str
    case_id: str
    value: bytes | None
    headers: Headers


@dataclass(frozen=True)
class CommitPosition:
    """The input was fully decided: the consumer may move past it."""

    input: InputRef


Effect = AppendSealed | AppendRejected | AppendCheckpoint | AppendView | CommitPosition
