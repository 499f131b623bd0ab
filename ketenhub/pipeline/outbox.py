"""The one port through which a runtime commits effects atomically with the input position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from ketenhub.pipeline.effects import Effect

Done = TypeVar("Done", covariant=True)


class Outbox(Protocol[Done]):
    """Writes a batch of effects, in order, with the positions they commit: all or nothing.

    ``Done`` is ``None`` for a blocking adapter (SQLite) and an awaitable for an asynchronous
    one (Kafka).
    """

    def commit(self, effects: Sequence[Effect]) -> Done:
        """Write ``effects`` in order; on failure, nothing the caller may rely on was committed."""
        ...
