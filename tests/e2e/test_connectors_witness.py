"""Partners witness the hub's checkpoints: the SDK stops when history is cut back or rewritten."""

from __future__ import annotations

import itertools
import json
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
sys.path.insert(0, str(Path(__file__).parent))
from synthetic import Story  # shared synthetic events of the unit tests
from test_history_trust import rewrite  # the insider's rewrite of record 5

from connectors.sdk import EmbeddedTransport, PartnerClient
from connectors.sdk.witness import CheckpointWitness, HubHistoryDiverged
from ketenhub import topics
from ketenhub.cli.main import cli
from ketenhub.core.checkpoint_records import decode_checkpoint, encode_checkpoint
from ketenhub.core.checkpoints import (
    ChainedCheckpoint,
    generate_hub_key,
    public_key_to_pem,
    sign_checkpoint,
)
from ketenhub.core.merkle import consistency_proof, leaf_hash
from ketenhub.core.sealing import decode_sealed
from ketenhub.core.trust import pin_from_pem
from ketenhub.core.witnessing import Witness
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    """A hub with 20 sealed signals, checkpoints every 8."""
    data_dir = tmp_path / "hub"
    story = Story()
    with EmbeddedHub(data_dir, create=True, checkpoint_every=8) as opened:
        for n in range(20):
            opened.publish(story.signal(case=f"case-{n}"))
        assert opened.run().sealed == 20
    return data_dir


def witness_once(hub: Path, state: Path) -> None:
    """A partner's client reads its view once, witnessing the newest checkpoint."""
    witness = CheckpointWitness.in_state_dir(state, "police", str(hub))
    with PartnerClient("police", EmbeddedTransport(hub), witness=witness) as client:
        client.snapshot()


def add_signals(hub: Path, first: int, count: int) -> None:
    """Seal more signals (the hub's log grows)."""
    story = Story()
    for _ in range(first):  # fresh event ids after the first ones
        story.signal()
    with EmbeddedHub(hub, checkpoint_every=8) as opened:
        for n in range(first, first + count):
            opened.publish(story.signal(case=f"case-{n}"))
        opened.run()


def the_witness_file(state: Path) -> Path:
    """The one witness file in the state folder."""
    [path] = state.glob("witness-police-*.json")
    return path


def test_the_client_keeps_the_newest_checkpoint_and_accepts_a_log_that_grew(
    hub: Path, tmp_path: Path
) -> None:
    """The witness file holds tree size 20, then 30 after more records were sealed and proven consistent."""
    state = tmp_path / "state"
    witness_once(hub, state)
    assert json.loads(the_witness_file(state).read_text())["tree_size"] == 20
    add_signals(hub, 20, 10)
    witness_once(hub, state)
    assert json.loads(the_witness_file(state).read_text())["tree_size"] == 30


def test_a_log_cut_back_below_the_witness_stops_the_client(hub: Path, tmp_path: Path) -> None:
    """Newest records and their checkpoints deleted: the client raises HubHistoryDiverged naming the cut."""
    state = tmp_path / "state"
    witness_once(hub, state)
    with sqlite3.connect(hub / "log.sqlite") as db:
        db.execute("DELETE FROM records WHERE topic = 'audit.log' AND offset >= 12")
        db.execute("DELETE FROM records WHERE topic = 'audit.checkpoints' AND offset >= 1")
    with pytest.raises(
        HubHistoryDiverged, match="cut back: 20 records were witnessed, the hub now signs only 8"
    ):
        witness_once(hub, state)
    assert json.loads(the_witness_file(state).read_text())["tree_size"] == 20  # the evidence stays


def prove_from(hub: Path, old_size: int) -> None:
    """Give the rewritten hub's one checkpoint a consistency proof from ``old_size`` over its new log."""
    with sqlite3.connect(hub / "log.sqlite") as db:
        rows = db.execute(
            "SELECT offset, value FROM records WHERE topic = 'audit.log' ORDER BY offset"
        ).fetchall()
        leaves = [leaf_hash(decode_sealed(value, offset).hash) for offset, value in rows]
        [(value,)] = db.execute(
            "SELECT value FROM records WHERE topic = 'audit.checkpoints'"
        ).fetchall()
        signed = decode_checkpoint(value, 0)
        proof = tuple(consistency_proof(leaves, old_size, signed.tree_size))
        db.execute(
            "UPDATE records SET value = ? WHERE topic = 'audit.checkpoints'",
            (encode_checkpoint(ChainedCheckpoint(signed, old_size, proof)),),
        )


def test_a_rewrite_resigned_with_the_hubs_own_key_stops_the_client(
    hub: Path, tmp_path: Path
) -> None:
    """Record 5 rewritten, re-chained and re-signed with the hub's real key, with a proof from 20: the proof fails."""
    state = tmp_path / "state"
    witness_once(hub, state)
    add_signals(hub, 20, 4)
    rewrite(hub, HubFolder(hub).signing_key())
    prove_from(hub, 20)
    with pytest.raises(HubHistoryDiverged, match="a record before offset 20 was rewritten"):
        witness_once(hub, state)
    assert json.loads(the_witness_file(state).read_text())["tree_size"] == 20


