"""The transport under the SDK: how a partner client reaches a hub, embedded or on Kafka.

A transport sends encoded events to the partner's ingest topic and opens cursors on the
partner's own ``view.<partner>`` and ``rejected.<partner>`` topics. The client above it
(``connectors.sdk.client.PartnerClient``) is the same code for every transport.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

import structlog

from connectors.sdk.errors import TransportError
from connectors.sdk.models import Position
from ketenhub.core.partners import Partner, PartnerRegistry
from ketenhub.core.processing import ProcessingRecord
from ketenhub.protection.interface import Protector

Headers = tuple[tuple[str, bytes], ...]
Stream = Literal["view", "rejected"]
T = TypeVar("T")


@dataclass(frozen=True)
class Delivery:
    """One record read from a partner's view or rejected topic."""

    position: Position
    key: bytes | None
    value: bytes | None
    headers: Headers


class Pending(Protocol):
    """A message handed to the transport; ``result`` waits until the hub's topic stored it."""

    def result(self, timeout_s: float) -> Position:
        """Where the message was stored; raise TransportError when it was not."""
        ...


class Cursor(Protocol):
    """A position in one topic: poll from it, mark what was handled, commit the marks."""

    def poll(self, timeout_s: float) -> list[Delivery]:
        """Records after the current position, in order; waits up to ``timeout_s`` for some."""
        ...

    def caught_up(self) -> bool:
        """Whether every record that existed when the cursor opened has been polled."""
        ...

    def mark(self, delivery: Delivery) -> None:
        """Note that ``delivery`` was handled: the next ``commit`` stores the position after it."""
        ...

    def commit(self) -> None:
        """Store the marked positions under the cursor's consumer group (if it has one)."""
        ...

    def close(self) -> None:
        """Release the cursor (marks not yet committed are dropped: they are redelivered)."""
        ...


class Transport(Protocol):
    """A way to reach the hub for one process: send events, read the partner's own topics."""

    @property
    def registry(self) -> PartnerRegistry:
        """The partner registry the hub runs with."""
        ...

    @property
    def protector(self) -> Protector:
        """Pseudonymiser and field encryptor for events built from clear input."""
        ...

    def send(self, partner: Partner, value: bytes, headers: Headers) -> Pending:
        """Hand one encoded event to ``ingest.<partner>``."""
        ...

    def flush(self) -> None:
        """Wait until everything sent is stored (and, embedded, let the pipeline run if asked)."""
        ...

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None:
        """Have the hub seal the processing records of a read of views before they are handed out.

        Raises ``ReadNotRecorded`` when they were not written: the views are then not shown.
        """
        ...

    def open_cursor(self, partner_id: str, stream: Stream, group: str | None) -> Cursor:
        """Open a cursor on the partner's view or rejected topic.

        With a ``group`` the cursor starts at the group's committed position; without one it
        starts at the beginning and never commits (a snapshot read).
        """
        ...

    def close(self) -> None:
        """Flush and release the connections."""
        ...


@dataclass(frozen=True)
class Backoff:
    """Retry a transient failure with exponentially growing pauses, then give up."""

    attempts: int = 3
    first_delay_s: float = 0.2
    max_delay_s: float = 5.0

    def run(
        self, action: Callable[[], T], retriable: tuple[type[BaseException], ...], what: str
    ) -> T:
        """Run ``action``; retry it after a retriable error; raise TransportError at the end."""
        delay = self.first_delay_s
        for attempt in range(1, self.attempts + 1):
            try:
                return action()
            except retriable as exc:
                if attempt == self.attempts:
                    msg = f"{what} failed after {attempt} attempts: {type(exc).__name__}: {exc}"
                    raise TransportError(msg) from exc
                structlog.get_logger("connectors").warning(
                    "transport_retry", what=what, attempt=attempt, error=type(exc).__name__
                )
                time.sleep(delay)
                delay = min(delay * 2, self.max_delay_s)
        raise AssertionError  # unreachable: the loop returns or raises
