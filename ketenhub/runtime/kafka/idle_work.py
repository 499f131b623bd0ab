"""Work a worker does when idle (a checkpoint, a projection catching up), which stopping preempts.

With the cluster out of reach such work holds its lock until its requests time out
(``kafka_write_timeout_s``); a stopping worker that waited for the lock waited for that too.
What it did not finish is done again after a restart: its outputs are read back from the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class IdleWork:
    """Runs one piece of idle work at a time as a task that ``preempt`` cancels."""

    def __init__(self) -> None:
        self._task: asyncio.Task[Any] | None = None

    async def run(self, step: Coroutine[Any, Any, T], preempted: T) -> T:
        """Run ``step``; ``preempted`` when ``preempt`` cancelled it (a caller's own cancellation
        is raised)."""
        task = asyncio.ensure_future(step)
        self._task = task
        try:
            return await task
        except asyncio.CancelledError:
            if cancelling_itself():
                raise
            return preempted
        finally:
            self._task = None

    def preempt(self) -> None:
        """Cancel the idle work under way, if any."""
        if self._task is not None:
            self._task.cancel()


def cancelling_itself() -> bool:
    """Whether the running task itself is being cancelled (not only a task it awaited)."""
    current = asyncio.current_task()
    return current is not None and current.cancelling() > 0
