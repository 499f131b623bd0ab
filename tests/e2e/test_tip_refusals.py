"""A refused tip file leaves its reason and a copy without reporter data in refused/, never the reporter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ketenhub.cli.main import cli

REPORTER_VALUES = (
    "Jannie Synthetisch-Melder",
    "06-98765432",
    "melder.synthetisch@example.org",
    "Verzonnenstraat",
    "070 - 123 45 67",
    "tipgever [at] example.nl",
)


def run(*args: str) -> Result:
    """Run ``ketenhub ARGS`` in this process, as a user would type it."""
    return CliRunner().invoke(cli, list(args))


def bad_tip() -> dict[str, object]:
    """A tip with reporter fields, an unknown field with an address and a bad area code."""
    return {
        "tip_id": "MMA-2025-70001",
        "received_at": "2025-11-03T09:15:00+01:00",
        "exploitation_forms": ["SEXUAL"],
        "area_code": "not-an-area",
        "persons": ["synthetic suspect 1"],
        "description": "Synthetic tip; reach me at tipgever [at] example.nl or 070 - 123 45 67.",
        "reporter_name": "Jannie Synthetisch-Melder",
        "phone": "06-98765432",
        "Email": "melder.synthetisch@example.org",
        "callback_address": "Verzonnenstraat 12",
    }


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    hub, drop = tmp_path / "hub", tmp_path / "drop"
    drop.mkdir()
    assert run("init", "--data-dir", str(hub)).exit_code == 0
    return hub, drop


def stored(folder: Path) -> bytes:
    return b"".join(p.read_bytes() + p.name.encode() for p in folder.rglob("*") if p.is_file())


def test_a_refused_json_file_keeps_a_sanitised_copy_and_its_reason(
    folders: tuple[Path, Path],
) -> None:
    """The copy in refused/ has no reporter field, the unknown field's value replaced and contacts removed."""
    hub, drop = folders
    (drop / "tips-bad.json").write_text(json.dumps([bad_tip()]), encoding="utf-8")

    done = run("connector", "anonymous-tips", str(drop), "--data-dir", str(hub))

    assert done.exit_code == 1 and "refused" in done.output
    assert not (drop / "tips-bad.json").exists()
    reason = (drop / "refused" / "tips-bad.json.reason.txt").read_text(encoding="utf-8")
    assert "callback_address" in reason and "area_code" in reason
    copy = json.loads((drop / "refused" / "tips-bad.json").read_text(encoding="utf-8"))
    assert copy[0]["tip_id"] == "MMA-2025-70001" and copy[0]["area_code"] == "not-an-area"
    assert copy[0]["callback_address"] == "[removed]"
    assert not {"reporter_name", "phone", "Email"} & set(copy[0])
    everything = stored(drop) + stored(hub) + done.output.encode()
    assert [v for v in REPORTER_VALUES if v.encode() in everything] == []


def test_a_refused_csv_file_keeps_a_sanitised_copy(folders: tuple[Path, Path]) -> None:
    """CSV alike: reporter columns dropped, unknown columns blanked, contacts removed from the description."""
    hub, drop = folders
    (drop / "tips-bad.csv").write_text(
        "tip_id,received_at,exploitation_forms,area_code,description,melder_telefoon,remarks\n"
        'MMA-2025-70002,2025-11-04T10:00:00+01:00,LABOUR,2262,"Call 06-98765432 after six",'
        '06-98765432,"Verzonnenstraat 12"\n',
        encoding="utf-8",
    )

    done = run("connector", "anonymous-tips", str(drop), "--data-dir", str(hub))

    assert done.exit_code == 1
    copy = (drop / "refused" / "tips-bad.csv").read_text(encoding="utf-8")
    assert (
        copy.splitlines()[0]
        == "tip_id,received_at,exploitation_forms,area_code,description,remarks"
    )
    assert "Call [removed] after six" in copy and "[removed]" in copy.splitlines()[1].split(",")[-1]
    assert [v for v in REPORTER_VALUES if v.encode() in stored(drop) + stored(hub)] == []


