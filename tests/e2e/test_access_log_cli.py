"""access.log on the embedded hub: every read of case data is sealed first, verifiable, and answerable.

The hub holds one case whose signal names a person by a clear (synthetic) identifier and
carries free text; it is forwarded to the police at intake. Reads through `ketenhub view`
and `replay` must each leave processing records before anything is shown; a read whose record
cannot be written shows nothing; a changed or cut-off access.log is named by offset.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from connectors.sdk import CaseView, EmbeddedTransport, PartnerClient
from ketenhub.core.access_log import ReadNotRecorded
from ketenhub.core.access_query import access_entries
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.processing import Actor, ActorKind, ReadOperation, records_for
from ketenhub.core.verification import verify_log
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.access_store import SqliteAccessLog
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import read_all
from ketenhub.topics import ACCESS_CHECKPOINTS, ACCESS_LOG

CASE = "case-acc-1"
CLEAR_NAME = "Testpersoon Alfa"  # synthetic: a clear identifier as a partner's system holds it
CLEAR_TEXT = "slaapt in de opslagruimte van de winkel"
SIGNAL = {
    "type": "SignalReceived",
    "occurred_at": "2025-11-03T09:15:00+01:00",
    "case_id": CASE,
    "channel": "INTERNAL_ROUTE",
    "reporter_role": "CASEWORKER_WMO",
    "exploitation_forms": ["LABOUR"],
    "indicators": ["LIVES_AT_WORK"],
    "location": {"municipality_code": "GM1916", "area_code": "2264"},
    "persons": [CLEAR_NAME],
    "free_text": CLEAR_TEXT,
}


@pytest.fixture
def hub(ketenhub, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A hub with one signal (a clear identifier and text, pseudonymised and encrypted) forwarded to the police."""
    data_dir = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(data_dir))
    (tmp_path / "signal.jsonl").write_text(json.dumps(SIGNAL) + "\n")
    ketenhub("publish", "--as", "municipal-staff", "signal.jsonl", "--data-dir", str(data_dir))
    with EmbeddedHub(data_dir) as embedded:
        embedded.publish(Story().intake(CASE, outcome="FORWARD", forward_to="police"))
        assert embedded.run().sealed == 1
    shutil.copy(data_dir / "keys" / "hub-signing-key.pub.pem", tmp_path / "trusted.pub.pem")
    return data_dir


def person(data_dir: Path) -> str:
    """The pseudonym the hub gave the clear identifier."""
    protector = HubFolder(data_dir).protector()
    try:
        return protector.pseudonym(CLEAR_NAME)
    finally:
        protector.close()


