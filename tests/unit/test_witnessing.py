"""Witnessing from the checkpoint topic: each record must be proven, step by step, to extend the witness."""

from __future__ import annotations

import hashlib
import json

import pytest

from ketenhub.core.checkpoints import ChainedCheckpoint, generate_hub_key, sign_checkpoint
from ketenhub.core.merkle import consistency_proof, leaf_hash, merkle_root
from ketenhub.core.witnessing import (
    HistoryDiverged,
    Witness,
    WitnessUnreadable,
    extensions,
    witness_from_json,
)

KEY = generate_hub_key()
LEAVES = [leaf_hash(hashlib.sha256(str(n).encode()).digest()) for n in range(40)]


def chained(size: int, previous: int, leaves: list[bytes] = LEAVES, key=KEY) -> ChainedCheckpoint:  # type: ignore[no-untyped-def]
    """A checkpoint over ``leaves[:size]`` with the proof from ``previous``, as the sealer writes it."""
    signed = sign_checkpoint(key, size, merkle_root(leaves[:size]), 1_700_000_000_000_000 + size)
    return ChainedCheckpoint(signed, previous, tuple(consistency_proof(leaves, previous, size)))


def witness_at(size: int, offset: int | None = None) -> Witness:
    """A witness of the honest checkpoint at ``size``."""
    return Witness(chained(size, 0).checkpoint, KEY.public_key(), offset)


def walk(witness: Witness, records: list[ChainedCheckpoint]) -> list[Witness]:
    """Every witness proven along the records, read at offsets 0, 1, 2, ..."""
    return list(extensions(witness, enumerate(records)))


def test_a_chain_of_proofs_advances_the_witness_step_by_step() -> None:
    """Witnessed at 10: the records 10, 16, 25 (each proven from the one before) advance it to 25 at offset 3."""
    records = [chained(4, 0), chained(10, 4), chained(16, 10), chained(25, 16)]
    proven = walk(witness_at(10), records)
    assert [(w.checkpoint.tree_size, w.offset) for w in proven] == [(10, 1), (16, 2), (25, 3)]


def test_a_record_of_a_smaller_tree_after_the_witnessed_one_is_a_cut_back() -> None:
    """A checkpoint over 8 records after the witnessed 16 stops the witness: the log was cut back."""
    records = [chained(16, 0), chained(8, 0)]
    with pytest.raises(
        HistoryDiverged, match="cut back: 16 records were witnessed, the hub now signs only 8"
    ):
        walk(witness_at(16), records)


def test_a_topic_holding_only_smaller_trees_is_a_cut_back() -> None:
    """When the checkpoints over 20 are gone and only 8 remains, the witness of 20 reports the cut."""
    with pytest.raises(HistoryDiverged, match="the hub now signs only 8"):
        walk(witness_at(20), [chained(8, 0)])


def test_a_proof_from_a_rewritten_history_fails() -> None:
    """A checkpoint signed with the hub key over a rewritten leaf, with a proof from the witnessed size, fails."""
    forged = list(LEAVES)
    forged[3] = leaf_hash(b"rewritten")
    records = [chained(10, 0), chained(15, 10, forged)]
    with pytest.raises(HistoryDiverged, match="a record before offset 10 was rewritten"):
        walk(witness_at(10), records)


def test_the_same_tree_size_with_another_root_is_a_rewrite() -> None:
    """The hub re-signing tree size 10 over a different root is refused."""
    forged = list(LEAVES)
    forged[0] = leaf_hash(b"rewritten")
    with pytest.raises(HistoryDiverged, match="a record before offset 10 was rewritten"):
        walk(witness_at(10), [chained(10, 0, forged)])


def test_a_checkpoint_that_does_not_prove_from_the_witnessed_size_is_refused() -> None:
    """A checkpoint over 30 whose proof starts at 0 (or at a size never witnessed) does not chain."""
    for previous in (0, 12):
        with pytest.raises(HistoryDiverged, match="proves consistency only from tree size"):
            walk(witness_at(10), [chained(10, 0), chained(30, previous)])


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    """A chained record signed by any key but the witnessed one stops the witness."""
    other = chained(20, 10, key=generate_hub_key())
    with pytest.raises(HistoryDiverged, match="not signed by the witnessed key"):
        walk(witness_at(10), [chained(10, 0), other])


def test_the_witness_file_keeps_the_checkpoint_offset() -> None:
    """The offset survives the witness file; a file without one (verify --write-witness) reads as None."""
    assert witness_from_json(witness_at(10, offset=4).to_json()).offset == 4
    assert witness_from_json(witness_at(10).to_json()).offset is None


def test_a_witness_file_whose_fingerprint_does_not_name_its_key_is_refused() -> None:
    """Editing the key or the fingerprint of a witness file makes it unreadable, never trusted."""
    document = json.loads(witness_at(10).to_json())
    other = generate_hub_key().public_key().public_bytes_raw().hex()
    for edited in (dict(document, fingerprint="0" * 64), dict(document, public_key=other)):
        with pytest.raises(WitnessUnreadable):
            witness_from_json(json.dumps(edited).encode())


def test_the_witness_file_keeps_access_logs_checkpoint_signed_by_the_same_key() -> None:
    """The access.log part is written and read back; a file without it pins audit.log only; an
    access.log part signed by another key or edited makes the file unreadable."""
    access = chained(7, 0).checkpoint
    witness = Witness(chained(16, 0).checkpoint, KEY.public_key(), 3, access)
    read = witness_from_json(witness.to_json())
    assert read.access == access and read.access_witness() == Witness(access, KEY.public_key())
    assert witness_from_json(witness_at(16).to_json()).access_witness() is None
    foreign = Witness(
        witness.checkpoint, KEY.public_key(), 3, chained(7, 0, key=generate_hub_key()).checkpoint
    )
    with pytest.raises(WitnessUnreadable):
        witness_from_json(foreign.to_json())
    document = json.loads(witness.to_json())
    document["access_log"]["tree_size"] = 6
    with pytest.raises(WitnessUnreadable):
        witness_from_json(json.dumps(document).encode())