def test_an_unreadable_file_is_not_kept_only_its_reason(folders: tuple[Path, Path]) -> None:
    """A file that is not JSON of tips may hold anything: refused/ keeps only the reason, which says so."""
    hub, drop = folders
    broken = json.dumps([bad_tip()])[:-5]  # cut short: not valid JSON
    (drop / "tips-broken.json").write_text(broken, encoding="utf-8")

    done = run("connector", "anonymous-tips", str(drop), "--data-dir", str(hub))

    assert done.exit_code == 1
    assert sorted(p.name for p in (drop / "refused").iterdir()) == ["tips-broken.json.reason.txt"]
    reason = (drop / "refused" / "tips-broken.json.reason.txt").read_text(encoding="utf-8")
    assert "not kept" in reason and "send it again" in reason
    assert [v for v in REPORTER_VALUES if v.encode() in stored(drop)] == []


def test_file_names_with_personal_data_are_never_kept_or_shown(folders: tuple[Path, Path]) -> None:
    """A file named after a phone number is shown, logged and kept as tip-file-<keyed digest>."""
    hub, drop = folders
    good = dict(bad_tip(), area_code="2262", tip_id="MMA-2025-70003")
    for field in ("reporter_name", "phone", "Email", "callback_address"):
        good.pop(field)
    good["description"] = "Synthetic tip: workers sleep in the shed."
    (drop / "tip-0698765432.json").write_text(json.dumps([good]), encoding="utf-8")
    (drop / "jan-111222333.json").write_text(json.dumps([bad_tip()]), encoding="utf-8")

    done = run("connector", "anonymous-tips", str(drop), "--data-dir", str(hub))

    assert done.exit_code == 1
    everything = stored(drop) + done.output.encode()
    assert b"0698765432" not in everything and b"111222333" not in everything
    assert "tip-file-" in done.output
    refused = sorted(p.name for p in (drop / "refused").iterdir())
    assert all(name.startswith("tip-file-") for name in refused)


def test_the_refused_copy_drops_the_persons_and_everything_is_private(
    folders: tuple[Path, Path],
) -> None:
    """The refused copy replaces the persons' identifiers; refused/ and .ketenhub/ are 0700, their files 0600."""
    hub, drop = folders
    (drop / "tips-bad.json").write_text(json.dumps([bad_tip()]), encoding="utf-8")
    (drop / "tips-good.json").write_text(
        json.dumps(
            [
                dict(
                    tip_id="MMA-2025-70004",
                    received_at="2025-11-03T09:15:00+01:00",
                    exploitation_forms=["LABOUR"],
                    area_code="2262",
                )
            ]
        ),
        encoding="utf-8",
    )
    run("connector", "anonymous-tips", str(drop), "--data-dir", str(hub))

    copy = json.loads((drop / "refused" / "tips-bad.json").read_text(encoding="utf-8"))
    assert copy[0]["persons"] == "[removed]"
    assert b"synthetic suspect" not in stored(drop)
    for folder in (drop / "refused", drop / ".ketenhub"):
        assert folder.stat().st_mode & 0o777 == 0o700
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())


def test_field_names_holding_a_phone_or_control_characters_are_never_shown_or_kept(
    folders: tuple[Path, Path],
) -> None:
    """A reporter's number written into a field's name is withheld from the output, the reason and
    the copy; a name with terminal control characters is shown escaped."""
    hub, drop = folders
    phone = "06-55501234"
    good = {**bad_tip(), "area_code": "2261", f"contact {phone}": "x", "reporter\x1b]0;t\x07": "y"}
    good.pop("callback_address")
    bad = {**good, "tip_id": "MMA-2025-70009", f"remarks {phone}": "z"}
    (drop / "tips-good.json").write_text(json.dumps([good]), encoding="utf-8")
    (drop / "tips-bad.json").write_text(json.dumps([bad]), encoding="utf-8")

    done = run("connector", "anonymous-tips", str(drop), "--data-dir", str(hub))

    assert done.exit_code == 1 and "tips-good.json: imported" in done.output
    assert "55501234" not in done.output and "(withheld: it holds personal data)" in done.output
    assert "\x1b" not in done.output and "\x07" not in done.output
    assert "'reporter\\x1b]0;t\\x07'" in done.output
    assert b"55501234" not in stored(drop) + stored(hub)
