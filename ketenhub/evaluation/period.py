"""Periods of the evaluation (a calendar year in UTC) and the stamp of an event: its id and moment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Stamp:
    """Which event, and when it occurred (UTC)."""

    event_id: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time ``[start, end)``, e.g. one calendar year in UTC."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year ``year`` in UTC."""
        return cls(
            dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
        )

    def holds(self, stamp: Stamp | None) -> bool:
        """Whether the stamp's moment lies in the period."""
        return stamp is not None and self.start <= stamp.at < self.end

    def by_end(self, stamp: Stamp | None) -> bool:
        """Whether the stamp's moment lies before the end of the period."""
        return stamp is not None and stamp.at < self.end
