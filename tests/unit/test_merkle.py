"""Tests of the RFC 9162 Merkle tree, its frontier, and inclusion and consistency proofs.

The oracle is a naive transcription of RFC 9162 §2.1.1-§2.1.4 (MTH, PATH, SUBPROOF) over
list slices, written here independently of ``ketenhub.core.merkle``. Known answers are
the RFC 6962 test vectors published by transparency-dev/merkle (testonly/constants.go),
which the naive oracle reproduces as well.
"""

from __future__ import annotations

import hashlib

import pytest

from ketenhub.core.merkle import (
    EMPTY_ROOT,
    ConsistencyProofInvalid,
    FrontierCorrupt,
    InclusionProofInvalid,
    MerkleFrontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    verify_consistency,
    verify_inclusion,
)
from ketenhub.errors import IntegrityError, ProofInvalid

# --- the naive oracle: RFC 9162 §2.1 as written, slices and recursion -------------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """Largest power of two strictly less than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(data: list[bytes]) -> bytes:
    """MTH(D[n]) over raw leaf data."""
    if not data:
        return _sha256(b"")
    if len(data) == 1:
        return _sha256(b"\x00" + data[0])
    k = _k(len(data))
    return _sha256(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:]))


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    if len(data) == 1:
        return []
    k = _k(len(data))
    if m < k:
        return [*ref_path(m, data[:k]), ref_mth(data[k:])]
    return [*ref_path(m - k, data[k:]), ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    if m == len(data):
        return [] if whole else [ref_mth(data)]
    k = _k(len(data))
    if m <= k:
        return [*ref_subproof(m, data[:k], whole), ref_mth(data[k:])]
    return [*ref_subproof(m - k, data[k:], False), ref_mth(data[:k])]


# --- shared synthetic data ------------------------------------------------------------

# Leaf data are 32-byte hashes of synthetic sealed records, as in the audit log.
DATA = [_sha256(f"synthetic sealed record {i}".encode()) for i in range(71)]
LEAVES = [leaf_hash(d) for d in DATA]
ROOTS = [ref_mth(DATA[:n]) for n in range(len(DATA) + 1)]
PROOF_SIZES = range(1, 41)


def _flip(value: bytes, bit: int) -> bytes:
    """Return value with one bit flipped."""
    mutable = bytearray(value)
    mutable[(bit // 8) % len(mutable)] ^= 1 << (bit % 8)
    return bytes(mutable)


# --- known answers ----------------------------------------------------------------------

CT_DATA = [
    bytes.fromhex(h)
    for h in (
        *("", "00", "10", "2021", "3031", "40414243", "5051525354555657"),
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def test_empty_tree_root_is_sha256_of_empty_string() -> None:
    """The root of no leaves, from the function and from a new frontier, is SHA-256("")."""
    assert merkle_root([]) == EMPTY_ROOT == _sha256(b"")
    assert MerkleFrontier().root() == EMPTY_ROOT


def test_single_empty_leaf_root_is_the_known_answer() -> None:
    """The tree of the one leaf ``leaf_hash(b"")`` has root SHA-256(0x00), i.e. 6e340b9c…."""
    single = leaf_hash(b"")
    assert single.hex() == CT_ROOTS[1]
    assert merkle_root([single]) == single == _sha256(b"\x00")


def test_roots_match_the_published_rfc6962_vectors() -> None:
    """Roots of the first 0..8 reference leaves equal the published vectors and the oracle."""
    leaves = [leaf_hash(d) for d in CT_DATA]
    frontier = MerkleFrontier()
    for size, expected in enumerate(CT_ROOTS):
        assert merkle_root(leaves[:size]).hex() == expected
        assert ref_mth(CT_DATA[:size]).hex() == expected
        assert frontier.root().hex() == expected
        if size < len(leaves):
            frontier.append(leaves[size])


@pytest.mark.parametrize(("index", "size"), sorted(CT_INCLUSION))
def test_inclusion_proofs_match_the_published_vectors(index: int, size: int) -> None:
    """The audit paths for the reference leaves equal the published vectors and verify."""
    leaves = [leaf_hash(d) for d in CT_DATA]
    proof = inclusion_proof(leaves, index, size)
    assert [h.hex() for h in proof] == CT_INCLUSION[(index, size)]
    verify_inclusion(leaves[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("old", "new"), sorted(CT_CONSISTENCY))
def test_consistency_proofs_match_the_published_vectors(old: int, new: int) -> None:
    """The consistency proofs for the reference leaves equal the published vectors and verify."""
    leaves = [leaf_hash(d) for d in CT_DATA]
    proof = consistency_proof(leaves, old, new)
    assert [h.hex() for h in proof] == CT_CONSISTENCY[(old, new)]
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    verify_consistency(old, new, old_root, new_root, proof)


# --- roots and the frontier -------------------------------------------------------------


@pytest.mark.parametrize("size", range(len(DATA) + 1))
def test_merkle_root_matches_the_naive_reference(size: int) -> None:
    """merkle_root over the first n leaf hashes equals the recursive RFC definition."""
    assert merkle_root(LEAVES[:size]) == ROOTS[size]


def test_frontier_root_matches_the_naive_reference_at_every_size() -> None:
    """A frontier fed one leaf at a time has the reference root and size after each append."""
    frontier = MerkleFrontier()
    for size in range(len(DATA) + 1):
        assert frontier.size == size
        assert frontier.root() == ROOTS[size]
        if size < len(LEAVES):
            frontier.append(LEAVES[size])


@pytest.mark.parametrize("size", range(len(DATA) + 1))
def test_frontier_survives_serialisation_and_keeps_appending(size: int) -> None:
    """A frontier restored from its bytes has the same root and keeps growing correctly."""
    frontier = MerkleFrontier()
    for leaf in LEAVES[:size]:
        frontier.append(leaf)
    restored = MerkleFrontier.from_bytes(frontier.to_bytes())
    assert restored.size == size
    assert restored.root() == ROOTS[size]
    assert restored.to_bytes() == frontier.to_bytes()
    for grown, leaf in enumerate(LEAVES[size:], start=size + 1):
        restored.append(leaf)
        assert restored.root() == ROOTS[grown]


def test_frontier_bytes_hold_one_hash_per_perfect_subtree() -> None:
    """A frontier of 7 leaves stores a 12-byte header and three subtree hashes."""
    frontier = MerkleFrontier()
    for leaf in LEAVES[:7]:
        frontier.append(leaf)
    assert len(frontier.to_bytes()) == 12 + 3 * 32


def _frontier_bytes(size: int) -> bytes:
    frontier = MerkleFrontier()
    for leaf in LEAVES[:size]:
        frontier.append(leaf)
    return frontier.to_bytes()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(_frontier_bytes(5)[:11], id="short-header"),
        pytest.param(b"XXXX" + _frontier_bytes(5)[4:], id="bad-magic"),
        pytest.param(b"KMF\x02" + _frontier_bytes(5)[4:], id="unknown-version"),
        pytest.param(_frontier_bytes(5)[:-1], id="truncated-hash"),
        pytest.param(_frontier_bytes(5) + bytes(32), id="extra-hash"),
        pytest.param(_frontier_bytes(4)[:4] + (5).to_bytes(8, "big") + bytes(32), id="size-lie"),
        pytest.param("KMF\x01", id="not-bytes"),
    ],
)
def test_malformed_frontier_bytes_raise_frontier_corrupt(data: bytes) -> None:
    """Bytes that are not a well-formed serialised frontier raise FrontierCorrupt."""
    with pytest.raises(FrontierCorrupt, match="stored Merkle frontier is malformed") as caught:
        MerkleFrontier.from_bytes(data)
    assert isinstance(caught.value, IntegrityError)


@pytest.mark.parametrize("bad", [b"", bytes(31), bytes(33)])
def test_frontier_refuses_a_leaf_hash_that_is_not_32_bytes(bad: bytes) -> None:
    """Appending a value that is not a 32-byte hash raises ValueError and changes nothing."""
    frontier = MerkleFrontier()
    frontier.append(LEAVES[0])
    with pytest.raises(ValueError, match="must be 32 bytes"):
        frontier.append(bad)
    assert frontier.size == 1
    assert frontier.root() == ROOTS[1]


# --- inclusion proofs -----------------------------------------------------------------


@pytest.mark.parametrize("size", PROOF_SIZES)
def test_every_inclusion_proof_verifies_and_matches_the_reference(size: int) -> None:
    """For every index of a tree, the audit path equals PATH(m, D[n]) and verifies."""
    for index in range(size):
        proof = inclusion_proof(LEAVES, index, size)
        assert proof == ref_path(index, DATA[:size])
        verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


def _assert_inclusion_fails(
    leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes
) -> None:
    with pytest.raises(InclusionProofInvalid):
        verify_inclusion(leaf, index, size, proof, root)


@pytest.mark.parametrize("size", PROOF_SIZES)
def test_tampered_inclusion_proofs_fail(size: int) -> None:
    """A flipped bit in any proof hash, the leaf or the root, or a cut or padded path, fails."""
    for index in range(size):
        leaf, proof, root = LEAVES[index], inclusion_proof(LEAVES, index, size), ROOTS[size]
        for position in range(len(proof)):
            flipped = [*proof]
            flipped[position] = _flip(proof[position], 37 * position + index)
            _assert_inclusion_fails(leaf, index, size, flipped, root)
        _assert_inclusion_fails(_flip(leaf, index), index, size, proof, root)
        _assert_inclusion_fails(leaf, index, size, proof, _flip(root, size))
        _assert_inclusion_fails(leaf, index, size, [*proof, LEAVES[0]], root)
        if proof:
            _assert_inclusion_fails(leaf, index, size, proof[:-1], root)


@pytest.mark.parametrize("size", PROOF_SIZES)
def test_inclusion_proof_for_the_wrong_index_size_or_root_fails(size: int) -> None:
    """A proof is refused for any other index, any other (size, root) pair, or another root.

    Size and root are changed together: the checkpoint signs them as a pair, and an audit
    path alone does not pin the size (RFC 9162 proofs for sizes 5 and 6 of leaf 0 have one
    shape), so a wrong size is only meaningful with that size's root.
    """
    for index in range(size):
        leaf, proof = LEAVES[index], inclusion_proof(LEAVES, index, size)
        for other in [*range(-1, index), *range(index + 1, size + 1)]:
            _assert_inclusion_fails(leaf, other, size, proof, ROOTS[size])
        for other_size in range(index + 1, len(ROOTS)):
            if other_size != size:
                _assert_inclusion_fails(leaf, index, other_size, proof, ROOTS[other_size])
                _assert_inclusion_fails(leaf, index, size, proof, ROOTS[other_size])


def test_inclusion_failure_message_names_proof_index_size_and_reason() -> None:
    """The error says it is an inclusion proof, for which leaf and size, and why it failed."""
    proof = inclusion_proof(LEAVES, 3, 10)
    with pytest.raises(InclusionProofInvalid) as caught:
        verify_inclusion(LEAVES[3], 3, 10, proof, ROOTS[9])
    message = str(caught.value)
    assert "inclusion proof for leaf 3 in tree of size 10" in message
    assert f"not the expected {ROOTS[9].hex()}" in message
    assert isinstance(caught.value, ProofInvalid)
    assert (caught.value.index, caught.value.tree_size) == (3, 10)


@pytest.mark.parametrize(
    ("leaf", "index", "size", "proof", "root", "reason"),
    [
        (LEAVES[0], 4, 4, [], ROOTS[4], "index must not be negative and must be below"),
        (LEAVES[0], 0, 0, [], ROOTS[0], "index must not be negative and must be below"),
        (bytes(31), 0, 2, [LEAVES[1]], ROOTS[2], "the leaf hash must be 32 bytes, got 31"),
        (LEAVES[0], 0, 2, [LEAVES[1]], ROOTS[2][:-1], "the root must be 32 bytes"),
        (LEAVES[0], 0, 2, [LEAVES[1] + b"\x00"], ROOTS[2], "proof hash #0 must be 32 bytes"),
        (LEAVES[0], 0, 2, ["not bytes"], ROOTS[2], "proof hash #0 must be 32 bytes, got str"),
        (LEAVES[0], 0, 2, [], ROOTS[2], "the proof has 0 hash(es), the path needs 1"),
    ],
    ids=["index-at-size", "empty-tree", "short-leaf", "short-root", "long-hash", "str", "no-path"],
)
def test_malformed_inclusion_arguments_raise_proof_invalid(
    leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes, reason: str
) -> None:
    """A verifier given malformed arguments raises ProofInvalid saying what is wrong."""
    with pytest.raises(ProofInvalid, match=reason.replace("(", r"\(").replace(")", r"\)")):
        verify_inclusion(leaf, index, size, proof, root)


@pytest.mark.parametrize(
    ("index", "size", "reason"),
    [
        (5, 5, "leaf index 5 is outside a tree of size 5"),
        (-1, 5, "leaf index -1 is outside"),
        (0, 72, "tree size 72 is outside the 71 leaf hash"),
        (0, 0, "leaf index 0 is outside a tree of size 0"),
    ],
)
def test_inclusion_proof_with_bad_arguments_raises_value_error(
    index: int, size: int, reason: str
) -> None:
    """Building a proof for an index or size outside the leaves given raises ValueError."""
    with pytest.raises(ValueError, match=reason):
        inclusion_proof(LEAVES, index, size)


def test_building_from_a_malformed_leaf_hash_raises_value_error() -> None:
    """A leaf hash that is not 32 bytes is refused by the root and both proof builders."""
    leaves = [LEAVES[0], b"short", LEAVES[2]]
    for build in (
        lambda: merkle_root(leaves),
        lambda: inclusion_proof(leaves, 0, 3),
        lambda: consistency_proof(leaves, 1, 3),
    ):
        with pytest.raises(ValueError, match="leaf hash #1 must be 32 bytes"):
            build()


# --- consistency proofs ---------------------------------------------------------------


@pytest.mark.parametrize("new", PROOF_SIZES)
def test_every_consistency_proof_verifies_and_matches_the_reference(new: int) -> None:
    """For every 1 <= m <= n, the proof equals PROOF(m, D[n]) and verifies."""
    for old in range(1, new + 1):
        proof = consistency_proof(LEAVES, old, new)
        assert proof == ref_subproof(old, DATA[:new], True)
        verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def _assert_consistency_fails(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> None:
    with pytest.raises(ConsistencyProofInvalid):
        verify_consistency(old, new, old_root, new_root, proof)


@pytest.mark.parametrize("new", PROOF_SIZES)
def test_tampered_consistency_proofs_fail(new: int) -> None:
    """A flipped bit in any proof hash or either root, or a cut or padded proof, fails."""
    for old in range(1, new + 1):
        proof = consistency_proof(LEAVES, old, new)
        old_root, new_root = ROOTS[old], ROOTS[new]
        for position in range(len(proof)):
            flipped = [*proof]
            flipped[position] = _flip(proof[position], 53 * position + old)
            _assert_consistency_fails(old, new, old_root, new_root, flipped)
        _assert_consistency_fails(old, new, _flip(old_root, new), new_root, proof)
        _assert_consistency_fails(old, new, old_root, _flip(new_root, old), proof)
        _assert_consistency_fails(old, new, old_root, new_root, [*proof, LEAVES[0]])
        if proof:
            _assert_consistency_fails(old, new, old_root, new_root, proof[:-1])


@pytest.mark.parametrize("new", PROOF_SIZES)
def test_consistency_proof_for_other_sizes_or_roots_fails(new: int) -> None:
    """A proof is refused for any other (old size, old root) or (new size, new root) pair."""
    for old in range(1, new + 1):
        proof = consistency_proof(LEAVES, old, new)
        for other_old in range(1, new + 1):
            if other_old != old:
                _assert_consistency_fails(other_old, new, ROOTS[other_old], ROOTS[new], proof)
                _assert_consistency_fails(old, new, ROOTS[other_old], ROOTS[new], proof)
        for other_new in range(old, len(ROOTS)):
            if other_new != new:
                _assert_consistency_fails(old, other_new, ROOTS[old], ROOTS[other_new], proof)
                _assert_consistency_fails(old, new, ROOTS[old], ROOTS[other_new], proof)


def test_a_rewritten_log_fails_consistency() -> None:
    """A log whose early record was replaced cannot prove it extends the original prefix."""
    rewritten = [*LEAVES[:20]]
    rewritten[3] = leaf_hash(_sha256(b"synthetic forged record"))
    proof = consistency_proof(rewritten, 10, 20)
    with pytest.raises(ConsistencyProofInvalid, match="the proof leads to old root"):
        verify_consistency(10, 20, ROOTS[10], merkle_root(rewritten), proof)


def test_the_empty_tree_is_extended_by_every_tree() -> None:
    """From size 0 the proof is empty and verifies only against the empty-tree root."""
    for new in range(len(ROOTS)):
        assert consistency_proof(LEAVES, 0, new) == []
        verify_consistency(0, new, EMPTY_ROOT, ROOTS[new], [])
    with pytest.raises(ConsistencyProofInvalid, match="an empty tree has root e3b0c442"):
        verify_consistency(0, 5, ROOTS[1], ROOTS[5], [])


def test_equal_sizes_need_equal_roots_and_an_empty_proof() -> None:
    """Two trees of one size are consistent only if their roots are equal and no proof is sent."""
    verify_consistency(7, 7, ROOTS[7], ROOTS[7], [])
    with pytest.raises(ConsistencyProofInvalid, match="same size have different roots"):
        verify_consistency(7, 7, ROOTS[7], _flip(ROOTS[7], 0), [])
    with pytest.raises(ConsistencyProofInvalid, match=r"must be empty for these sizes, it has 1"):
        verify_consistency(7, 7, ROOTS[7], ROOTS[7], [LEAVES[0]])


def test_consistency_failure_message_names_proof_sizes_and_reason() -> None:
    """The error says it is a consistency proof, between which sizes, and why it failed."""
    proof = consistency_proof(LEAVES, 6, 13)
    with pytest.raises(ProofInvalid) as caught:
        verify_consistency(6, 13, ROOTS[6], ROOTS[12], proof)
    message = str(caught.value)
    assert "consistency proof from tree size 6 to tree size 13" in message
    assert f"the proof leads to new root {ROOTS[13].hex()}, not {ROOTS[12].hex()}" in message


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "reason"),
    [
        (5, 3, ROOTS[5], ROOTS[3], "old size must not be negative and must not exceed"),
        (-1, 3, ROOTS[0], ROOTS[3], "old size must not be negative and must not exceed"),
        (2, 3, ROOTS[2][:16], ROOTS[3], "the old root must be 32 bytes, got 16"),
        (2, 3, ROOTS[2], b"", "the new root must be 32 bytes, got 0"),
        (3, 5, ROOTS[3], ROOTS[5], r"the proof has 0 hash\(es\), these sizes need 4"),
    ],
    ids=["old-after-new", "negative-old", "short-old-root", "empty-new-root", "missing-proof"],
)
def test_malformed_consistency_arguments_raise_proof_invalid(
    old: int, new: int, old_root: bytes, new_root: bytes, reason: str
) -> None:
    """A verifier given malformed sizes, roots or proof length raises ProofInvalid saying why."""
    with pytest.raises(ProofInvalid, match=reason):
        verify_consistency(old, new, old_root, new_root, [])


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (5, 3, "old tree size 5 must be between 0 and the new size 3"),
        (-1, 3, "old tree size -1 must be between 0"),
        (1, 72, "tree size 72 is outside the 71 leaf hash"),
    ],
)
def test_consistency_proof_with_bad_arguments_raises_value_error(
    old: int, new: int, reason: str
) -> None:
    """Building a consistency proof for sizes out of order or past the leaves raises ValueError."""
    with pytest.raises(ValueError, match=reason):
        consistency_proof(LEAVES, old, new)
