"""Consistency proofs from a frontier: what a sealer that keeps no old leaves can still prove.

An RFC 9162 consistency proof from tree size ``m`` to ``n`` is made of subtree roots. Each
of them is either a perfect subtree of the tree at size ``m`` (a node that the
``MerkleFrontier`` at ``m`` keeps) or a subtree lying wholly in the leaves ``[m, n)``. So
the frontier at the last checkpoint plus the leaf hashes since are enough to prove that
the next checkpoint extends it, however long the log already is.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketenhub.core.merkle import MerkleFrontier, consistency_path, merkle_root


def consistency_proof_from(
    frontier_at_old: MerkleFrontier, new_leaf_hashes: Sequence[bytes]
) -> list[bytes]:
    """Return the RFC 9162 proof that the tree with ``new_leaf_hashes`` appended extends the old one.

    ``frontier_at_old`` is the frontier at the old tree size ``m``; ``new_leaf_hashes`` are
    the leaves ``m, m+1, ...`` appended since. The proof is the one ``consistency_proof``
    computes from every leaf of the larger tree.
    """
    old_size = frontier_at_old.size
    kept = frontier_at_old.subtree_roots()

    def subtree_root(start: int, end: int) -> bytes:
        if start >= old_size:
            return merkle_root(new_leaf_hashes[start - old_size : end - old_size])
        try:
            return kept[(start, end)]
        except KeyError:
            msg = (
                f"leaves [{start}, {end}) are neither a subtree the frontier at size "
                f"{old_size} keeps nor leaves appended after it"
            )
            raise AssertionError(msg) from None

    return consistency_path(old_size, old_size + len(new_leaf_hashes), subtree_root)
