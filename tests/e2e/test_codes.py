"""A data folder's own codes.toml is the vocabulary its hub enforces and `ketenhub codes` shows."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]
SHIPPED = Path(__file__).parents[2] / "ketenhub" / "config" / "codes.toml"


def signal(case_id: str, indicator: str) -> str:
    return json.dumps(
        {
            "type": "SignalReceived",
            "occurred_at": "2025-11-03T09:15:00+01:00",
            "case_id": case_id,
            "channel": "INTERNAL_ROUTE",
            "reporter_role": "CASEWORKER_WMO",
            "exploitation_forms": ["LABOUR"],
            "indicators": [indicator],
            "location": {"municipality_code": "GM1916", "area_code": "2264"},
            "persons": [],
        }
    )


def test_a_data_folders_own_code_list_is_enforced_and_listed(ketenhub: Run, tmp_path: Path) -> None:
    """Without a partners.toml of its own, the folder's codes.toml still replaces the shipped lists."""
    hub = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(hub))
    shipped = SHIPPED.read_text(encoding="utf-8")
    own = re.sub(r'"LIVES_AT_WORK", ', "", shipped.split("# Kinds of action")[0], count=2)
    own += "# Kinds of action" + shipped.split("# Kinds of action")[1]
    (hub / "codes.toml").write_text(own, encoding="utf-8")

    listed = ketenhub("codes", "indicators", "--data-dir", str(hub)).stdout
    assert "NO_ID_PAPERS" in listed and "LIVES_AT_WORK" not in listed

    source = tmp_path / "signals.jsonl"
    source.write_text(
        signal("case-codes-0001", "NO_ID_PAPERS")
        + "\n"
        + signal("case-codes-0002", "LIVES_AT_WORK")
        + "\n",
        encoding="utf-8",
    )
    done = ketenhub(
        "publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub), check=False
    )
    assert done.returncode == 1 and "INVALID_VALUE" in done.stderr and "indicators" in done.stderr
    assert "refused 1 bad line(s)" in done.stdout and "refused line 2: " in done.stderr
    assert "sealed 1, rejected 0" in done.stdout
