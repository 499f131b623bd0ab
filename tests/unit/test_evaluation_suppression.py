"""Publishing tables: no hidden count can be worked out from a total or from other cells."""

from __future__ import annotations

import random

from ketenhub.evaluation.suppression import Hidden, publish
from ketenhub.evaluation.tables import (
    ALL,
    Figure,
    Table,
    count,
    share,
    statistic,
    table,
    total,
    with_baseline,
)


def counts(key: str, values: dict[str, int], *, with_total: bool = False) -> Table:
    """A one-column table of sensitive counts by row label (optionally with a total row)."""
    rows: list[tuple[tuple[str, ...], tuple[Figure, ...]]] = [
        ((label,), (total(n, [f"{label}-{i}" for i in range(n)]),)) for label, n in values.items()
    ]
    if with_total:
        rows.insert(0, ((ALL,), (total(sum(values.values()), ["t"]),)))
    return table(key, "T", ("k",), ("n",), rows)


def test_one_small_cell_takes_a_second_cell_with_it() -> None:
    """September 3 of 73 signals would be 73 minus the rest: the smallest other month hides too."""
    months = {f"{m:02d}": 7 for m in range(1, 13)} | {"09": 3, "04": 6}
    shown = publish(counts("p.months", months), 5)
    texts = {row.labels[0]: shown.text(i, 0) for i, row in enumerate(shown.table.rows)}
    assert texts["09"] == "<5" and texts["04"] == "x"
    assert sum(text in ("<5", "x") for text in texts.values()) == 2


def test_two_small_cells_need_no_third() -> None:
    """Two hidden counts in a column cannot be told apart from their sum: nothing more hides."""
    shown = publish(counts("p.t", {"a": 2, "b": 3, "c": 9, "d": 12}), 5)
    assert [shown.text(i, 0) for i in range(4)] == ["<5", "<5", "9", "12"]
    assert set(shown.hidden.values()) == {Hidden.PRIMARY}


def test_a_total_row_is_the_lines_total_not_a_member() -> None:
    """With a total row of 20 and one small cell, another member hides, never the total."""
    shown = publish(counts("p.t", {"a": 3, "b": 8, "c": 9}, with_total=True), 5)
    assert [shown.text(i, 0) for i in range(4)] == ["20", "<5", "x", "9"]


def test_zero_is_published_and_a_zero_hides_only_when_nothing_else_can() -> None:
    """0 is no small count; a lone small cell beside zeros takes a zero with it."""
    shown = publish(counts("p.t", {"a": 4, "b": 0, "c": 0}), 5)
    assert [shown.text(i, 0) for i in range(3)] == ["<5", "x", "0"]


def test_a_median_on_a_count_hidden_for_another_cells_sake_is_hidden_too() -> None:
    """Cases 6 hidden as the second cell: its median (over those 6) hides, its p90 too."""
    rows = [
        (("a",), (total(3, ["a"]), statistic(2.0, 3, ["a"]))),
        (("b",), (total(6, ["b"]), statistic(4.0, 6, ["b"]))),
        (("c",), (total(9, ["c"]), statistic(5.0, 9, ["c"]))),
    ]
    shown = publish(table("p.t", "T", ("k",), ("cases", "median days"), rows), 5)
    assert [[shown.text(r, m) for m in range(2)] for r in range(3)] == [
        ["<5", "n<5"],
        ["x", "x"],
        ["9", "5.0"],
    ]


def test_a_share_resting_on_a_hidden_count_is_hidden() -> None:
    """Completed 6 (hidden with the small cell of its column) of 8: the share would reveal it."""
    rows = [
        (("a",), (total(6, ["a"]), share(6, 8, ["a"]))),
        (("b",), (total(2, ["b"]), share(2, 10, ["b"]))),
        (("c",), (total(12, ["c"]), share(12, 20, ["c"]))),
    ]
    shown = publish(table("p.t", "T", ("k",), ("completed", "share %"), rows), 5)
    assert [shown.text(0, 1), shown.text(1, 1), shown.text(2, 1)] == ["x", "n<5", "60.0"]


def test_a_change_is_hidden_when_either_year_is() -> None:
    """A change beside a hidden year would give that year back from the other."""
    now = counts("p.t", {"a": 3, "b": 8, "c": 20})
    then = counts("p.t", {"a": 9, "b": 8, "c": 21})
    shown = publish(with_baseline(now, then, 2025, 2024), 5)
    assert [shown.text(1, m) for m in range(3)] == ["x", "8", "x"]
    assert [shown.text(0, m) for m in range(3)] == ["<5", "9", "<5"]
    assert [shown.text(2, m) for m in range(3)] == ["20", "21", "-1"]


def test_each_group_of_a_two_dimensional_table_is_a_line() -> None:
    """Bibob by permit and outcome: a lone small cell in a permit's group hides a second in it."""
    cells = {
        ("H", "NO"): 9,
        ("H", "MINOR"): 2,
        ("H", "SERIOUS"): 0,
        ("E", "NO"): 7,
        ("E", "MINOR"): 8,
    }
    rows = [((p, o), (count(f"{p}{o}{i}" for i in range(n)),)) for (p, o), n in cells.items()]
    rows.append((("E", "SERIOUS"), (count(["x1", "x2", "x3", "x4", "x5", "x6"]),)))
    shown = publish(table("p.bibob", "T", ("permit", "outcome"), ("screenings",), rows), 5)
    hidden = {shown.table.rows[r].labels for r, _ in shown.hidden}
    for group in ({"H"}, {"E"}, {"NO"}, {"MINOR"}, {"SERIOUS"}):
        members = [labels for labels in hidden if group & set(labels)]
        assert len(members) != 1, group


def test_counts_not_about_people_are_never_hidden() -> None:
    """Trainings (not about people) stay published whatever their size."""
    rows = [
        ((k,), (count([f"{k}{i}" for i in range(n)], sensitive=False),))
        for k, n in (("a", 1), ("b", 9))
    ]
    shown = publish(table("p.t", "T", ("k",), ("trainings",), rows), 5)
    assert shown.hidden == {}


def test_an_attacker_subtracting_published_cells_from_any_column_total_never_isolates_one() -> None:
    """Random tables: every count column (and its total) holds no hidden cell or at least two."""
    rng = random.Random(1916)
    for attempt in range(300):
        values = {
            f"r{i}": rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 13, 40]) for i in range(rng.randint(2, 9))
        }
        now = counts("p.t", values, with_total=rng.random() < 0.5)
        then = counts("p.t", {k: rng.choice([0, 3, 7, 12]) for k in values})
        for candidate in (now, with_baseline(now, then, 2025, 2024)):
            shown = publish(candidate, 5)
            for m in range(len(candidate.measures)):
                if candidate.baseline_of and m % 3 == 2:
                    continue
                members = [r for r, row in enumerate(candidate.rows) if ALL not in row.labels]
                hidden = [r for r in members if shown.is_hidden(r, m)]
                assert len(hidden) != 1, (attempt, values, m)
            if candidate.baseline_of:
                for r in range(len(candidate.rows)):
                    years = [shown.is_hidden(r, 0), shown.is_hidden(r, 1)]
                    assert shown.is_hidden(r, 2) == any(years), (attempt, r)
