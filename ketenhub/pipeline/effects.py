"""The effects of the pipeline: what a runtime must write, atomically with the input position."""

from __future__ import annotations

from dataclasses import dataclass

from ketenhub.core.input_ref import InputRef
from ketenhub.core.rejection import Rejection

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class AppendSealed:
    """Append a sealed record (its encoded bytes) to audit.log; ``sequence`` is its offset there."""

    record: bytes
    headers: Headers
    sequence: int


@dataclass(frozen=True)
class AppendRejected:
    """Append a refused message's original bytes to ``rejected.<partner>``."""

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
