"""Median and percentiles by linear interpolation (Hyndman-Fan 7), and durations in days."""

from __future__ import annotations

import datetime as dt

import pytest

from ketenhub.evaluation.statistics import days_between, median, percentile


def test_median_of_an_odd_count_is_the_middle_value() -> None:
    """The median of 3, 1, 2 is 2."""
    assert median([3.0, 1.0, 2.0]) == 2.0


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    """The median of 1, 2, 3, 4 is 2.5, as statistics offices publish it."""
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_the_90th_percentile_interpolates_between_closest_ranks() -> None:
    """For 15, 20, 35, 40, 50 the position is 1 + 0.9 * 4 = 4.6: 40 + 0.6 * (50 - 40) = 46."""
    assert percentile([50.0, 15.0, 40.0, 20.0, 35.0], 0.9) == pytest.approx(46.0)


def test_the_extreme_percentiles_are_the_minimum_and_the_maximum() -> None:
    """The 0th percentile is the smallest value and the 100th the largest."""
    values = [7.0, 3.0, 9.0]
    assert (percentile(values, 0.0), percentile(values, 1.0)) == (3.0, 9.0)


def test_one_observation_is_its_own_percentile_and_none_has_none() -> None:
    """A single value is every percentile of itself; an empty list has no median."""
    assert percentile([4.5], 0.9) == 4.5
    assert median([]) is None


def test_a_fraction_outside_zero_to_one_is_refused() -> None:
    """Asking for the 90th percentile as 90 instead of 0.9 raises ValueError."""
    with pytest.raises(ValueError, match="must lie in"):
        percentile([1.0], 90)


def test_days_between_counts_fractions_of_days() -> None:
    """From 09:00 to 21:00 the next day is 1.5 days."""
    start = dt.datetime(2025, 3, 5, 9, tzinfo=dt.UTC)
    assert days_between(start, start + dt.timedelta(hours=36)) == 1.5
