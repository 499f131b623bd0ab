"""`ketenhub archive`: Avro container files any Avro library reads, verified, refused when tampered."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import fastavro
import pytest
from avro.datafile import DataFileReader
from avro.io import DatumReader

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests

from ketenhub import topics
from ketenhub.cli.sources import EmbeddedSource
from ketenhub.contract.schemas import crc64_fingerprint
from ketenhub.core.sealing import decode_sealed, sealed_record_schema
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import read_all
from replay.archive import check_against_live
from replay.sources import ArchiveSource
from replay.verify import VerificationFailed, verify_source

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `ketenhub` fixture of conftest.py

NEW_YEAR = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def ticking_clock(start: dt.datetime, step: dt.timedelta) -> Callable[[], dt.datetime]:
    """A hub clock that moves ``step`` on at every reading: sealing crosses the new year mid-run."""
    moments = (start + n * step for n in range(10**6))
    return lambda: next(moments)


def build_hub(folder: Path, count: int = 30, case: str = "case") -> Path:
    """A hub whose first ~20 records are sealed on 31 December 2024, the rest on 1 January 2025."""
    story = Chronicle()
    clock = ticking_clock(dt.datetime(2024, 12, 31, 22, 20, tzinfo=dt.UTC), dt.timedelta(minutes=5))
    with EmbeddedHub(folder, create=True, checkpoint_every=8, clock=clock) as hub:
        for n in range(count):
            hub.publish(story.signal(f"{case}-{n}", at(2024, 12, 1) + dt.timedelta(hours=n)))
        assert hub.run().sealed == count
    return folder


def live_records(folder: Path) -> list[dict[str, object]]:
    """The sealed records of the live log, decoded."""
    with EmbeddedHub(folder) as hub:
        return [
            decode_sealed(r.value or b"", r.offset).datum()
            for r in read_all(hub.log, topics.AUDIT_LOG)
        ]


@pytest.fixture(scope="module")
def hub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live hub shared by the tests of this module (never modified)."""
    return build_hub(tmp_path_factory.mktemp("archive") / "hub")


@pytest.fixture
def archive_2024(ketenhub: Run, hub_dir: Path, tmp_path: Path) -> Path:
    """A fresh archive of 2024 written by the command."""
    out = tmp_path / "archive"
    done = ketenhub("archive", "--year", "2024", "--out", str(out), "--data-dir", str(hub_dir))
    assert "consistent with the live log" in done.stdout
    return out


def first_2025(records: list[dict[str, object]]) -> int:
    """The offset of the first record sealed in 2025."""
    return next(int(str(r["sequence"])) for r in records if r["sealed_at"] >= NEW_YEAR)  # type: ignore[operator]


def test_the_archive_is_readable_by_its_owner_only(archive_2024: Path) -> None:
    """The archive holds the sealed log of a year: its folder is 0700 and its files 0600, as the hub's."""
    assert stat.S_IMODE(archive_2024.stat().st_mode) == 0o700
    files = list(archive_2024.iterdir())
    assert len(files) == 4 and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}


def test_the_archive_decodes_with_the_apache_avro_library(
    archive_2024: Path, hub_dir: Path
) -> None:
    """DataFileReader reads exactly the records sealed in 2024, field for field, schema embedded."""
    live = live_records(hub_dir)
    end = first_2025(live)
    with (archive_2024 / "audit-2024.records.avro").open("rb") as stream:
        reader = DataFileReader(stream, DatumReader())
        schema = json.loads(reader.get_meta("avro.schema") or b"{}")
        archived = list(reader)
    assert crc64_fingerprint(fastavro.parse_schema(schema)) == sealed_record_schema().fingerprint
    assert 0 < end < len(live) and end % 8 != 0  # the year ends between two checkpoints
    assert archived == live[:end]


