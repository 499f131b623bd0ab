"""`ketenhub verify` against a pinned key and a witness: cut-back, emptied and re-signed histories fail."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from synthetic import Story  # shared synthetic events of the unit tests
from test_tampering import pinned, tamper  # the verify arguments and the insider's SQL

from ketenhub import topics
from ketenhub.core.checkpoint_records import encode_checkpoint
from ketenhub.core.checkpoints import generate_hub_key, public_key_to_pem, sign_checkpoint
from ketenhub.core.input_ref import INPUT_HEADER, InputRef
from ketenhub.core.merkle import MerkleFrontier, leaf_hash
from ketenhub.core.sealing import ChainHead, decode_sealed, encode_sealed, seal
from ketenhub.protection.key_files import KeyFiles
from ketenhub.runtime.embedded.hub import EmbeddedHub

SIGNALS = 40


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    """A hub with 40 sealed signals, checkpoints every 8, its public key copied outside its folder."""
    data_dir = tmp_path / "hub"
    story = Story()
    with EmbeddedHub(data_dir, create=True, checkpoint_every=8) as opened:
        for n in range(SIGNALS):
            opened.publish(story.signal(case=f"case-{n}"))
        assert opened.run().sealed == SIGNALS
    shutil.copy(data_dir / "keys" / "hub-signing-key.pub.pem", tmp_path / "trusted.pub.pem")
    return data_dir


def test_cutting_the_newest_records_with_their_checkpoints_fails_against_a_witness(
    ketenhub, hub: Path
) -> None:  # type: ignore[no-untyped-def]
    """Records 24.. and the checkpoints over them deleted: a witness of tree size 40 names the cut."""
    witness = hub.parent / "witness.json"
    ketenhub(*pinned(hub, "--write-witness", str(witness)))
    tamper(
        hub,
        "DELETE FROM records WHERE topic = 'audit.log' AND offset >= 24",
        "DELETE FROM records WHERE topic = 'audit.checkpoints' AND offset >= 3",
    )
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness), check=False)
    assert done.returncode == 1, done.stdout
    assert "witnessed checkpoint covers 40 records but audit.log holds only 24" in done.stderr


def test_a_log_cut_short_without_any_checkpoint_is_unverifiable(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Every checkpoint deleted and the log cut to 10 records: exit 2, never 'no checkpoint yet' and 0."""
    tamper(
        hub,
        "DELETE FROM records WHERE topic = 'audit.log' AND offset >= 10",
        "DELETE FROM records WHERE topic = 'audit.checkpoints'",
    )
    done = ketenhub(*pinned(hub), check=False)
    assert done.returncode == 2
    assert (
        "UNVERIFIABLE" in done.stderr and "no signed checkpoint covers any of them" in done.stderr
    )


def test_newest_records_beyond_the_cadence_without_a_checkpoint_are_unverifiable(
    ketenhub, hub: Path
) -> None:  # type: ignore[no-untyped-def]
    """The newest checkpoints deleted leaves 16 records unsigned, more than a cadence of 8 allows."""
    tamper(hub, "DELETE FROM records WHERE topic = 'audit.checkpoints' AND offset >= 3")
    done = ketenhub(*pinned(hub, "--checkpoint-every", "8"), check=False)
    assert done.returncode == 2 and "the newest 16 (offsets 24-39)" in done.stderr


def rewrite_with_new_key(data_dir: Path) -> None:
    """Change record 5's payload, re-chain every record, re-sign checkpoints with a new key."""
    rewrite(data_dir, generate_hub_key())


def rewrite(data_dir: Path, key: Ed25519PrivateKey) -> None:
    """Change record 5's payload, re-chain every record, sign one checkpoint over all with ``key``."""
    with sqlite3.connect(data_dir / "log.sqlite") as db:
        rows = db.execute(
            "SELECT offset, value FROM records WHERE topic = 'audit.log' ORDER BY offset"
        ).fetchall()
        head, frontier = ChainHead(), MerkleFrontier()
        story = Story()
        for offset, value in rows:
            old = decode_sealed(value, offset)
            payload = old.payload
            if offset == 5:
                from ketenhub.codec.single_object import encode_event

                payload = encode_event(story.signal(case="case-forged"))
                forge_input(db, offset, payload)
            record = seal_like(head, old, payload)
            head = head.after(record)
            frontier.append(leaf_hash(record.hash))
            db.execute(
                "UPDATE records SET value = ? WHERE topic = 'audit.log' AND offset = ?",
                (encode_sealed(record), offset),
            )
        db.execute("DELETE FROM records WHERE topic = ?", (topics.CHECKPOINTS,))
        db.execute("DELETE FROM topic_ends WHERE topic = ?", (topics.CHECKPOINTS,))
        checkpoint = sign_checkpoint(key, frontier.size, frontier.root(), 1_700_000_000_000_000)
        db.execute(
            "INSERT INTO records (topic, offset, timestamp_us, key, value, headers) VALUES (?, 0, 0, NULL, ?, '[]')",
            (topics.CHECKPOINTS, encode_checkpoint(checkpoint)),
        )
        db.execute(
            "INSERT INTO topic_ends (topic, next_offset) VALUES (?, 1)", (topics.CHECKPOINTS,)
        )
    (data_dir / "keys" / "hub-signing-key.pub.pem").write_bytes(public_key_to_pem(key.public_key()))