def access_csv(ketenhub, data_dir: Path, *query: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The rows `ketenhub access-log ... --format csv` prints."""
    done = ketenhub("access-log", *query, "--format", "csv", "--data-dir", str(data_dir))
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_each_case_shown_is_recorded_first_with_who_what_why(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """`view` of a list and of a case leave a record per case shown: partner, operation, purpose, basis, pseudonyms."""
    ketenhub("view", "police", "--data-dir", str(hub))
    shown = ketenhub("view", "municipality", CASE, "--data-dir", str(hub))
    assert CLEAR_TEXT in shown.stdout  # the coordinator's view is decrypted for display
    rows = access_csv(ketenhub, hub, "--case", CASE)
    assert [(r["partner"], r["operation"], r["purpose"]) for r in rows] == [
        ("police", "cli.view.list", "CRIMINAL_INVESTIGATION"),
        ("municipality", "cli.view", "CASE_COORDINATION"),
    ]
    assert rows[0]["legal_basis"] == "Wpg art. 8" and rows[1]["legal_basis"] == "AVG art. 6(1)(e)"
    assert all(r["actor"] == "SYSTEM" and r["system"] == "cli" for r in rows)
    assert all(r["actor_id"].startswith("uid:") for r in rows)
    assert all(person(hub) in r["subjects"].split() for r in rows)
    assert [r["offset"] for r in rows] == ["0", "1"]


def test_records_hold_no_clear_personal_data(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """No stored byte of access.sqlite holds the clear identifier or the text that was read."""
    ketenhub("view", "municipality", CASE, "--data-dir", str(hub))
    ketenhub("replay", "--as-of", "2100-01-01", "--case", CASE, "--data-dir", str(hub))
    stored = (hub / "access.sqlite").read_bytes()
    wal = hub / "access.sqlite-wal"
    stored += wal.read_bytes() if wal.exists() else b""
    assert person(hub).encode() in stored  # the subject is there, by pseudonym only
    for clear in (CLEAR_NAME, CLEAR_TEXT, CLEAR_TEXT[:12]):
        assert clear.encode() not in stored and clear.encode("utf-16-le") not in stored


@pytest.mark.parametrize("breakage", ["garbage", "folder", "locked"])
def test_a_read_whose_record_cannot_be_written_shows_nothing(
    ketenhub, hub: Path, breakage: str
) -> None:  # type: ignore[no-untyped-def]
    """With access.sqlite unwritable (not a database, a folder, held by another writer) `view` fails, shows no case."""
    access = hub / "access.sqlite"
    holder = None
    if breakage == "garbage":
        access.write_bytes(b"\x00not a database" * 100)
    elif breakage == "folder":
        access.unlink()
        access.mkdir()
    else:
        holder = sqlite3.connect(access, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of its write
    try:
        done = ketenhub("view", "municipality", CASE, "--data-dir", str(hub), check=False)
        listed = ketenhub("view", "police", "--data-dir", str(hub), check=False)
    finally:
        if holder is not None:
            holder.close()
    assert done.returncode == 1
    assert done.stdout == "" and CASE not in done.stdout and CLEAR_TEXT not in done.stderr
    assert "the read was refused" in done.stderr and "access.log" in done.stderr
    assert listed.returncode == 1 and listed.stdout == ""
    if holder is not None:  # the other writer is done: reads are recorded again
        assert CASE in ketenhub("view", "police", "--data-dir", str(hub)).stdout


def _flip_byte(data_dir: Path, offset: int) -> None:
    with sqlite3.connect(data_dir / "access.sqlite") as db:
        query = 'SELECT value FROM records WHERE topic = ? AND "offset" = ?'
        (value,) = db.execute(query, (ACCESS_LOG, offset)).fetchone()
        changed = bytearray(value)
        changed[len(changed) // 2] ^= 0x01
        update = 'UPDATE records SET value = ? WHERE topic = ? AND "offset" = ?'
        db.execute(update, (bytes(changed), ACCESS_LOG, offset))


def test_verify_finds_a_changed_record_of_access_log_by_offset(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """One changed byte in access.log's second record: verify and access-log exit 1 naming access.log offset 1."""
    for _ in range(3):
        ketenhub("view", "municipality", CASE, "--data-dir", str(hub))
    pinned = ("--data-dir", str(hub), "--trusted-key", str(hub.parent / "trusted.pub.pem"))
    assert "access.log: 3 processing record(s)" in ketenhub("verify", *pinned).stdout
    _flip_byte(hub, 1)
    done = ketenhub("verify", *pinned, check=False)
    assert done.returncode == 1 and "TAMPERING DETECTED: access.log offset 1" in done.stderr
    asked = ketenhub("access-log", "--case", CASE, "--data-dir", str(hub), check=False)
    assert asked.returncode == 1 and "access.log offset 1" in asked.stderr and asked.stdout == ""


def test_verify_finds_access_log_cut_back(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """The last record deleted (its checkpoint kept, the recorded end lowered): verify names what is missing."""
    for _ in range(3):
        ketenhub("view", "municipality", CASE, "--data-dir", str(hub))
    with sqlite3.connect(hub / "access.sqlite") as db:
        db.execute('DELETE FROM records WHERE topic = ? AND "offset" = 2', (ACCESS_LOG,))
        db.execute("UPDATE topic_ends SET next_offset = 2 WHERE topic = ?", (ACCESS_LOG,))
    pinned = ("--data-dir", str(hub), "--trusted-key", str(hub.parent / "trusted.pub.pem"))
    done = ketenhub("verify", *pinned, check=False)
    assert done.returncode == 1
    assert "access.log checkpoint at tree size 3" in done.stderr
    assert "access.log holds only 2" in done.stderr


def test_checkpoints_removed_with_the_records_leave_no_record_unsigned(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Checkpoints deleted while records stay: the records are unsigned, which verify reports as tampering."""
    ketenhub("view", "municipality", CASE, "--data-dir", str(hub))
    with sqlite3.connect(hub / "access.sqlite") as db:
        db.execute("DELETE FROM records WHERE topic = ?", (ACCESS_CHECKPOINTS,))
        db.execute("UPDATE topic_ends SET next_offset = 0 WHERE topic = ?", (ACCESS_CHECKPOINTS,))
    pinned = ("--data-dir", str(hub), "--trusted-key", str(hub.parent / "trusted.pub.pem"))
    done = ketenhub("verify", *pinned, check=False)
    assert done.returncode == 1 and "access.log holds 1 records" in done.stderr
    refused = ketenhub("view", "municipality", CASE, "--data-dir", str(hub), check=False)
    assert refused.returncode == 1 and refused.stdout == ""


def test_access_log_answers_by_case_subject_partner_and_days(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """--case, --subject, --partner and --from/--to select exactly the matching reads; the table names the partners."""
    ketenhub("view", "police", CASE, "--data-dir", str(hub))
    ketenhub("view", "municipal-staff", "--data-dir", str(hub))
    ketenhub("replay", "--as-of", "2100-01-01", "--partner", "police", "--data-dir", str(hub))
    by_subject = access_csv(ketenhub, hub, "--subject", person(hub))
    assert {r["partner"] for r in by_subject} == {"police"}  # the staff's view holds no person
    assert [r["operation"] for r in by_subject] == ["cli.view", "cli.replay"]
    assert by_subject[1]["purpose"] == "ACCOUNTABILITY"
    by_partner = access_csv(ketenhub, hub, "--partner", "municipal-staff")
    assert [(r["case_id"], r["subjects"]) for r in by_partner] == [(CASE, "")]
    assert access_csv(ketenhub, hub, "--case", CASE, "--to", "2000-01-01") == []
    assert len(access_csv(ketenhub, hub, "--case", CASE, "--from", "2000-01-01")) == 3
    table = ketenhub("access-log", "--case", CASE, "--data-dir", str(hub)).stdout
    assert "3 read(s) by municipal-staff, police" in table
    nobody = ketenhub("access-log", "--case", "case-unknown", "--data-dir", str(hub)).stdout
    assert "no read in access.log matches" in nobody
    wrong = ketenhub("access-log", "--subject", CLEAR_NAME, "--data-dir", str(hub), check=False)
    assert wrong.returncode == 2 and CLEAR_NAME not in wrong.stderr


def test_purpose_must_come_from_the_registry(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """--purpose names a purpose of the registry's closed list; any other is refused before anything is shown."""
    chosen = ketenhub("view", "police", "--purpose", "EVALUATION", "--data-dir", str(hub))
    assert CASE in chosen.stdout
    assert access_csv(ketenhub, hub, "--partner", "police")[0]["purpose"] == "EVALUATION"
    done = ketenhub("view", "police", "--purpose", "CURIOSITY", "--data-dir", str(hub), check=False)
    assert done.returncode == 1 and "unknown read purpose 'CURIOSITY'" in done.stderr
    assert done.stdout == ""


def test_two_writers_at_once_keep_one_chain(tmp_path: Path) -> None:
    """Four writers on one access.sqlite, 25 reads each at the same time: 100 records, one intact chain, all signed."""
    key = generate_hub_key()
    path = tmp_path / "access.sqlite"
    actor = Actor(ActorKind.SYSTEM, "cli", partner="police", actor_id="uid:1")
    purpose = ("CRIMINAL_INVESTIGATION", "Wpg art. 8")
    failures: list[BaseException] = []

    def reads(writer: int) -> None:
        access = SqliteAccessLog(path, lambda: key)
        try:
            for n in range(25):
                cases = {f"case-{writer}-{n}": {}}
                access.record(records_for(cases, actor, ReadOperation.CLI_VIEW, purpose, _now()))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            access.close()

    threads = [threading.Thread(target=reads, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    access = SqliteAccessLog(path, lambda: key)
    reader = access.reader()
    report = verify_log(
        key.public_key(),
        read_all(reader, ACCESS_LOG),
        read_all(reader, ACCESS_CHECKPOINTS),
        log=ACCESS_LOG,
    )
    assert report.records == 100 and report.checkpoints == 100 and report.unsigned_tail == 0
    cases = {e.record.case_id for e in access_entries(read_all(reader, ACCESS_LOG))}
    assert len(cases) == 100
    access.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_the_sdks_views_are_recorded_before_they_are_handed_out(hub: Path) -> None:
    """views() and snapshot() leave a record per case (system sdk, the client's name); a failed write hands out none."""
    with PartnerClient("police", EmbeddedTransport(hub), name="police-follow") as police:
        assert [v.case_id for v in police.views() if isinstance(v, CaseView)] == [CASE]
        assert list(police.snapshot()) == [CASE]
        holder = sqlite3.connect(hub / "access.sqlite", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ReadNotRecorded, match="the read was refused"):
                police.snapshot()
        finally:
            holder.close()
    with EmbeddedHub(hub) as embedded:
        records = [e.record for e in access_entries(embedded.access_records())]
    assert [(r.operation.value, r.actor.system, r.actor.actor_id) for r in records] == [
        ("sdk.views", "sdk", "police-follow"),
        ("sdk.snapshot", "sdk", "police-follow"),
    ]
    assert all(r.actor.kind is ActorKind.PARTNER and r.case_id == CASE for r in records)
    assert all(person(hub) in r.subjects for r in records)


def test_archive_records_every_case_of_its_year_before_writing(
    ketenhub, hub: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """archive --year records each case of that year (ACCOUNTABILITY) first; a failed record writes no archive."""
    year = str(dt.datetime.now(dt.UTC).year)  # the fixture's hub sealed with the real clock
    out = tmp_path / "archive"
    ketenhub("archive", "--year", year, "--out", str(out), "--data-dir", str(hub))
    rows = access_csv(ketenhub, hub, "--case", CASE)
    assert [(r["operation"], r["purpose"], r["partner"]) for r in rows] == [
        ("cli.archive", "ACCOUNTABILITY", "-")
    ]
    assert person(hub) in rows[0]["subjects"].split()
    holder = sqlite3.connect(hub / "access.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        again = tmp_path / "again"
        done = ketenhub(
            "archive", "--year", year, "--out", str(again), "--data-dir", str(hub), check=False
        )
    finally:
        holder.close()
    assert done.returncode == 1 and not again.exists()


def test_the_evaluations_drilldown_records_the_cases_behind_its_figures(
    ketenhub, hub: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """evaluate (annual, trend) records each case behind a figure first; a failed record writes no report."""
    out = tmp_path / "report"
    ketenhub("evaluate", "--year", "2025", "--out", str(out), "--data-dir", str(hub))
    assert (out / "drilldown-internal.csv").exists()
    rows = access_csv(ketenhub, hub, "--case", CASE)
    assert [(r["operation"], r["purpose"]) for r in rows] == [
        ("evaluation.drilldown", "EVALUATION")
    ]
    assert person(hub) in rows[0]["subjects"].split()
    trend = ("evaluate", "--years", "2024-2025", "--out", str(tmp_path / "trend"))
    ketenhub(*trend, "--data-dir", str(hub))
    assert len(access_csv(ketenhub, hub, "--case", CASE)) == 2  # the trend's drill-down too
    holder = sqlite3.connect(hub / "access.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        again = tmp_path / "again"
        done = ketenhub(
            "evaluate", "--year", "2025", "--out", str(again), "--data-dir", str(hub), check=False
        )
    finally:
        holder.close()
    assert done.returncode == 1 and not (again / "drilldown-internal.csv").exists()
