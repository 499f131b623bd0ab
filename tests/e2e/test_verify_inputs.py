"""`ketenhub verify` accounts for every input the sealer consumed and refuses a log with records missing or damaged."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_tampering import tamper  # the insider's SQL on the log file

Run = Callable[..., subprocess.CompletedProcess[str]]
SIGNALS, REFUSED = 70, 3  # more than one checkpoint cadence (64) of sealed records


def signal_line(n: int, channel: str = "INTERNAL_ROUTE") -> str:
    """One synthetic signal by municipal staff, as a JSON line."""
    return json.dumps(
        {
            "type": "SignalReceived",
            "occurred_at": "2025-11-03T09:15:00+01:00",
            "case_id": f"case-inputs-{n:04d}",
            "channel": channel,
            "reporter_role": "CASEWORKER_WMO",
            "exploitation_forms": ["LABOUR"],
            "indicators": [],
            "location": {"municipality_code": "GM1916", "area_code": "2264"},
            "persons": [f"synthetic-person-{n}"],
        }
    )


@pytest.fixture(scope="module")
def built_hub(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A hub with 70 sealed signals and 3 refused ones, the same file published twice; its fingerprint."""
    root = tmp_path_factory.mktemp("inputs")
    data_dir = root / "hub"
    ketenhub = [sys.executable, "-m", "ketenhub"]
    init = subprocess.run(
        [*ketenhub, "init", "--data-dir", str(data_dir)], capture_output=True, text=True, check=True
    )
    fingerprint = next(w for w in init.stdout.split() if len(w) == 64)
    lines = [signal_line(n) for n in range(SIGNALS)]
    lines += [signal_line(100 + n, channel="POLICE") for n in range(REFUSED)]  # not authorised
    source = root / "signals.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    publish = [*ketenhub, "publish", "--as", "municipal-staff", str(source)]
    for _ in range(2):  # the second time: duplicates, and refused events already refused
        subprocess.run([*publish, "--data-dir", str(data_dir)], capture_output=True, check=False)
    return data_dir, fingerprint


@pytest.fixture
def hub(built_hub: tuple[Path, str], tmp_path: Path) -> Path:
    """A fresh copy of the built hub for one test to attack."""
    return Path(shutil.copytree(built_hub[0], tmp_path / "hub"))


@pytest.fixture
def verify(
    ketenhub: Run, built_hub: tuple[Path, str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run verify on a hub with the fingerprint printed by init pinned."""

    def run(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        pin = ("--trusted-key", built_hub[1], "--data-dir", str(data_dir))
        return ketenhub("verify", *pin, *extra, check=False)

    return run


def test_a_hub_with_duplicates_and_refusals_published_twice_verifies(verify, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Every input is accounted for: 70 sealed, 3 refused, the 73 re-published ones ignored; exit 0."""
    done = verify(hub, "--views")
    assert done.returncode == 0, done.stderr
    assert (
        "inputs: 146 consumed by the sealer, each decided once: 70 sealed, 3 refused, "
        "73 duplicate(s) ignored" in done.stdout
    )


def test_a_wiped_history_is_tampering(verify, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """audit.log, checkpoints and views deleted with their ends and positions: the consumed inputs are named."""
    wiped = "topic IN ('audit.log', 'audit.checkpoints') OR topic LIKE 'view.%'"
    tamper(
        hub,
        f"DELETE FROM records WHERE {wiped}",
        f"DELETE FROM topic_ends WHERE {wiped}",
        "DELETE FROM positions WHERE consumer_group = 'hub-projector'",
    )
    done = verify(hub, "--views")
    assert done.returncode == 1, done.stdout
    assert (
        "TAMPERING DETECTED: ingest.municipal-staff offsets 0-69: consumed by the sealer "
        "(its position is 146) but neither sealed, refused, nor a duplicate" in done.stderr
    )
    assert "ingest.municipal-staff offsets 73-142" in done.stderr  # the re-published copies


def test_a_deleted_rejection_is_tampering(verify, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """One rejected record deleted: as a gap in its topic, and with the topic's end moved back too."""
    tamper(hub, "DELETE FROM records WHERE topic = 'rejected.municipal-staff' AND offset = 1")
    gap = verify(hub, "--views")
    assert gap.returncode == 1
    assert "'rejected.municipal-staff': the record at offset 1 is missing" in gap.stderr

    tamper(
        hub,
        "UPDATE records SET offset = 1 WHERE topic = 'rejected.municipal-staff' AND offset = 2",
        "UPDATE topic_ends SET next_offset = 2 WHERE topic = 'rejected.municipal-staff'",
    )
    hidden = verify(hub)
    assert hidden.returncode == 1
    assert "ingest.municipal-staff offset 71: consumed by the sealer" in hidden.stderr
    assert "ingest.municipal-staff offset 144: consumed by the sealer" in hidden.stderr


def test_a_log_cut_below_its_recorded_end_is_tampering_and_run_says_why(
    ketenhub: Run, verify, hub: Path
) -> None:  # type: ignore[no-untyped-def]
    """audit.log cut to the checkpoint at 64, the one at 70 deleted: verify exits 1, run names the cut."""
    tamper(
        hub,
        "DELETE FROM records WHERE topic = 'audit.log' AND offset >= 64",
        "DELETE FROM records WHERE topic = 'audit.checkpoints' AND offset >= 1",
        "UPDATE topic_ends SET next_offset = 1 WHERE topic = 'audit.checkpoints'",
    )
    cut = "topic 'audit.log': its recorded end is offset 70 but its records stop before offset 64"
    done = verify(hub)
    assert done.returncode == 1, done.stdout
    assert f"TAMPERING DETECTED: {cut}: the records at offsets 64-69 were removed" in done.stderr
    ran = ketenhub("run", "--data-dir", str(hub), "--wait", "0", check=False)
    assert ran.returncode == 1 and cut in ran.stderr
    assert "another writer" not in ran.stderr and "Traceback" not in ran.stderr

    tamper(hub, "UPDATE topic_ends SET next_offset = 64 WHERE topic = 'audit.log'")
    hidden = verify(hub)
    assert hidden.returncode == 1
    assert "ingest.municipal-staff offsets 64-69: consumed by the sealer" in hidden.stderr


def test_a_view_key_stored_as_text_is_a_damaged_record(ketenhub: Run, verify, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """A view row whose key is TEXT: view and verify --views name topic and offset, no traceback."""
    tamper(
        hub,
        "UPDATE records SET key = CAST(key AS TEXT) "
        "WHERE topic = 'view.municipality' AND offset = 3",
    )
    shown = ketenhub("view", "municipality", "--data-dir", str(hub), check=False)
    checked = verify(hub, "--views")
    for done in (shown, checked):
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert (
            "topic 'view.municipality' offset 3: damaged record: the key is text, not a blob"
            in done.stderr
        )
