"""`ketenhub demo` loads a baseline year and the year itself, each day sealed at its own time."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ketenhub import topics
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.embedded.hub import EmbeddedHub

VENV_KETENHUB = Path(sys.executable).parent / "ketenhub"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One demo run (from a working folder of its own), and what it printed."""
    folder = tmp_path_factory.mktemp("history")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    done = subprocess.run(
        [str(VENV_KETENHUB), "demo", "--data-dir", str(folder / "hub")],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return folder / "hub", done.stdout


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run this installation's ketenhub as a user would, without KETENHUB_ variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    return subprocess.run(
        [str(VENV_KETENHUB), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


def then_try(printed: str) -> list[list[str]]:
    """The commands the demo prints under "Next, try:"."""
    lines = printed.split("Next, try:\n")[1].split("\n\n")[0].splitlines()
    return [shlex.split(line) for line in lines]


def test_sealing_times_follow_the_story_through_both_years(demo: tuple[Path, str]) -> None:
    """Records are sealed from January of the baseline year to December of the year, never going back."""
    with EmbeddedHub(demo[0]) as hub:
        sealed = [decode_sealed(r.value or b"", r.offset) for r in hub.records(topics.AUDIT_LOG)]
    times = [r.sealed_at for r in sealed]
    assert times == sorted(times)
    assert times[0].year == 2024 and times[-1].year == 2025
    by_year = {year: sum(t.year == year for t in times) for year in (2024, 2025)}
    assert by_year[2024] > 200 and by_year[2025] > by_year[2024]


def test_each_record_is_sealed_after_its_event_occurred_and_the_same_day_or_just_after(
    demo: tuple[Path, str],
) -> None:
    """No record is sealed before its event happened, nor more than a day after it."""
    from ketenhub.codec.single_object import decode_event

    with EmbeddedHub(demo[0]) as hub:
        for stored in hub.records(topics.AUDIT_LOG):
            record = decode_sealed(stored.value or b"", stored.offset)
            occurred = decode_event(record.payload).occurred_at
            assert occurred <= record.sealed_at < occurred + dt.timedelta(days=1), stored.offset


def test_every_command_the_demo_suggests_works_and_shows_something(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    """Each "then try" line runs as printed (no venv activated) and prints something."""
    hub, printed = demo
    commands = then_try(printed)
    assert len(commands) >= 8 and all(c[0] == str(VENV_KETENHUB) for c in commands)
    copy = tmp_path / "hub"
    shutil.copytree(hub, copy)  # publish changes the hub: every command runs on a copy
    shutil.copytree(Path(__file__).parents[2] / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    for command in commands:
        args = [str(copy) if a == str(hub) else a for a in command]
        done = subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        refused_on_purpose = "examples/signals.jsonl" in args  # its third line is refused
        assert done.returncode == (1 if refused_on_purpose else 0), (command, done.stderr)
        assert done.stdout.strip(), command
    assert (tmp_path / "ketenhub-report" / "report.html").exists()
    assert (tmp_path / "ketenhub-archive").is_dir()


def test_time_travel_to_mid_year_shows_part_of_the_history(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    """On 30 June 2025 some records were sealed, not all; police could see cases then."""
    hub, _ = demo
    done = run("replay", "--as-of", "2025-06-30", "--partner", "police", "--data-dir", str(hub))
    shown = json.loads(done.stdout)
    with EmbeddedHub(hub) as opened:
        total = opened.log.end_offset(topics.AUDIT_LOG)
    assert 0 < shown["records_sealed_by_then"] < total
    assert shown["views"] and "no record" not in done.stderr


def test_time_travel_before_the_first_record_says_so(demo: tuple[Path, str]) -> None:
    """Before the baseline year nothing was sealed: replay says so, naming the first sealing day."""
    done = run("replay", "--as-of", "2023-06-30", "--partner", "police", "--data-dir", str(demo[0]))
    assert json.loads(done.stdout)["records_sealed_by_then"] == 0
    assert "no record of audit.log was sealed by 2023-06-30" in done.stderr
    assert "by sealing time" in done.stderr and "the first was sealed on 2024-01-" in done.stderr


def test_an_archive_of_a_year_without_records_says_when_the_log_was_sealed(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    """Archiving 2023 fails with one line: by sealing time, and the first and last sealing days."""
    done = run(
        "archive",
        "--year",
        "2023",
        "--out",
        str(tmp_path / "a"),
        "--data-dir",
        str(demo[0]),
        check=False,
    )
    assert done.returncode == 1
    assert "no record of audit.log was sealed in 2023" in done.stderr
    assert (
        "the first was sealed on 2024-01-" in done.stderr and "the last on 2025-12-" in done.stderr
    )


def test_the_baseline_year_has_content_and_differs_from_the_year(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    """The 2024 baseline is no column of zeros: fewer signals and trainings than 2025, same kinds."""
    out = tmp_path / "r"
    run(
        "evaluate",
        "--year",
        "2025",
        "--baseline",
        "2024",
        "--out",
        str(out),
        "--data-dir",
        str(demo[0]),
    )
    with (out / "tables" / "signalling.led_to_action.csv").open() as stream:
        (row,) = list(csv.DictReader(stream))
    assert 0 < int(row["received 2024"]) < int(row["received 2025"])
    with (out / "tables" / "awareness.trained_internal.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    trained = [
        (int(r["professionals trained 2025"]), int(r["professionals trained 2024"])) for r in rows
    ]
    assert 0 < sum(b for _, b in trained) < sum(a for a, _ in trained)