def test_a_resigned_checkpoint_without_a_proof_from_the_witness_stops_the_client(
    hub: Path, tmp_path: Path
) -> None:
    """A rewrite re-signed with the hub's key but proving nothing from the witnessed 20 is refused."""
    state = tmp_path / "state"
    witness_once(hub, state)
    add_signals(hub, 20, 4)
    rewrite(hub, HubFolder(hub).signing_key())
    with pytest.raises(HubHistoryDiverged, match="nothing shows that it keeps the 20 records"):
        witness_once(hub, state)


def test_the_witness_advances_through_every_checkpoint_written_since(
    hub: Path, tmp_path: Path
) -> None:
    """Witnessed at 20, the client proves 28 and 30 from the topic and records the offset of the newest."""
    state = tmp_path / "state"
    witness_once(hub, state)
    add_signals(hub, 20, 10)
    with EmbeddedHub(hub) as opened:
        sizes = [
            decode_checkpoint(r.value or b"", r.offset).tree_size
            for r in opened.records(topics.CHECKPOINTS)
        ]
    assert sizes == [8, 16, 20, 28, 30]
    witness_once(hub, state)
    kept = json.loads(the_witness_file(state).read_text())
    assert (kept["tree_size"], kept["checkpoint_offset"]) == (30, 4)


def test_a_rewrite_with_a_new_key_stops_the_client(hub: Path, tmp_path: Path) -> None:
    """A history re-signed with another key is refused: not signed by the witnessed key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    state = tmp_path / "state"
    witness_once(hub, state)
    rewrite(hub, Ed25519PrivateKey.generate())
    with pytest.raises(HubHistoryDiverged, match="not signed by the witnessed key"):
        witness_once(hub, state)


def test_the_sdk_witness_file_is_checked_by_verify(ketenhub, hub: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`ketenhub verify --witness` reads the file the SDK wrote and finds a later cut, naming the size."""
    state = tmp_path / "state"
    witness_once(hub, state)
    witness = str(the_witness_file(state))
    assert (
        "extends the witnessed checkpoint at tree size 20"
        in ketenhub("verify", "--data-dir", str(hub), "--witness", witness).stdout
    )
    with sqlite3.connect(hub / "log.sqlite") as db:
        db.execute("DELETE FROM records WHERE topic = 'audit.log' AND offset >= 17")
        db.execute("DELETE FROM records WHERE topic = 'audit.checkpoints' AND offset >= 2")
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", witness, check=False)
    assert done.returncode == 1 and "covers 20 records but audit.log holds only 17" in done.stderr


def test_a_connector_command_witnesses_in_its_state_folder(hub: Path, tmp_path: Path) -> None:
    """`ketenhub connector police follow --state-dir` keeps the witness and stops after a cut."""
    state = tmp_path / "state"
    args = ["connector", "police", "follow", "--data-dir", str(hub), "--state-dir", str(state)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert json.loads(the_witness_file(state).read_text())["tree_size"] == 20
    with sqlite3.connect(hub / "log.sqlite") as db:
        db.execute("DELETE FROM records WHERE topic = 'audit.log' AND offset >= 8")
        db.execute("DELETE FROM records WHERE topic = 'audit.checkpoints' AND offset >= 1")
    stopped = CliRunner().invoke(cli, args)
    assert stopped.exit_code == 1 and "stopped: " in stopped.stderr and "cut back" in stopped.stderr


def test_a_witness_file_of_another_key_stops_a_pinned_client(hub: Path, tmp_path: Path) -> None:
    """A witness file swapped for one of another hub key is refused when the hub key is pinned."""
    state = tmp_path / "state"
    witness_once(hub, state)
    path = the_witness_file(state)
    other = generate_hub_key()
    stored = json.loads(path.read_text())
    forged = Witness(
        sign_checkpoint(other, 20, bytes.fromhex(stored["root"]), stored["signed_at_us"]),
        other.public_key(),
    )
    path.write_bytes(forged.to_json())
    pinned = pin_from_pem(public_key_to_pem(HubFolder(hub).signing_key().public_key()))
    witness = CheckpointWitness.in_state_dir(state, "police", str(hub), pinned)
    client = PartnerClient("police", EmbeddedTransport(hub), witness=witness)
    try:
        with pytest.raises(HubHistoryDiverged, match="pinned"):
            client.snapshot()
    finally:
        client.close()


def test_a_following_client_keeps_witnessing_and_stops_when_the_log_is_cut(
    hub: Path, tmp_path: Path
) -> None:
    """views(follow=True) re-checks the newest checkpoint while it waits: a cut made meanwhile stops it."""
    witness = CheckpointWitness.in_state_dir(tmp_path / "state", "municipality", str(hub))
    client = PartnerClient(
        "municipality", EmbeddedTransport(hub, run_pipeline=False), witness=witness
    )
    client.witness_every_s = 0.0
    try:
        following = client.views(follow=True, poll_interval_s=0.05)
        next(following)  # the first view: the witness now holds tree size 20
        with sqlite3.connect(hub / "log.sqlite") as db:
            db.execute("DELETE FROM records WHERE topic = 'audit.checkpoints' AND offset >= 1")
        with pytest.raises(HubHistoryDiverged, match="cut back"):
            list(itertools.islice(following, 100))
    finally:
        client.close()
