"""`ketenhub erase` shreds what it names, refuses what it cannot find, and never stores a clear identifier."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ketenhub.core.personal_data import passes_eleven_test

Run = Callable[..., subprocess.CompletedProcess[str]]
TEXT_OF_PERSON = "Synthetic remark about the person: works nights in the back room."
TEXT_OF_CASE = "Synthetic remark about the premises: many mattresses upstairs."


def synthetic_bsn(start: int) -> str:
    """The first nine-digit number from ``start`` that passes the eleven-test."""
    number = start
    while not passes_eleven_test(str(number)):
        number += 1
    return str(number)


BSN = synthetic_bsn(123_400_000)


def signal(case_id: str, persons: list[str], text: str) -> str:
    return json.dumps(
        {
            "type": "SignalReceived",
            "occurred_at": "2025-11-03T09:15:00+01:00",
            "case_id": case_id,
            "channel": "INTERNAL_ROUTE",
            "reporter_role": "CASEWORKER_WMO",
            "exploitation_forms": ["LABOUR"],
            "indicators": [],
            "location": {"municipality_code": "GM1916", "area_code": "2264"},
            "persons": persons,
            "free_text": text,
        }
    )


@pytest.fixture
def hub(ketenhub: Run, tmp_path: Path) -> Path:
    """A hub with a signal about a person (by BSN) and one keyed to its case only."""
    folder = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(folder))
    source = tmp_path / "signals.jsonl"
    source.write_text(
        signal("case-erase-0001", [BSN], TEXT_OF_PERSON)
        + "\n"
        + signal("case-erase-0002", [], TEXT_OF_CASE)
        + "\n",
        encoding="utf-8",
    )
    ketenhub("publish", "--as", "municipal-staff", str(source), "--data-dir", str(folder))
    source.unlink()  # the clear input is the partner's, not the hub's
    return folder


def free_text(ketenhub: Run, hub: Path, case: str) -> str:
    shown = ketenhub("view", "municipality", case, "--data-dir", str(hub)).stdout
    return str(json.loads(shown)["signal"]["free_text"])


def erasures(hub: Path) -> list[str]:
    with sqlite3.connect(hub / "keys" / "subjects.sqlite") as db:
        return [row[0] for row in db.execute("SELECT subject FROM erasures")]


def subject_keys(hub: Path) -> list[bytes]:
    with sqlite3.connect(hub / "keys" / "subjects.sqlite") as db:
        return [bytes(row[0]) for row in db.execute("SELECT key FROM subject_keys")]


def every_stored_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_erase_by_identifier_shreds_the_person_and_stores_only_the_pseudonym(
    ketenhub: Run, hub: Path
) -> None:
    """--identifier reads the BSN from the prompt, erases its pseudonym's key; no byte anywhere holds the BSN or key."""
    assert free_text(ketenhub, hub, "case-erase-0001") == TEXT_OF_PERSON
    keys_before = subject_keys(hub)

    done = ketenhub("erase", "--identifier", "--yes", "--data-dir", str(hub), input_text=BSN + "\n")

    assert "erased the key of psn-" in done.stdout and BSN not in done.stdout + done.stderr
    assert "Warning" not in done.stderr and "getpass" not in done.stderr  # piped: read quietly
    assert free_text(ketenhub, hub, "case-erase-0001") == "[erased]"
    assert free_text(ketenhub, hub, "case-erase-0002") == TEXT_OF_CASE
    recorded = erasures(hub)
    assert len(recorded) == 1 and recorded[0].startswith("psn-")
    stored = every_stored_byte(hub)
    spaced = f"{BSN[:3]} {BSN[3:6]} {BSN[6:]}"
    assert not [form for form in (BSN, spaced) if form.encode() in stored]
    erased_keys = [key for key in keys_before if key not in subject_keys(hub)]
    assert len(erased_keys) == 1 and erased_keys[0] not in stored


