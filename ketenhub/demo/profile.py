"""How much a synthetic year holds: the full evaluation year, or the smaller baseline year before it.

The baseline year (*nulmeting*) is the year before the approach got going: fewer signals
reach the coordinator, fewer cases get a plan, few trainings and campaigns take place and
fewer control days are held. It has no deliberate mistakes, so the rejections a demo shows
are the evaluation year's. Its structure (phases, care, meetings, screenings) is the same,
so every table has something to compare with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TypeVar

from ketenhub.demo.caseload import Batch

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """The share of each part of the full year that a build holds, and whether it errs."""

    signals: float
    stories: float
    trainings: float
    campaigns: float
    control_days: float
    interviews: float
    mistakes: bool

    def batches(self, batches: tuple[Batch, ...]) -> tuple[Batch, ...]:
        """Each batch with its share of the signals (a batch of one stays one)."""
        return tuple(replace(b, count=max(1, round(b.count * self.signals))) for b in batches)

    def taken(self, items: tuple[T, ...], share: float) -> tuple[T, ...]:
        """The first ``share`` of ``items`` (at least one)."""
        return items[: max(1, math.ceil(len(items) * share))]


FULL_YEAR = Profile(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, mistakes=True)
BASELINE_YEAR = Profile(0.6, 0.6, 0.3, 0.3, 0.6, 0.4, mistakes=False)
