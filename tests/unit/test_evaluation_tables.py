"""Figures, suppression of small counts, and tables beside their baseline year."""

from __future__ import annotations

import datetime as dt

from ketenhub.evaluation.history import _stamp
from ketenhub.evaluation.period import Stamp
from ketenhub.evaluation.tables import (
    Figure,
    Unit,
    change,
    count,
    exact,
    published,
    share,
    statistic,
    table,
    text,
    total,
    with_baseline,
)


def test_a_small_count_is_suppressed_but_zero_and_the_threshold_are_shown() -> None:
    """With threshold 5: 0 shows as 0, 1..4 as <5, and 5 as 5."""
    shown = [published(count(f"e{i}" for i in range(n)), 5) for n in (0, 1, 4, 5)]
    assert shown == ["0", "<5", "<5", "5"]


def test_a_count_of_things_not_about_people_is_never_suppressed() -> None:
    """Three trainings are published as 3: a non-sensitive count is not about a person."""
    assert published(count(["t1", "t2", "t3"], sensitive=False), 5) == "3"


def test_a_statistic_on_few_observations_is_suppressed_as_n_below_threshold() -> None:
    """A median over 4 durations shows n<5; over 5 it shows the value with one decimal."""
    assert published(statistic(2.0, 4, ["e"]), 5) == "n<5"
    assert published(statistic(2.25, 5, ["e"]), 5) == "2.3"


def test_halves_round_away_from_zero() -> None:
    """Published days round 2.25 up to 2.3 and -2.25 down to -2.3, as statistics offices do."""
    assert [exact(statistic(v, 9, [])) for v in (2.25, -2.25, -0.04)] == ["2.3", "-2.3", "0.0"]


def test_a_share_is_suppressed_when_its_numerator_is_small() -> None:
    """1 of 40 (2.5%) would reveal one case: it shows as n<5, while 10 of 40 shows 25.0."""
    assert published(share(1, 40, ["e"]), 5) == "n<5"
    assert published(share(10, 40, ["e"]), 5) == "25.0"


def test_the_drilldown_value_is_never_suppressed() -> None:
    """exact() gives the real value of a suppressed count."""
    assert exact(count(["a", "b"])) == "2"


def test_a_count_names_each_event_once_in_a_canonical_order() -> None:
    """Duplicate event ids count once and are listed sorted."""
    figure = count(["b", "a", "b"])
    assert (figure.value, figure.event_ids) == (2, ("a", "b"))


def test_a_change_is_suppressed_when_either_year_is() -> None:
    """12 against a baseline of 3 is a change of 9, published as <5 because 3 is hidden."""
    difference = change(total(12, ["x"]), total(3, ["y"]))
    assert difference.value == 9
    assert published(difference, 5) == "<5"


def test_a_change_of_words_is_empty() -> None:
    """yes against no has no numeric change."""
    assert change(text("yes"), text("no")).value == ""


def test_baseline_columns_name_the_years_and_rows_match_by_label() -> None:
    """A row only in the baseline appears with a zero count for the year."""
    now = table("p.t", "T", ("k",), ("n",), [(("a",), (total(7, ["1"]),))])
    then = table(
        "p.t", "T", ("k",), ("n",), [(("a",), (total(5, ["2"]),)), (("b",), (total(6, ["3"]),))]
    )
    merged = with_baseline(now, then, 2025, 2024)
    assert merged.measures == ("n 2025", "n 2024", "n change")
    assert [exact(f) for f in merged.row("a").figures] == ["7", "5", "2"]
    assert [exact(f) for f in merged.row("b").figures] == ["0", "6", "-6"]


def test_a_statistic_missing_in_one_year_has_no_value_and_no_change() -> None:
    """A median without observations is empty, and so is its change."""
    empty = Figure(None, Unit.DAYS, (0,))
    assert exact(change(statistic(3.0, 6, ["e"]), empty)) == ""
    assert published(empty, 5) == ""


def test_a_stamp_made_by_the_fold_is_the_stamp_its_class_makes() -> None:
    """The fold's own way of making a stamp gives an equal stamp, with the same hash and text."""
    at = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    made, expected = _stamp("event-1", at), Stamp("event-1", at)
    assert made == expected
    assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    assert type(made) is Stamp
