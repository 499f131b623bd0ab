"""Rate limits: a token bucket per key (a partner token, or a website reporter's address).

A bucket holds up to ``burst`` requests and refills at ``rate_per_s``; a request takes one,
or is refused with the seconds until one is back. Buckets of keys idle long enough to be
full again are forgotten, so the table stays as small as the set of recent clients.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key; thread-safe."""

    def __init__(self, burst: int, rate_per_s: float, clock: Clock = time.monotonic) -> None:
        self.burst, self.rate_per_s, self._clock = burst, rate_per_s, clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._full_after_s = burst / rate_per_s

    def take(self, key: str, cost: int = 1) -> float:
        """Take ``cost`` requests (at most a burst) for ``key``: 0 if allowed, else the seconds to wait (>= 1)."""
        cost = max(1, min(cost, self.burst))
        now = self._clock()
        with self._lock:
            self._forget_idle(now)
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate_per_s
            )
            bucket.updated = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return 0.0
            return max(1.0, math.ceil((cost - bucket.tokens) / self.rate_per_s))

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < 1024:
            return
        idle = [k for k, b in self._buckets.items() if now - b.updated >= self._full_after_s]
        for key in idle:
            del self._buckets[key]