def test_the_checkpoints_decode_with_the_apache_avro_library(
    archive_2024: Path, hub_dir: Path
) -> None:
    """The checkpoint file holds the signed checkpoints inside 2024 and the first one after it."""
    end = first_2025(live_records(hub_dir))
    with (archive_2024 / "audit-2024.checkpoints.avro").open("rb") as stream:
        sizes = [c["tree_size"] for c in DataFileReader(stream, DatumReader())]  # type: ignore[index]  # avro's records are untyped
    assert sizes == [*range(8, end + 1, 8), (end // 8 + 1) * 8]


def test_the_archive_verifies_on_its_own_with_a_consistency_proof_at_its_end(
    archive_2024: Path,
) -> None:
    """The archive alone proves its records are the first ones of the signed log."""
    manifest = json.loads((archive_2024 / "audit-2024.manifest.json").read_text())
    verified = verify_source(ArchiveSource(archive_2024))
    assert manifest["tail"]["tree_size"] > manifest["end_offset"] and manifest["tail"]["proof"]
    assert (
        verified.checkpoint is not None
        and verified.checkpoint.tree_size == manifest["tail"]["tree_size"]
    )


def test_two_archived_years_evaluate_as_the_live_log_does(
    ketenhub: Run, hub_dir: Path, archive_2024: Path
) -> None:
    """Archives of 2024 and 2025 in one folder read as one log: the same evaluation, byte for byte."""
    ketenhub("archive", "--year", "2025", "--out", str(archive_2024), "--data-dir", str(hub_dir))
    base = archive_2024.parent
    ketenhub("evaluate", "--year", "2024", "--out", str(base / "live"), "--data-dir", str(hub_dir))
    ketenhub(
        "evaluate", "--year", "2024", "--out", str(base / "arch"), "--archive", str(archive_2024)
    )
    names = sorted(p.relative_to(base / "live") for p in (base / "live").rglob("*") if p.is_file())
    assert names and all(
        (base / "live" / n).read_bytes() == (base / "arch" / n).read_bytes() for n in names
    )


def rewrite_records(folder: Path, change: Callable[[list[dict[str, object]]], None]) -> None:
    """Rewrite the 2024 records file with ``change`` applied to its records (same schema)."""
    path = folder / "audit-2024.records.avro"
    with path.open("rb") as stream:
        reader = fastavro.reader(stream)
        schema, records = reader.writer_schema, list(reader)
    change(records)  # type: ignore[arg-type]
    with path.open("wb") as out:
        fastavro.writer(out, schema, records)


def test_an_altered_record_is_refused_naming_its_offset(
    ketenhub: Run, archive_2024: Path, hub_dir: Path
) -> None:
    """One changed byte in the payload of record 5 makes --check exit 1 naming offset 5."""

    def flip(records: list[dict[str, object]]) -> None:
        payload = bytearray(records[5]["payload"])  # type: ignore[call-overload]  # bytes, typed as object
        payload[-3] ^= 0x01
        records[5]["payload"] = bytes(payload)

    rewrite_records(archive_2024, flip)
    pin = str(hub_dir / "keys" / "hub-signing-key.pub.pem")
    done = ketenhub(
        "archive",
        "--check",
        str(archive_2024),
        "--data-dir",
        str(hub_dir),
        "--trusted-key",
        pin,
        check=False,
    )
    assert done.returncode == 1
    assert "offset 5" in done.stderr and "does not match its hash" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_removed_record_is_refused(ketenhub: Run, archive_2024: Path, hub_dir: Path) -> None:
    """Deleting record 3 from the file breaks the chain at offset 3."""

    def remove(records: list[dict[str, object]]) -> None:
        del records[3]

    rewrite_records(archive_2024, remove)
    pin = str(hub_dir / "keys" / "hub-signing-key.pub.pem")
    done = ketenhub(
        "archive",
        "--check",
        str(archive_2024),
        "--data-dir",
        str(hub_dir),
        "--trusted-key",
        pin,
        check=False,
    )
    assert done.returncode == 1 and "offset 3" in done.stderr


def test_rehashed_records_fail_the_signed_checkpoints(archive_2024: Path) -> None:
    """Recomputing the chain after a change does not help: the signed Merkle root no longer matches."""
    from dataclasses import replace

    from ketenhub.core.sealing import GENESIS_HASH, compute_hash
    from replay.archive_format import record_from_datum

    def forge(records: list[dict[str, object]]) -> None:
        previous = GENESIS_HASH
        for datum in records:
            record = record_from_datum(datum)
            if record.sequence == 2:
                record = replace(record, partner="police")
            record = replace(record, prev_hash=previous)
            record = replace(record, hash=compute_hash(record))
            datum.update(record.datum())
            previous = record.hash

    rewrite_records(archive_2024, forge)
    with pytest.raises(VerificationFailed, match="between offsets 0 and 7"):
        verify_source(ArchiveSource(archive_2024))


def test_corrupt_container_bytes_are_refused(
    ketenhub: Run, archive_2024: Path, hub_dir: Path
) -> None:
    """Bytes flipped inside the compressed block make the file unreadable, said in one line."""
    path = archive_2024 / "audit-2024.records.avro"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    pin = str(hub_dir / "keys" / "hub-signing-key.pub.pem")
    done = ketenhub(
        "archive",
        "--check",
        str(archive_2024),
        "--data-dir",
        str(hub_dir),
        "--trusted-key",
        pin,
        check=False,
    )
    assert done.returncode == 1
    assert "audit-2024.records.avro" in done.stderr or "offset" in done.stderr


def test_a_forged_frontier_in_the_manifest_is_refused(archive_2024: Path) -> None:
    """The anchor is checked against the signed roots too: a different frontier fails."""
    path = archive_2024 / "audit-2024.manifest.json"
    manifest = json.loads(path.read_text())
    manifest["frontier"] = (
        "4b4d460100000000000000010000000000000000000000000000000000000000000000000000000000000000"
    )
    path.write_text(json.dumps(manifest))
    with pytest.raises(VerificationFailed, match="frontier covers 1 records"):
        verify_source(ArchiveSource(archive_2024))


def test_an_archive_of_another_log_is_not_consistent_with_the_live_one(
    archive_2024: Path, tmp_path: Path
) -> None:
    """The consistency proof against another hub's latest checkpoint fails."""
    other = build_hub(tmp_path / "other", count=40, case="other")
    verified = verify_source(ArchiveSource(archive_2024))
    with (
        EmbeddedSource(other) as live,
        pytest.raises(VerificationFailed, match="not part of the live log"),
    ):
        check_against_live(verified, live)


def test_archiving_a_year_without_records_is_refused(
    ketenhub: Run, hub_dir: Path, tmp_path: Path
) -> None:
    """Nothing was sealed in 2019: one clear line, no files."""
    done = ketenhub(
        "archive",
        "--year",
        "2019",
        "--out",
        str(tmp_path / "a"),
        "--data-dir",
        str(hub_dir),
        check=False,
    )
    assert done.returncode == 1 and "no record of audit.log was sealed in 2019" in done.stderr
    assert not (tmp_path / "a").exists()


def test_a_tampered_live_log_is_not_archived(ketenhub: Run, hub_dir: Path, tmp_path: Path) -> None:
    """The live log is verified before anything is written."""
    import sqlite3

    copy = tmp_path / "hub"
    shutil.copytree(hub_dir, copy)
    with sqlite3.connect(copy / "log.sqlite") as db:
        db.execute("DELETE FROM records WHERE topic = 'audit.log' AND offset = 4")
    done = ketenhub(
        "archive",
        "--year",
        "2024",
        "--out",
        str(tmp_path / "a"),
        "--data-dir",
        str(copy),
        check=False,
    )
    assert done.returncode == 1 and "offset 4" in done.stderr
    assert not (tmp_path / "a").exists()


def test_a_later_year_alone_verifies_from_its_anchor(
    ketenhub: Run, hub_dir: Path, tmp_path: Path
) -> None:
    """The 2025 archive starts mid-log: its anchor (hash and frontier before it) ties it to the roots."""
    out = tmp_path / "only-2025"
    ketenhub("archive", "--year", "2025", "--out", str(out), "--data-dir", str(hub_dir))
    manifest = json.loads((out / "audit-2025.manifest.json").read_text())
    verified = verify_source(ArchiveSource(out))
    assert manifest["first_offset"] > 0 and manifest["frontier"] != "4b4d46010000000000000000"
    assert (verified.first_offset, verified.end_offset) == (manifest["first_offset"], 30)
    assert verified.checkpoint is not None and verified.checkpoint.tree_size == 30
