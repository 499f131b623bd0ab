"""Settings of an evaluation: the suppression threshold, the wait threshold, the joint partners."""

from __future__ import annotations

from dataclasses import dataclass

from ketenhub.evaluation.tables import DEFAULT_MIN_COUNT

DEFAULT_JOINT_PARTNERS = ("heit", "police", "riec")


@dataclass(frozen=True)
class EvaluationSettings:
    """How figures are computed and published."""

    min_count: int = DEFAULT_MIN_COUNT
    """Counts about people or cases below this (but not 0) are suppressed in published tables."""
    wait_days: float = 14.0
    """A wait from referral to start of care longer than this many days is a bottleneck."""
    joint_partners: tuple[str, ...] = DEFAULT_JOINT_PARTNERS
    """The partner ids whose joint actions are reported (shown by their labels)."""

    def __post_init__(self) -> None:
        if self.min_count < 1:
            msg = f"the suppression threshold must be at least 1, got {self.min_count}"
            raise ValueError(msg)
        if self.wait_days < 0:
            msg = f"the wait threshold must be zero or more days, got {self.wait_days}"
            raise ValueError(msg)
