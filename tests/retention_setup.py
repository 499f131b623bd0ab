"""What the retention tests on both runtimes share: synthetic `ketenhub publish` lines of a
signal, and the erasures the hub's key store recorded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def line(**fields: object) -> str:
    """A JSON line of ``ketenhub publish`` (without its line end)."""
    return json.dumps(fields)


def signal_line(case_id: str, person: str, text: str, occurred_at: str) -> str:
    """A synthetic labour-exploitation signal about ``person``, its text keyed to the person."""
    return line(
        type="SignalReceived",
        occurred_at=occurred_at,
        case_id=case_id,
        channel="INTERNAL_ROUTE",
        reporter_role="CASEWORKER_WMO",
        exploitation_forms=["LABOUR"],
        indicators=[],
        location={"municipality_code": "GM1916", "area_code": "2264"},
        persons=[person],
        free_text=text,
    )


def erasures(data_dir: Path) -> dict[str, str]:
    """The data subjects a hub's key store erased, with the reason recorded for each."""
    with sqlite3.connect(data_dir / "keys" / "subjects.sqlite") as db:
        return dict(db.execute("SELECT subject, reason FROM erasures"))
