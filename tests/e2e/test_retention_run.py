"""`ketenhub retention run` on the demo's two years: what expired is shredded and shows as erased
everywhere, nothing else changes, the history still verifies and no stored byte keeps the text."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

VENV_KETENHUB = Path(sys.executable).parent / "ketenhub"
AS_OF = "2027-06-01"  # the fake clock of the run: a day on which many demo cases have expired
ENCRYPTED = ("free_text", "rationale", "summary")
LOGS: list[str] = []  # the structured logs (standard error) of every command, scanned at the end


def run_as_user(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` without KETENHUB_ variables, as a user would; keep its logs in LOGS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    done = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    LOGS.append(done.stderr)
    return done


def run(
    *args: str, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run this installation's ketenhub as a user would (no KETENHUB_ variables); keep its output."""
    done = run_as_user([str(VENV_KETENHUB), *args], cwd)
    if check and done.returncode != 0:
        pytest.fail(f"ketenhub {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo's hub (two years, each day sealed at its own time) and its key fingerprint."""
    folder = tmp_path_factory.mktemp("retention")
    printed = run("demo", "--data-dir", str(folder / "hub"), cwd=folder).stdout
    fingerprint = re.search(r"fingerprint \(SHA-256\): ([0-9a-f]{64})", printed)
    assert fingerprint is not None
    return folder / "hub", fingerprint[1]


def texts(view: Any) -> list[str]:
    """The decrypted free texts of a coordinator's view."""
    found = []
    for section in view.values():
        if isinstance(section, dict):
            found += [section[k] for k in ENCRYPTED if isinstance(section.get(k), str)]
    return found


def coordinator_texts(hub: Path, case: str) -> list[str]:
    """What ``ketenhub view municipality CASE`` shows of the case's free texts."""
    return texts(json.loads(run("view", "municipality", case, "--data-dir", str(hub)).stdout))


# `ketenhub view municipality CASE` for each case in turn, in one process: the command itself,
# each view recorded in access.log, its output ended by a record separator, its logs on stderr.
VIEW_EACH = """
import sys
from ketenhub.cli.main import cli
for case in sys.argv[2:]:
    cli.main(["view", "municipality", case, "--data-dir", sys.argv[1]], standalone_mode=False)
    print("\\x1e", flush=True)
"""


def coordinator_texts_of(hub: Path, cases: list[str]) -> dict[str, list[str]]:
    """What ``ketenhub view municipality CASE`` shows of each case's free texts."""
    done = run_as_user([sys.executable, "-c", VIEW_EACH, str(hub), *cases])
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split("\x1e\n")
    assert len(shown) == len(cases) + 1 and shown[-1] == "", done.stdout[-500:]
    return {case: texts(json.loads(view)) for case, view in zip(cases, shown[:-1], strict=True)}


def listed(printed: str) -> tuple[list[str], list[str]]:
    """The expired cases and the subjects a run lists."""
    cases = re.findall(r"^  (\S+)  expired \d{4}-\d\d-\d\d$", printed, re.MULTILINE)
    subjects = re.findall(r"^  (psn-[0-9a-f]{32})  retention: ", printed, re.MULTILINE)
    return cases, subjects


def key_store(hub: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows of the hub's subject key store."""
    with sqlite3.connect(hub / "keys" / "subjects.sqlite") as db:
        return list(db.execute(query))


def stored_bytes(*folders: Path) -> dict[Path, bytes]:
    """Every file under ``folders``, as bytes (SQLite files with their WAL, archives, reports)."""
    return {
        p: p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()
    }


def csv_tables(report: Path) -> dict[str, bytes]:
    """The report's CSV tables by name."""
    return {p.name: p.read_bytes() for p in sorted((report / "tables").glob("*.csv"))}


def test_a_run_erases_what_expired_and_nothing_else(demo: tuple[Path, str], tmp_path: Path) -> None:
    """Dry run lists without erasing; the run erases exactly that, with reasons; views, replay and
    an archive made before show the texts as erased; the chain, checkpoints and views verify;
    the evaluation's figures stay the same; no stored or logged byte holds an erased text or key."""
    hub, fingerprint = demo
    pin = ("--trusted-key", fingerprint, "--data-dir", str(hub))
    run("archive", "--year", "2025", "--out", str(tmp_path / "archive"), *pin)
    evaluate = ("evaluate", "--year", "2025", "--baseline", "2024", *pin)
    run(*evaluate, "--out", str(tmp_path / "before"))

    before = run("retention", "run", "--dry-run", "--as-of", AS_OF, *pin).stdout
    cases, subjects = listed(before)
    assert cases and subjects and "dry run: nothing erased" in before
    assert key_store(hub, "SELECT subject FROM erasures") == []
    erased_texts = coordinator_texts_of(hub, cases)
    plaintexts = [t for found in erased_texts.values() for t in found]
    assert plaintexts and "[erased]" not in plaintexts
    placeholders = ",".join("?" * len(subjects))
    with sqlite3.connect(hub / "keys" / "subjects.sqlite") as db:
        keys = [
            bytes(r[0])
            for r in db.execute(
                f"SELECT key FROM subject_keys WHERE subject IN ({placeholders})", subjects
            )
        ]
    assert len(keys) == len(subjects)
    board = run("view", "municipality", "--data-dir", str(hub)).stdout
    open_cases = [c for c in re.findall(r"^(case-\S+) ", board, re.MULTILINE) if c not in cases]
    kept = coordinator_texts_of(hub, open_cases[:12])
    kept_case, kept_texts = next((c, t) for c, t in kept.items() if t)
    assert "[erased]" not in kept_texts

    done = run("retention", "run", "--as-of", AS_OF, "--yes", *pin).stdout
    assert listed(done) == (cases, subjects)
    assert f"erased {len(subjects)} data subject(s)" in done
    reasons = dict(key_store(hub, "SELECT subject, reason FROM erasures"))
    assert sorted(reasons) == sorted(subjects)
    assert all(reason.startswith("retention: expired ") for reason in reasons.values())
    assert "nothing to erase" in run("retention", "run", "--as-of", AS_OF, "--yes", *pin).stdout

    after = coordinator_texts_of(hub, cases)
    for case in cases:  # what was readable is erased; a case with no text keeps none
        shown = after[case]
        assert len(shown) == len(erased_texts[case]) and set(shown) <= {"[erased]"}
    assert coordinator_texts(hub, kept_case) == kept_texts

    assert run("verify", "--views", *pin).returncode == 0
    case = next(c for c in cases if erased_texts[c] and c.startswith("case-2025-"))
    replayed = run("replay", "--as-of", "2025-12-31", "--case", case, *pin).stdout
    assert '"erased": true' in replayed
    archived = run(
        "replay",
        "--archive",
        str(tmp_path / "archive"),
        "--as-of",
        "2025-12-31",
        "--case",
        case,
        *pin,
    ).stdout
    assert '"erased": true' in archived

    run(*evaluate, "--out", str(tmp_path / "after"))
    assert csv_tables(tmp_path / "after") == csv_tables(tmp_path / "before")

    stored = stored_bytes(hub, tmp_path / "archive")
    assert any(p.name == "subjects.sqlite" for p in stored) and any(
        p.suffix == ".avro" for p in stored
    )
    logs = "\n".join([*LOGS, before, done]).encode()
    for text in set(plaintexts):
        needle = text.encode()
        assert needle not in logs, "an erased text is in a log or a retention run's output"
        assert not any(needle in content for content in stored.values()), "an erased text is stored"
    for key in keys:
        assert not any(key in content for content in stored.values()), "an erased key is stored"
