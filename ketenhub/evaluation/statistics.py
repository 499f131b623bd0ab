"""Summary statistics of the evaluation: median and percentiles, and durations in days.

Percentile method: linear interpolation between the closest ranks, Hyndman & Fan's
definition 7 (the default of R, NumPy and spreadsheet ``PERCENTILE.INC``). For sorted
observations ``x[1] <= ... <= x[n]`` and a fraction ``p`` in [0, 1], the position is
``h = (n - 1) * p + 1``; the percentile is ``x[floor(h)] + (h - floor(h)) *
(x[floor(h) + 1] - x[floor(h)])``. The median is the 50th percentile, so for an even
number of observations it is the mean of the two middle ones, as statistics offices
publish it. One observation gives itself; none gives ``None``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

SECONDS_PER_DAY = 86_400


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the ``fraction`` percentile (0..1) of ``values`` by linear interpolation; None if empty."""
    if not 0.0 <= fraction <= 1.0:
        msg = f"a percentile fraction must lie in [0, 1], got {fraction}"
        raise ValueError(msg)
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    weight = position - below
    return ordered[below] + weight * (ordered[above] - ordered[below])


def median(values: Sequence[float]) -> float | None:
    """Return the median of ``values`` (the 50th percentile); None if empty."""
    return percentile(values, 0.5)


def days_between(start: dt.datetime, end: dt.datetime) -> float:
    """Return the time from ``start`` to ``end`` in days (fractional, exact to the microsecond)."""
    return (end - start) / dt.timedelta(days=1)
