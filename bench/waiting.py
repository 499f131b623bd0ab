"""Waiting in a benchmark for a condition, bounded: it either holds in time or the run stops."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.05
) -> None:
    """Poll ``condition`` every ``every`` seconds; stop the run naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            msg = f"{what} did not finish in time"
            raise SystemExit(msg)
        time.sleep(every)
