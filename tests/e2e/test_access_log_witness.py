"""`ketenhub verify --witness` pins access.log too: cut back, deleted, or rewritten and re-signed
with the hub's own key, it is found by the checkpoint of it the witness file kept."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from test_tampering import pinned  # verify, with the hub's key kept outside its folder

from ketenhub.core.processing import Actor, ActorKind, ReadOperation, records_for
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topics import ACCESS_CHECKPOINTS, ACCESS_LOG
from tests.e2e import test_access_log_cli as one_case

Run = Callable[..., CompletedProcess[str]]  # the `ketenhub` fixture
CASE = one_case.CASE
hub = one_case.hub  # the fixture: a hub with one case forwarded to the police


def reads(data_dir: Path, count: int, partner: str = "police") -> None:
    """``count`` reads of the case by ``partner``'s system, each sealed as `view` seals it."""
    actor = Actor(ActorKind.PARTNER, "sdk", partner=partner, actor_id=f"{partner}-system")
    with EmbeddedHub(data_dir) as embedded:
        for _ in range(count):
            records = records_for(
                {CASE: {}},
                actor,
                ReadOperation.SDK_SNAPSHOT,
                ("CRIMINAL_INVESTIGATION", "Wpg art. 8"),
                dt.datetime.now(dt.UTC),
            )
            embedded.record_reads(records)


def witnessed(ketenhub: Run, data_dir: Path) -> Path:
    """Write the hub's witness file (audit.log's and access.log's newest checkpoints)."""
    witness = data_dir.parent / "witness.json"
    done = ketenhub(*pinned(data_dir, "--write-witness", str(witness)))
    assert "access.log at tree size 5" in done.stdout
    return witness


def test_an_intact_longer_access_log_extends_the_witnessed_one(ketenhub: Run, hub: Path) -> None:
    """Five reads witnessed, two more made: verify --witness passes, naming the witnessed size."""
    reads(hub, 5)
    witness = witnessed(ketenhub, hub)
    assert json.loads(witness.read_text())["access_log"]["tree_size"] == 5
    reads(hub, 2)
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness))
    assert "access.log: 7 processing record(s)" in done.stdout
    assert "access.log extends the witnessed checkpoint at tree size 5" in done.stdout


def test_access_log_cut_back_with_its_checkpoints_fails_against_the_witness(
    ketenhub: Run, hub: Path
) -> None:
    """The last two reads' records and checkpoints removed: the shorter log holds together on its
    own, but verify --witness exits 1 naming access.log and the cut."""
    reads(hub, 5)
    witness = witnessed(ketenhub, hub)
    with sqlite3.connect(hub / "access.sqlite") as db:
        for topic in (ACCESS_LOG, ACCESS_CHECKPOINTS):
            db.execute('DELETE FROM records WHERE topic = ? AND "offset" >= 3', (topic,))
            db.execute("UPDATE topic_ends SET next_offset = 3 WHERE topic = ?", (topic,))
    assert "access.log: 3 processing record(s)" in ketenhub(*pinned(hub)).stdout
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness), check=False)
    assert done.returncode == 1, done.stdout
    assert "TAMPERING DETECTED: access.log" in done.stderr
    assert "witnessed checkpoint covers 5 records but access.log holds only 3" in done.stderr


def test_access_log_deleted_fails_against_the_witness(ketenhub: Run, hub: Path) -> None:
    """access.sqlite deleted: verify --witness exits 1, access.log holds nothing of what was witnessed."""
    reads(hub, 5)
    witness = witnessed(ketenhub, hub)
    (hub / "access.sqlite").unlink()
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness), check=False)
    assert done.returncode == 1, done.stdout
    assert "witnessed checkpoint covers 5 records but access.log holds only 0" in done.stderr


def test_access_log_rewritten_and_resigned_with_the_hubs_key_fails_against_the_witness(
    ketenhub: Run, hub: Path
) -> None:
    """access.log replaced by a longer one of other reads, sealed and signed with the hub's own
    key: it verifies against the pinned key, but not against the witness's root."""
    reads(hub, 5)
    witness = witnessed(ketenhub, hub)
    (hub / "access.sqlite").unlink()
    reads(hub, 6, partner="heit")
    assert "access.log: 6 processing record(s)" in ketenhub(*pinned(hub)).stdout
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness), check=False)
    assert done.returncode == 1, done.stdout
    assert "access.log checkpoint at tree size 5" in done.stderr
    assert "a record before offset 5 was rewritten" in done.stderr


def test_a_witness_without_access_log_leaves_it_unwitnessed_not_failed(
    ketenhub: Run, hub: Path
) -> None:
    """A witness file of before (audit.log's checkpoint only) still verifies audit.log; verify
    says access.log is not witnessed and exits 0."""
    reads(hub, 5)
    witness = witnessed(ketenhub, hub)
    document = json.loads(witness.read_text())
    del document["access_log"]
    witness.write_text(json.dumps(document))
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness))
    assert "access.log is not witnessed" in done.stdout
    assert "extends the witnessed checkpoint at tree size" in done.stdout  # audit.log's
