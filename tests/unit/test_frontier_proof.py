"""Consistency proofs from the frontier at the old size and the leaves since: the full-tree proofs, exactly."""

from __future__ import annotations

import hashlib

import pytest

from ketenhub.core.frontier_proof import consistency_proof_from
from ketenhub.core.merkle import (
    MerkleFrontier,
    consistency_proof,
    leaf_hash,
    merkle_root,
    verify_consistency,
)
from ketenhub.errors import ProofInvalid

LEAVES = [leaf_hash(hashlib.sha256(str(n).encode()).digest()) for n in range(70)]


def frontier_of(leaves: list[bytes]) -> MerkleFrontier:
    """The frontier after appending ``leaves``."""
    frontier = MerkleFrontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier


def test_the_frontier_proof_equals_the_full_tree_proof_for_every_pair_of_sizes_up_to_70() -> None:
    """For all 1 <= m < n <= 70 the frontier at m and leaves [m, n) give the full tree's proof."""
    for old in range(1, 70):
        at_old = frontier_of(LEAVES[:old])
        for new in range(old + 1, 71):
            expected = consistency_proof(LEAVES, old, new)
            assert consistency_proof_from(at_old, LEAVES[old:new]) == expected, (old, new)


@pytest.mark.parametrize(("old", "new"), [(1, 2), (3, 7), (8, 9), (13, 64), (31, 70), (64, 70)])
def test_a_frontier_proof_convinces_the_verifier(old: int, new: int) -> None:
    """The existing RFC 9162 verifier accepts the proof between the roots of both trees."""
    proof = consistency_proof_from(frontier_of(LEAVES[:old]), LEAVES[old:new])
    verify_consistency(old, new, merkle_root(LEAVES[:old]), merkle_root(LEAVES[:new]), proof)


def test_a_frontier_proof_over_a_rewritten_old_leaf_fails_against_the_old_root() -> None:
    """A frontier over a history with one old leaf changed cannot prove consistency with the real old root."""
    forged = list(LEAVES)
    forged[5] = leaf_hash(b"rewritten")
    proof = consistency_proof_from(frontier_of(forged[:20]), forged[20:30])
    with pytest.raises(ProofInvalid):
        verify_consistency(20, 30, merkle_root(LEAVES[:20]), merkle_root(forged[:30]), proof)


def test_no_proof_is_needed_from_the_empty_tree_or_to_the_same_size() -> None:
    """From size 0, or with no new leaves, the proof is empty (as the full-tree function says)."""
    assert consistency_proof_from(MerkleFrontier(), LEAVES[:9]) == []
    assert consistency_proof_from(frontier_of(LEAVES[:9]), []) == []


def test_the_frontier_names_its_subtrees_by_leaf_range() -> None:
    """A frontier of 13 leaves keeps the roots of [0, 8), [8, 12) and [12, 13)."""
    ranges = frontier_of(LEAVES[:13]).subtree_roots()
    assert ranges == {
        (0, 8): merkle_root(LEAVES[:8]),
        (8, 12): merkle_root(LEAVES[8:12]),
        (12, 13): LEAVES[12],
    }