def forge_input(db: sqlite3.Connection, offset: int, payload: bytes) -> None:
    """Rewrite the ingested input the record at ``offset`` was sealed from, so inputs still account."""
    (headers,) = db.execute(
        "SELECT headers FROM records WHERE topic = 'audit.log' AND offset = ?", (offset,)
    ).fetchone()
    origin = InputRef.decode(dict(json.loads(headers))[INPUT_HEADER].encode("latin-1"))
    assert origin is not None, "every sealed record names its input"
    db.execute(
        "UPDATE records SET value = ? WHERE topic = ? AND offset = ?",
        (payload, origin.topic, origin.offset),
    )


def seal_like(head: ChainHead, old: object, payload: bytes):  # type: ignore[no-untyped-def]
    """Seal ``payload`` as the hub would have, with the old record's partner, case and time."""
    from ketenhub.codec.single_object import decode_event

    event = decode_event(payload)
    return seal(head, old.partner, event, payload, old.sealed_at, old.case_id)  # type: ignore[attr-defined]


def test_a_rewritten_rechained_resigned_log_fails_against_the_pinned_key(
    ketenhub, hub: Path
) -> None:  # type: ignore[no-untyped-def]
    """Re-signed with a new key (and the folder's public key replaced), the log fails, naming the key ids."""
    rewrite_with_new_key(hub)
    unpinned = ketenhub("verify", "--data-dir", str(hub), "--trust-on-first-use")
    assert (
        "hash chain intact" in unpinned.stdout
    )  # the forgery is self-consistent: only the pin finds it
    done = ketenhub(*pinned(hub), check=False)
    assert done.returncode == 1 and "TAMPERING DETECTED" in done.stderr
    assert "key id" in done.stderr
    with_fingerprint = ketenhub(
        "verify",
        "--data-dir",
        str(hub),
        "--trusted-key",
        fingerprint_of(hub.parent / "trusted.pub.pem"),
        check=False,
    )
    assert (
        with_fingerprint.returncode == 1 and "is not the pinned key" not in with_fingerprint.stderr
    )
    assert "the hub's public key has fingerprint" in with_fingerprint.stderr


def fingerprint_of(pem_file: Path) -> str:
    """The SHA-256 fingerprint of a public key PEM file."""
    from ketenhub.core.checkpoints import public_key_from_pem
    from ketenhub.core.trust import fingerprint

    return fingerprint(public_key_from_pem(pem_file.read_bytes()))


def test_a_rewrite_below_a_witnessed_checkpoint_names_the_size(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """A witness of tree size 40 finds a re-chained record 5 even when checked with the witness's key."""
    witness = hub.parent / "witness.json"
    ketenhub(*pinned(hub, "--write-witness", str(witness)))
    rewrite_with_new_key(hub)
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness), check=False)
    assert done.returncode == 1 and "TAMPERING DETECTED" in done.stderr


def test_a_rewrite_resigned_with_the_hubs_own_key_fails_against_a_witness(
    ketenhub, hub: Path
) -> None:  # type: ignore[no-untyped-def]
    """An insider holding the hub's signing key re-chains record 5 and re-signs: the pin cannot tell,
    the witness of tree size 40 names the rewrite by the Merkle root it kept."""
    witness = hub.parent / "witness.json"
    ketenhub(*pinned(hub, "--write-witness", str(witness)))
    rewrite(hub, KeyFiles(hub / "keys").signing_key())
    done = ketenhub("verify", "--data-dir", str(hub), "--witness", str(witness), check=False)
    assert done.returncode == 1 and "TAMPERING DETECTED" in done.stderr
    assert "a record before offset 40 was rewritten" in done.stderr


def test_verify_without_a_pinned_key_exits_non_zero_loudly(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """An intact log verified without a pin is reported, but the command exits 2 saying no key was pinned."""
    done = ketenhub("verify", "--data-dir", str(hub), check=False)
    assert done.returncode == 2
    assert "NOT VERIFIED AGAINST A TRUSTED KEY" in done.stderr
    assert fingerprint_of(hub.parent / "trusted.pub.pem") in done.stderr


def test_trust_on_first_use_prints_the_fingerprint_it_trusted(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """--trust-on-first-use exits 0 and prints the fingerprint it trusted, which then pins the key."""
    done = ketenhub("verify", "--data-dir", str(hub), "--trust-on-first-use")
    expected = fingerprint_of(hub.parent / "trusted.pub.pem")
    assert f"TRUST ON FIRST USE: trusting the hub key with fingerprint {expected}" in done.stderr
    again = ketenhub("verify", "--data-dir", str(hub), "--trusted-key", expected)
    assert "40 sealed records, hash chain intact" in again.stdout


def test_the_pin_may_come_from_the_environment(ketenhub, hub: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """KETENHUB_TRUSTED_KEY pins the key like --trusted-key (the e2e runner passes env through)."""
    import os
    import subprocess

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}}
    env["KETENHUB_TRUSTED_KEY"] = fingerprint_of(hub.parent / "trusted.pub.pem")
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", "verify", "--data-dir", str(hub)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_replay_verifies_with_the_pinned_key(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """replay accepts the pin: the intact log replays; the log re-signed with a new key is refused."""
    pin = fingerprint_of(hub.parent / "trusted.pub.pem")
    intact = ketenhub(
        "replay", "--as-of", "2030-01-01", "--data-dir", str(hub), "--trusted-key", pin
    )
    assert '"verified": true' in intact.stdout and "not a pinned key" not in intact.stderr
    rewrite_with_new_key(hub)
    done = ketenhub(
        "replay", "--as-of", "2030-01-01", "--data-dir", str(hub), "--trusted-key", pin, check=False
    )
    assert done.returncode == 1 and "the hub's public key has fingerprint" in done.stderr
