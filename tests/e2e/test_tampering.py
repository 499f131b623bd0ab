"""`ketenhub verify` with a pinned key detects a changed byte, a deleted record and two reordered records, by offset."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub.runtime.embedded.hub import EmbeddedHub


@pytest.fixture
def sealed_hub(tmp_path: Path) -> Path:
    """A hub with 20 sealed signals and checkpoints every 8 records."""
    data_dir = tmp_path / "hub"
    story = Story()
    with EmbeddedHub(data_dir, create=True, checkpoint_every=8) as hub:
        for n in range(20):
            hub.publish(story.signal(case=f"case-{n}"))
        assert hub.run().sealed == 20
    shutil.copy(data_dir / "keys" / "hub-signing-key.pub.pem", tmp_path / "trusted.pub.pem")
    return data_dir


def pinned(data_dir: Path, *extra: str) -> tuple[str, ...]:
    """The verify arguments for a hub, with the copy of its public key kept outside its folder."""
    return (
        "verify",
        "--data-dir",
        str(data_dir),
        "--trusted-key",
        str(data_dir.parent / "trusted.pub.pem"),
        *extra,
    )


def tamper(data_dir: Path, *statements: str) -> None:
    """Run SQL on the hub's log file, as an insider with file access would."""
    with sqlite3.connect(data_dir / "log.sqlite") as db:
        for statement in statements:
            db.execute(statement)


def audit_values(data_dir: Path) -> dict[int, bytes]:
    with sqlite3.connect(data_dir / "log.sqlite") as db:
        rows = db.execute("SELECT offset, value FROM records WHERE topic = 'audit.log'").fetchall()
    return dict(rows)


def test_an_untouched_log_verifies(ketenhub, sealed_hub: Path) -> None:  # type: ignore[no-untyped-def]
    """verify exits 0 and reports the records and checkpoints it checked."""
    done = ketenhub(*pinned(sealed_hub))
    assert "20 sealed records, hash chain intact" in done.stdout
    assert "3 signed checkpoint(s) verified" in done.stdout


def test_one_changed_byte_is_named_by_offset(ketenhub, sealed_hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Flipping one byte inside record 11 makes verify exit 1 naming offset 11."""
    value = bytearray(audit_values(sealed_hub)[11])
    value[60] ^= 0x20
    with sqlite3.connect(sealed_hub / "log.sqlite") as db:
        db.execute(
            "UPDATE records SET value = ? WHERE topic = 'audit.log' AND offset = 11",
            (bytes(value),),
        )
    done = ketenhub(*pinned(sealed_hub), check=False)
    assert done.returncode == 1
    assert "TAMPERING DETECTED" in done.stderr and "offset 11" in done.stderr


def test_a_deleted_record_is_named_by_offset(ketenhub, sealed_hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Deleting record 4 makes verify exit 1 naming offset 4."""
    tamper(sealed_hub, "DELETE FROM records WHERE topic = 'audit.log' AND offset = 4")
    done = ketenhub(*pinned(sealed_hub), check=False)
    assert done.returncode == 1 and "offset 4" in done.stderr


def test_two_reordered_records_are_named_by_offset(ketenhub, sealed_hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Swapping the stored records 7 and 8 makes verify exit 1 naming offset 7."""
    values = audit_values(sealed_hub)
    with sqlite3.connect(sealed_hub / "log.sqlite") as db:
        for offset, other in ((7, 8), (8, 7)):
            db.execute(
                "UPDATE records SET value = ? WHERE topic = 'audit.log' AND offset = ?",
                (values[other], offset),
            )
    done = ketenhub(*pinned(sealed_hub), check=False)
    assert done.returncode == 1 and "offset 7" in done.stderr


def test_a_log_cut_short_fails_the_last_checkpoint(ketenhub, sealed_hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Removing the last records is caught by the checkpoint that covered them."""
    tamper(sealed_hub, "DELETE FROM records WHERE topic = 'audit.log' AND offset >= 18")
    done = ketenhub(*pinned(sealed_hub), check=False)
    assert done.returncode == 1 and "holds only 18" in done.stderr