def test_erase_by_identifier_finds_the_person_however_the_bsn_was_written(
    ketenhub: Run, hub: Path, tmp_path: Path
) -> None:
    """A BSN published as ``1234.00.xxx`` and erased as typed with spaces is one person: its text is erased."""
    dotted = f"{BSN[:4]}.{BSN[4:6]}.{BSN[6:]}"
    source = tmp_path / "dotted.jsonl"
    source.write_text(signal("case-erase-0003", [dotted], TEXT_OF_PERSON) + "\n", encoding="utf-8")
    ketenhub("publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub))
    assert free_text(ketenhub, hub, "case-erase-0003") == TEXT_OF_PERSON

    typed = f" {BSN[:3]} {BSN[3:6]} {BSN[6:]} \n"
    ketenhub("erase", "--identifier", "--yes", "--data-dir", str(hub), input_text=typed)

    assert free_text(ketenhub, hub, "case-erase-0003") == "[erased]"
    assert free_text(ketenhub, hub, "case-erase-0001") == "[erased]"  # the same person
    assert len(erasures(hub)) == 1


def test_erase_by_case_shreds_texts_keyed_to_the_case(ketenhub: Run, hub: Path) -> None:
    """--case erases the texts that have no person as subject; the person's text stays readable."""
    ketenhub("erase", "--case", "case-erase-0002", "--yes", "--data-dir", str(hub))
    assert free_text(ketenhub, hub, "case-erase-0002") == "[erased]"
    assert free_text(ketenhub, hub, "case-erase-0001") == TEXT_OF_PERSON
    again = ketenhub("erase", "--case", "case-erase-0002", "--yes", "--data-dir", str(hub))
    assert "was erased before" in again.stdout


def test_erase_by_pseudonym_works_and_an_unknown_one_is_an_error(ketenhub: Run, hub: Path) -> None:
    """A known pseudonym is erased; an unknown one exits non-zero and records nothing."""
    unknown = "psn-" + "0" * 32
    refused = ketenhub("erase", unknown, "--yes", "--data-dir", str(hub), check=False)
    assert refused.returncode == 1 and "has no key" in refused.stderr
    assert erasures(hub) == []

    by_case = ketenhub("erase", "--case", "case-erase-0002", "--yes", "--data-dir", str(hub))
    pseudonym = by_case.stdout.split("erased the key of ")[1].split(":")[0]
    assert ketenhub("erase", pseudonym, "--yes", "--data-dir", str(hub)).returncode == 0
    assert erasures(hub) == [pseudonym]


def test_a_clear_identifier_as_subject_is_refused_and_never_stored(
    ketenhub: Run, hub: Path
) -> None:
    """`erase <BSN>` is a usage error naming the pseudonym format; nothing erased, the BSN stored nowhere."""
    done = ketenhub("erase", BSN, "--yes", "--data-dir", str(hub), check=False)
    assert done.returncode == 2 and "--identifier" in done.stderr
    assert erasures(hub) == []
    assert BSN.encode() not in every_stored_byte(hub)
    assert free_text(ketenhub, hub, "case-erase-0001") == TEXT_OF_PERSON


def test_erase_needs_exactly_one_subject(ketenhub: Run, hub: Path) -> None:
    """No subject, or two ways of naming one, is a usage error."""
    assert ketenhub("erase", "--yes", "--data-dir", str(hub), check=False).returncode == 2
    both = ketenhub(
        "erase",
        "--case",
        "case-erase-0001",
        "--identifier",
        "--yes",
        "--data-dir",
        str(hub),
        input_text=BSN + "\n",
        check=False,
    )
    assert both.returncode == 2 and erasures(hub) == []


def test_erase_by_control_day_shreds_its_planned_addresses(
    ketenhub: Run, hub: Path, tmp_path: Path
) -> None:
    """--control-day erases the key of a day's planned addresses; the pseudonyms stay, no address is stored."""
    day = {
        "type": "ControlDayPlanned",
        "occurred_at": "2025-11-03T08:00:00+01:00",
        "control_day_id": "controledag-erase-1",
        "day": "2025-11-03",
        "kind": "INTEGRAL",
        "participants": ["heit"],
        "planned_addresses": [{"address": "Oefenlaan 9, Voorburg", "area_code": "2271"}],
    }
    source = tmp_path / "day.jsonl"
    source.write_text(json.dumps(day) + "\n", encoding="utf-8")
    ketenhub("publish", "--as", "municipality", str(source), "--data-dir", str(hub))
    source.unlink()
    assert b"Oefenlaan" not in every_stored_byte(hub)
    keys_before = len(subject_keys(hub))
    done = ketenhub(
        "erase", "--control-day", "controledag-erase-1", "--yes", "--data-dir", str(hub)
    )
    assert "erased the key of psn-" in done.stdout
    assert len(subject_keys(hub)) == keys_before - 1 and len(erasures(hub)) == 1
    assert free_text(ketenhub, hub, "case-erase-0001") == TEXT_OF_PERSON
    bad = ketenhub(
        "erase", "--control-day", "Oefenlaan 9", "--yes", "--data-dir", str(hub), check=False
    )
    assert bad.returncode == 2 and "Oefenlaan" not in bad.stderr
