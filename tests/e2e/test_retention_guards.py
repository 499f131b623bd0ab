"""`ketenhub retention run` is not fooled by a tampered log: a changed byte erases nothing, and a
close forged onto the end of the chain (no signed checkpoint covers it) erases nothing it names."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from ketenhub.codec.single_object import encode_event
from ketenhub.contract import models as m
from ketenhub.core.sealing import ChainHead, decode_sealed, encode_sealed, seal

Run = Callable[..., subprocess.CompletedProcess[str]]
TEXTS = {
    "case-guard-0001": "Synthetic text alpha about a worker sleeping in a shed.",
    "case-guard-0002": "Synthetic text bravo about long nights in a kitchen.",
}


def signal(case: str, person: str) -> str:
    return json.dumps(
        {
            "type": "SignalReceived",
            "occurred_at": "2021-02-01T09:00:00+01:00",
            "case_id": case,
            "channel": "INTERNAL_ROUTE",
            "reporter_role": "CASEWORKER_WMO",
            "exploitation_forms": ["LABOUR"],
            "indicators": [],
            "location": {"municipality_code": "GM1916", "area_code": "2264"},
            "persons": [person],
            "free_text": TEXTS[case],
        }
    )


@pytest.fixture
def hub(ketenhub: Run, tmp_path: Path) -> Path:
    """Two signals of 2021, the first case closed at once, the second still open."""
    folder = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(folder))
    staff = tmp_path / "staff.jsonl"
    staff.write_text(
        signal("case-guard-0001", "synthetic-person-a")
        + "\n"
        + signal("case-guard-0002", "synthetic-person-b")
        + "\n",
        encoding="utf-8",
    )
    close = tmp_path / "close.jsonl"
    close.write_text(
        json.dumps(
            {
                "type": "CaseClosed",
                "occurred_at": "2021-02-03T09:00:00+01:00",
                "case_id": "case-guard-0001",
                "reason": "NOT_TRAFFICKING",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    ketenhub("publish", "--as", "municipal-staff", str(staff), "--data-dir", str(folder))
    ketenhub("publish", "--as", "municipality", str(close), "--data-dir", str(folder))
    return folder


def shown_text(ketenhub: Run, hub: Path, case: str) -> str:
    view = json.loads(ketenhub("view", "municipality", case, "--data-dir", str(hub)).stdout)
    return str(view["signal"]["free_text"])


def erasures(hub: Path) -> list[str]:
    with sqlite3.connect(hub / "keys" / "subjects.sqlite") as db:
        return [row[0] for row in db.execute("SELECT subject FROM erasures")]


def forge_close(hub: Path, case: str) -> None:
    """Append a CaseClosed of ``case`` to audit.log with a correct hash chain, as someone who can
    write the log file could (no checkpoint signs it: that takes the hub's key)."""
    with sqlite3.connect(hub / "log.sqlite") as db:
        offset, value, headers = db.execute(
            "SELECT \"offset\", value, headers FROM records WHERE topic = 'audit.log' "
            'ORDER BY "offset" DESC LIMIT 1'
        ).fetchone()
        last = decode_sealed(bytes(value), offset)
        event = m.CaseClosed(
            event_id=uuid.uuid4(),
            occurred_at=dt.datetime(2021, 2, 4, tzinfo=dt.UTC),
            recorded_by="municipality",
            case_id=case,
            reason="NOT_TRAFFICKING",
        )
        head = ChainHead(last.sequence + 1, last.hash)
        record = seal(head, "municipality", event, encode_event(event), event.occurred_at)
        db.execute(
            'INSERT INTO records (topic, "offset", timestamp_us, key, value, headers) '
            "VALUES ('audit.log', ?, 0, NULL, ?, ?)",
            (record.sequence, encode_sealed(record), headers),
        )
        db.execute(
            "UPDATE topic_ends SET next_offset = ? WHERE topic = 'audit.log'",
            (record.sequence + 1,),
        )


def test_a_forged_close_after_the_last_checkpoint_erases_nothing_it_names(
    ketenhub: Run, hub: Path
) -> None:
    """The forged close of the open case is left for a later run; the genuinely closed case is
    erased; the open case's text stays readable."""
    forge_close(hub, "case-guard-0002")
    done = ketenhub("retention", "run", "--as-of", "2030-01-01", "--yes", "--data-dir", str(hub))
    assert "case-guard-0002" not in done.stdout
    assert "1 record(s) after the last signed checkpoint left for a later run" in done.stdout
    assert len(erasures(hub)) == 1
    assert shown_text(ketenhub, hub, "case-guard-0001") == "[erased]"
    assert shown_text(ketenhub, hub, "case-guard-0002") == TEXTS["case-guard-0002"]


def test_a_changed_byte_stops_the_run_before_any_erasure(ketenhub: Run, hub: Path) -> None:
    """A record changed under its checkpoint: one line naming the failure, exit 1, no erasure."""
    with sqlite3.connect(hub / "log.sqlite") as db:
        (value,) = db.execute(
            "SELECT value FROM records WHERE topic = 'audit.log' AND \"offset\" = 1"
        ).fetchone()
        changed = bytearray(value)
        changed[40] ^= 0x01
        db.execute(
            "UPDATE records SET value = ? WHERE topic = 'audit.log' AND \"offset\" = 1",
            (bytes(changed),),
        )
    done = ketenhub(
        "retention", "run", "--as-of", "2030-01-01", "--yes", "--data-dir", str(hub), check=False
    )
    assert done.returncode == 1
    assert "verification failed" in done.stderr and "Traceback" not in done.stderr
    assert erasures(hub) == []
