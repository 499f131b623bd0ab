"""The anonymous-tips drop folder attacked by a careless or hostile dropper: links, giants, files still growing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.anonymous_tips.drop_folder import MAX_TIP_FILE_BYTES, import_folder
from connectors.sdk import EmbeddedTransport, PartnerClient
from connectors.sdk.errors import InputRefused
from ketenhub.cli.main import cli
from tests.e2e.test_connectors_tips import signals_sealed, write_csv


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    """An empty hub made by `ketenhub init`."""
    done = CliRunner().invoke(cli, ["init", "--data-dir", str(tmp_path / "hub")])
    assert done.exit_code == 0, done.output
    return tmp_path / "hub"


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


@pytest.fixture
def client(hub_dir: Path) -> Iterator[PartnerClient]:
    with PartnerClient("meld-misdaad-anoniem", EmbeddedTransport(hub_dir)) as opened:
        yield opened


def _case_ids(hub_dir: Path) -> list[str]:
    return sorted(s.case_id for s in signals_sealed(hub_dir))


def test_a_tip_file_that_is_a_symbolic_link_is_not_followed(
    drop: Path, tmp_path: Path, hub_dir: Path, client: PartnerClient
) -> None:
    """A link in the drop folder to a file elsewhere: nothing of the target is read, published or removed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_csv(elsewhere / "someone-elses.csv", 2)
    before = (elsewhere / "someone-elses.csv").read_bytes()
    (drop / "tips.csv").symlink_to(elsewhere / "someone-elses.csv")
    [outcome] = import_folder(client, drop)
    client.flush()
    assert outcome.status == "refused" and "symbolic link" in outcome.reason
    assert _case_ids(hub_dir) == []
    assert (elsewhere / "someone-elses.csv").read_bytes() == before
    assert not (drop / "tips.csv").is_symlink()
    assert [p.name for p in (drop / "refused").iterdir()] == ["tips.csv.reason.txt"]


@pytest.mark.parametrize("state", ["refused", ".ketenhub"])
def test_the_connectors_own_folders_are_never_written_through_a_link(
    drop: Path, tmp_path: Path, client: PartnerClient, state: str
) -> None:
    """refused/ or .ketenhub/ made a link to another folder (the hub's own): the connector stops, writes nothing."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (drop / state).symlink_to(victim, target_is_directory=True)
    (drop / "web-tokens.json").write_text('{"tips": [{"tip_id": "MMA-1"}]}', encoding="utf-8")
    mode = victim.stat().st_mode
    with pytest.raises(InputRefused, match="symbolic link"):
        import_folder(client, drop)
    assert list(victim.iterdir()) == []
    assert victim.stat().st_mode == mode
    assert (drop / "web-tokens.json").exists(), "the file waits until the link is gone"


def test_a_file_larger_than_the_limit_is_refused_without_being_read(
    drop: Path, hub_dir: Path, client: PartnerClient
) -> None:
    """A giant file is refused by its size (its reason says so) before any of it is read or kept."""
    giant = drop / "giant.json"
    with giant.open("wb") as out:
        out.truncate(MAX_TIP_FILE_BYTES + 1)  # sparse: costs no disk
    [outcome] = import_folder(client, drop)
    assert outcome.status == "refused" and "larger than" in outcome.reason
    assert not giant.exists()
    assert [p.name for p in (drop / "refused").iterdir()] == ["giant.json.reason.txt"]


def test_a_file_that_grows_while_it_is_imported_is_kept_and_its_rest_imported_next_time(
    drop: Path, hub_dir: Path, client: PartnerClient
) -> None:
    """A writer still appending while the tips are sent: the file is not deleted, and the next run sends the rest."""
    tips = drop / "tips.csv"
    write_csv(tips, 3)

    def writer_goes_on(row: int) -> None:
        if row == 2:
            with tips.open("a", encoding="utf-8") as out:  # the same file, as a slow upload does
                out.write(
                    "MMA-2025-00004,2025-11-04T10:00:00+01:00,LABOUR,2262,LIVES_AT_WORK,"
                    'synthetic person 4,"Synthetic tip 4: more workers.",\n'
                )

    [first] = import_folder(client, drop, after_send=writer_goes_on)
    client.flush()
    assert first.status == "changed while imported", first
    assert tips.exists(), "a file that changed while it was read is never deleted"
    [second] = import_folder(client, drop)
    client.flush()
    assert second.status == "imported" and second.tips == 4
    assert not tips.exists()
    assert _case_ids(hub_dir) == [f"tip-mma-2025-{n:05d}" for n in range(1, 5)]
    assert list(client.rejections()) == []


def test_a_second_refused_file_of_the_same_name_does_not_replace_the_first(
    drop: Path, client: PartnerClient
) -> None:
    """Two bad files called tips.json, one after the other: refused/ keeps both copies and both reasons."""
    for area in ("not-an-area", "also-not-an-area"):
        bad = [{"tip_id": "MMA-2025-70001", "received_at": "2025-11-03T09:15:00+01:00",
                "exploitation_forms": ["SEXUAL"], "area_code": area}]  # fmt: skip
        (drop / "tips.json").write_text(json.dumps(bad), encoding="utf-8")
        [outcome] = import_folder(client, drop)
        assert outcome.status == "refused"
    kept = sorted(p.name for p in (drop / "refused").iterdir())
    assert len(kept) == 4, kept
    copies = [p for p in (drop / "refused").iterdir() if not p.name.endswith(".reason.txt")]
    assert sorted("also-not-an-area" in p.read_text() for p in copies) == [False, True]
