"""`ketenhub evaluate` on a demo hub: verified first, refused when tampered, the same bytes twice."""

from __future__ import annotations

import csv
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `ketenhub` fixture of conftest.py


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hub filled by `ketenhub demo` with the synthetic 2025 (shared, never modified)."""
    folder = tmp_path_factory.mktemp("evaluate") / "hub"
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", "demo", "--data-dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.split("Hub public key fingerprint (SHA-256): ")[1].split()[0]
    (folder.parent / "pinned-fingerprint").write_text(printed + "\n")  # kept outside the hub
    return folder


@pytest.fixture
def tampered_hub(demo_hub: Path, tmp_path: Path) -> Path:
    """A copy of the demo hub with one byte of the sealed record at offset 11 flipped."""
    copy = tmp_path / "tampered"
    shutil.copytree(demo_hub, copy)
    with sqlite3.connect(copy / "log.sqlite") as db:
        (value,) = db.execute(
            "SELECT value FROM records WHERE topic = 'audit.log' AND offset = 11"
        ).fetchone()
        changed = bytearray(value)
        changed[80] ^= 0x20
        db.execute(
            "UPDATE records SET value = ? WHERE topic = 'audit.log' AND offset = 11",
            (bytes(changed),),
        )
    return copy


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_report_is_byte_identical_when_built_twice(
    ketenhub: Run, demo_hub: Path, tmp_path: Path
) -> None:
    """Two runs over the same history give the same bytes in every file, charts included."""
    for out in ("first", "second"):
        ketenhub(
            "evaluate",
            "--year",
            "2025",
            "--baseline",
            "2024",
            "--out",
            str(tmp_path / out),
            "--data-dir",
            str(demo_hub),
        )
    first, second = files(tmp_path / "first"), files(tmp_path / "second")
    assert first == second
    assert {"report.html", "report.md", "drilldown-internal.csv", "SHA256SUMS"} <= set(first)
    assert sum(name.startswith("tables/") for name in first) == 33
    assert any(name.startswith("charts/") for name in first)


def test_the_report_states_what_it_was_verified_against(
    ketenhub: Run, demo_hub: Path, tmp_path: Path
) -> None:
    """The report names the checkpoint (tree size and root), the schema fingerprints and the code."""
    ketenhub(
        "evaluate",
        "--year",
        "2025",
        "--out",
        str(tmp_path / "r"),
        "--language",
        "en",
        "--data-dir",
        str(demo_hub),
    )
    pin = str(demo_hub.parent / "pinned-fingerprint")
    verified = ketenhub("verify", "--data-dir", str(demo_hub), "--trusted-key", pin).stdout
    root = verified.split("root ")[1].split(",")[0]
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert "949 sealed records" in markdown and "tree size 949" in markdown and root in markdown
    assert "SignalReceived v2 (" in markdown and "ReferralMade v2 (" in markdown
    assert "VictimIdentified v2 (" in markdown
    assert "ketenhub 0.1.0, git commit " in markdown
    assert "UNVERIFIED" not in markdown


def test_the_sums_file_matches_every_file(ketenhub: Run, demo_hub: Path, tmp_path: Path) -> None:
    """SHA256SUMS lists each file of the report with its hash."""
    out = tmp_path / "r"
    ketenhub("evaluate", "--year", "2025", "--out", str(out), "--data-dir", str(demo_hub))
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_published_tables_suppress_what_the_drilldown_keeps(
    ketenhub: Run, demo_hub: Path, tmp_path: Path
) -> None:
    """A suppressed cell of a published CSV has its exact value and event ids in the drill-down."""
    out = tmp_path / "r"
    ketenhub("evaluate", "--year", "2025", "--out", str(out), "--data-dir", str(demo_hub))
    with (out / "drilldown-internal.csv").open() as stream:
        drill = list(csv.DictReader(stream))
    hidden = [r for r in drill if r["published"] == "<5"]
    assert hidden and all(1 <= int(r["value"]) <= 4 and r["event_ids"] for r in hidden)
    sample = hidden[0]
    with (out / "tables" / f"{sample['table']}.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert any(row[sample["measure"]] == "<5" for row in rows)
    assert "<5" not in {r["value"] for r in drill}


def test_a_tampered_hub_is_refused_naming_the_offset(
    ketenhub: Run, tampered_hub: Path, demo_hub: Path, tmp_path: Path
) -> None:
    """One flipped byte at offset 11: exit 1, one line naming the offset, no report written."""
    out = tmp_path / "r"
    done = ketenhub(
        "evaluate",
        "--year",
        "2025",
        "--out",
        str(out),
        "--data-dir",
        str(tampered_hub),
        "--trusted-key",
        str(demo_hub.parent / "pinned-fingerprint"),
        check=False,
    )
    assert done.returncode == 1
    assert "offset 11" in done.stderr and "--allow-unverified" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_allow_unverified_builds_it_and_marks_every_page(
    ketenhub: Run, tampered_hub: Path, tmp_path: Path
) -> None:
    """Every HTML, Markdown and chart says NIET GEVERIFIEERD and why; every CSV UNVERIFIED."""
    out = tmp_path / "r"
    done = ketenhub(
        "evaluate",
        "--year",
        "2025",
        "--out",
        str(out),
        "--data-dir",
        str(tampered_hub),
        "--allow-unverified",
    )
    assert "UNVERIFIED" in done.stderr and "offset 11" in done.stderr
    built = files(out)
    for name, data in built.items():
        text = data.decode()
        if name.endswith(".csv"):
            assert text.startswith("# UNVERIFIED") and "offset 11" in text.splitlines()[0], name
        elif name.endswith(".md"):
            assert text.startswith("**NIET GEVERIFIEERD"), name
        elif name.endswith(".html"):
            assert '<p class="unverified">NIET GEVERIFIEERD' in text
            assert "<title>NIET GEVERIFIEERD" in text
        elif name.endswith(".svg"):
            assert "<!-- NIET GEVERIFIEERD - " in text, name  # the title, drawn as glyph paths
    assert built["report.html"].decode().count("NIET GEVERIFIEERD") >= 3


def test_every_command_explains_itself(ketenhub: Run) -> None:
    """archive, replay and evaluate have a --help naming their main options."""
    for command, option in (
        ("archive", "--year"),
        ("replay", "--as-of"),
        ("evaluate", "--allow-unverified"),
    ):
        done = ketenhub(command, "--help")
        assert option in done.stdout and "--data-dir" in done.stdout and "--kafka" in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--year", "twenty"), "'twenty' is not a valid integer"),
        (("--year", "2025"), "Missing option '--out'"),
        (("--year", "2025", "--baseline", "2025", "--out", "x"), "must differ"),
    ],
)
def test_bad_input_fails_with_one_clear_line(
    ketenhub: Run, demo_hub: Path, args: tuple[str, ...], expected: str
) -> None:
    """Wrong values are refused before any work, saying what is wrong."""
    done = ketenhub("evaluate", *args, "--data-dir", str(demo_hub), check=False)
    assert done.returncode != 0 and expected in done.stderr


def test_a_missing_hub_is_one_clear_line(ketenhub: Run, tmp_path: Path) -> None:
    """Evaluating a folder without a hub says how to make one."""
    done = ketenhub(
        "evaluate",
        "--year",
        "2025",
        "--out",
        "r",
        "--data-dir",
        str(tmp_path / "none"),
        check=False,
    )
    assert done.returncode == 1 and "no embedded hub" in done.stderr
