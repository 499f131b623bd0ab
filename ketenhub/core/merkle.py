"""The Merkle tree over audit.log: RFC 9162 tree hashes, a compact frontier, and proofs.

Hashing is RFC 9162 §2.1.1 (identical to RFC 6962) over SHA-256: a leaf is
``SHA256(0x00 || data)``, an interior node ``SHA256(0x01 || left || right)``, the empty
tree ``SHA256(b"")``, and a tree of ``n > 1`` leaves splits at the largest power of two
below ``n``. A leaf's data is the 32-byte hash of one sealed record.

Error rule, one per side:

* Functions that *build* (``merkle_root``, ``inclusion_proof``, ``consistency_proof``,
  ``MerkleFrontier.append``) raise ``ValueError`` for arguments the caller got wrong
  (an index out of range, ``old_size > new_size``, a hash that is not 32 bytes): that is a
  bug in the caller, not a broken log.
* Functions that *verify* (``verify_inclusion``, ``verify_consistency``) take their input
  from someone else and raise only ``ProofInvalid`` (``InclusionProofInvalid`` or
  ``ConsistencyProofInvalid``) for anything that does not hold, malformed arguments
  included, so a verifier catches one exception.
* ``MerkleFrontier.from_bytes`` raises ``FrontierCorrupt`` for bytes it cannot restore.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence

from ketenhub.errors import IntegrityError, ProofInvalid

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_FRONTIER_MAGIC = b"KMF\x01"  # Ketenhub Merkle Frontier, format version 1
_FRONTIER_HEADER = len(_FRONTIER_MAGIC) + 8  # magic + big-endian unsigned 64-bit size


class InclusionProofInvalid(ProofInvalid):
    """An inclusion proof does not show that a leaf is at an index of a tree."""

    def __init__(self, index: int, tree_size: int, detail: str) -> None:
        self.index = index
        self.tree_size = tree_size
        self.detail = detail
        super().__init__(f"inclusion proof for leaf {index} in tree of size {tree_size}: {detail}")


class ConsistencyProofInvalid(ProofInvalid):
    """A consistency proof does not show that a larger tree extends a smaller one."""

    def __init__(self, old_size: int, new_size: int, detail: str) -> None:
        self.old_size = old_size
        self.new_size = new_size
        self.detail = detail
        super().__init__(
            f"consistency proof from tree size {old_size} to tree size {new_size}: {detail}"
        )


class FrontierCorrupt(IntegrityError):
    """Stored bytes cannot be restored into a Merkle frontier."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"stored Merkle frontier is malformed: {detail}")


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 leaf hash ``SHA256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash ``SHA256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash of a sequence of leaf hashes (``EMPTY_ROOT`` if empty)."""
    _check_leaves(leaf_hashes, len(leaf_hashes))
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes))


class MerkleFrontier:
    """The compact range of a log that only grows: one root per perfect subtree.

    It holds ``popcount(size)`` hashes, left (largest subtree) to right, so appending is
    amortised O(1) and ``root()`` is O(log n). ``to_bytes`` gives ``b"KMF\\x01"``, the
    size as a big-endian unsigned 64-bit integer, then the subtree hashes.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._peaks: list[bytes] = []

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf hash to the right edge of the tree."""
        if type(leaf_hash) is not bytes or len(leaf_hash) != HASH_SIZE:
            _check_hash(leaf_hash, f"leaf hash #{self._size}")
        node, carry, peaks = leaf_hash, self._size, self._peaks
        while carry & 1:
            node = _sha256(_NODE_PREFIX + peaks.pop() + node).digest()  # ``node_hash``
            carry >>= 1
        peaks.append(node)
        self._size += 1

    def root(self) -> bytes:
        """Return the Merkle Tree Hash of every leaf appended so far."""
        if not self._peaks:
            return EMPTY_ROOT
        root = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            root = node_hash(peak, root)
        return root

    def subtree_roots(self) -> dict[tuple[int, int], bytes]:
        """The perfect subtrees the frontier keeps, by leaf range ``(start, end)``."""
        ranges: dict[tuple[int, int], bytes] = {}
        start = 0
        for bit, peak in zip(_bits_high_to_low(self._size), self._peaks, strict=True):
            ranges[(start, start + bit)] = peak
            start += bit
        return ranges

    def copy(self) -> MerkleFrontier:
        """An independent frontier of the same leaves."""
        twin = MerkleFrontier()
        twin._size, twin._peaks = self._size, list(self._peaks)
        return twin

    def to_bytes(self) -> bytes:
        """Serialise the frontier for storage; ``from_bytes`` restores it."""
        return _FRONTIER_MAGIC + struct.pack(">Q", self._size) + b"".join(self._peaks)

    @classmethod
    def from_bytes(cls, data: bytes) -> MerkleFrontier:
        """Restore a frontier from ``to_bytes`` output, raising ``FrontierCorrupt`` if malformed."""
        if not isinstance(data, bytes | bytearray):
            detail = f"expected bytes, got {type(data).__name__}"
            raise FrontierCorrupt(detail)
        if len(data) < _FRONTIER_HEADER:
            detail = f"{len(data)} byte(s) is shorter than the {_FRONTIER_HEADER}-byte header"
            raise FrontierCorrupt(detail)
        if data[: len(_FRONTIER_MAGIC)] != _FRONTIER_MAGIC:
            detail = (
                f"starts with {bytes(data[:4]).hex()}, expected {_FRONTIER_MAGIC.hex()} "
                "(magic and format version 1)"
            )
            raise FrontierCorrupt(detail)
        (size,) = struct.unpack_from(">Q", data, len(_FRONTIER_MAGIC))
        expected = _FRONTIER_HEADER + HASH_SIZE * size.bit_count()
        if len(data) != expected:
            detail = (
                f"a tree of size {size} needs {size.bit_count()} subtree hash(es), "
                f"{expected} bytes in all, got {len(data)} bytes"
            )
            raise FrontierCorrupt(detail)
        frontier = cls()
        frontier._size = size
        frontier._peaks = [
            bytes(data[at : at + HASH_SIZE]) for at in range(_FRONTIER_HEADER, expected, HASH_SIZE)
        ]
        return frontier

    def __repr__(self) -> str:
        return f"MerkleFrontier(size={self._size})"


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, tree_size: int) -> list[bytes]:
    """Return the RFC 9162 audit path of leaf ``index`` in the tree of the first ``tree_size``."""
    _check_leaves(leaf_hashes, tree_size)
    if not 0 <= index < tree_size:
        msg = f"leaf index {index} is outside a tree of size {tree_size}"
        raise ValueError(msg)
    siblings: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            siblings.append(_subtree_root(leaf_hashes, mid, end))
            end = mid
        else:
            siblings.append(_subtree_root(leaf_hashes, start, mid))
            start = mid
    return siblings[::-1]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """Return the RFC 9162 proof that the tree of ``new_size`` leaves extends ``old_size``."""
    _check_leaves(leaf_hashes, new_size)
    return consistency_path(
        old_size, new_size, lambda start, end: _subtree_root(leaf_hashes, start, end)
    )


def consistency_path(
    old_size: int, new_size: int, subtree_root: Callable[[int, int], bytes]
) -> list[bytes]:
    """Return the RFC 9162 consistency proof, asking ``subtree_root(start, end)`` for each node.

    Every range asked for is either a perfect subtree of the old tree (a node of its
    frontier) or lies wholly at or after ``old_size``: so whoever kept the frontier at
    ``old_size`` and the leaves since can answer (``frontier_proof``).
    """
    if not 0 <= old_size <= new_size:
        msg = f"old tree size {old_size} must be between 0 and the new size {new_size}"
        raise ValueError(msg)
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, end, old, whole = 0, new_size, old_size, True
    while old != end - start:
        split = _split(end - start)
        if old <= split:
            proof.append(subtree_root(start + split, end))
            end = start + split
        else:
            proof.append(subtree_root(start, start + split))
            start, old, whole = start + split, old - split, False
    if not whole:
        proof.append(subtree_root(start, end))
    return proof[::-1]


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` puts ``leaf_hash`` at ``index`` of the tree ``root`` (RFC 9162).

    Take ``tree_size`` and ``root`` from one verified checkpoint: an audit path alone does
    not pin the tree size (leaf 0 has paths of one shape in trees of 5 and 6 leaves).
    """
    problem = _inclusion_problem(leaf_hash, index, tree_size, proof, root)
    if problem is not None:
        raise InclusionProofInvalid(index, tree_size, problem)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that ``proof`` shows the tree ``new_root`` extends ``old_root`` (RFC 9162).

    Beyond the RFC's ``0 < old_size < new_size``: equal sizes need an empty proof and equal
    roots; an empty old tree (root ``SHA256(b"")``) is extended by any tree, empty proof.
    """
    problem = _consistency_problem(old_size, new_size, old_root, new_root, proof)
    if problem is not None:
        raise ConsistencyProofInvalid(old_size, new_size, problem)


def _inclusion_problem(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> str | None:
    """Return why an inclusion proof fails, or None if it holds."""
    if not 0 <= index < tree_size:
        return "the leaf index must not be negative and must be below the tree size"
    malformed = _malformed_hash([("the leaf hash", leaf_hash), ("the root", root)], proof)
    if malformed is not None:
        return malformed
    inner, border = _path_shape(index, tree_size)
    if len(proof) != inner + border:
        return f"the proof has {len(proof)} hash(es), the path needs {inner + border}"
    computed = _inclusion_root(leaf_hash, index, tree_size, proof)
    if computed is None:
        return "the proof length does not match the path to the root"
    if computed != root:
        return f"the path leads to root {computed.hex()}, not the expected {root.hex()}"
    return None


def _inclusion_root(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes | None:
    """Fold an audit path into a root as RFC 9162 §2.1.3.2 does; None if the length is off."""
    fn, sn, computed = index, tree_size - 1, leaf_hash
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    return computed if sn == 0 else None


def _consistency_problem(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> str | None:
    """Return why a consistency proof fails, or None if it holds."""
    if not 0 <= old_size <= new_size:
        return "the old size must not be negative and must not exceed the new size"
    malformed = _malformed_hash([("the old root", old_root), ("the new root", new_root)], proof)
    if malformed is not None:
        return malformed
    if old_size in (0, new_size):
        return _trivial_consistency_problem(old_size, old_root, new_root, proof)
    needed = _consistency_proof_length(old_size, new_size)
    if len(proof) != needed:
        return f"the proof has {len(proof)} hash(es), these sizes need {needed}"
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    computed = _consistency_roots(old_size, new_size, path)
    if computed is None:
        return "the proof length does not match the paths it must cover"
    if computed[0] != old_root:
        return f"the proof leads to old root {computed[0].hex()}, not {old_root.hex()}"
    if computed[1] != new_root:
        return f"the proof leads to new root {computed[1].hex()}, not {new_root.hex()}"
    return None


def _consistency_roots(
    old_size: int, new_size: int, path: Sequence[bytes]
) -> tuple[bytes, bytes] | None:
    """Fold a consistency path into (old root, new root) as RFC 9162 §2.1.4.2 does."""
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            old_computed = node_hash(sibling, old_computed)
            new_computed = node_hash(sibling, new_computed)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_computed = node_hash(new_computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    return (old_computed, new_computed) if sn == 0 else None


def _trivial_consistency_problem(
    old_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> str | None:
    """Judge the cases the RFC leaves out: an empty old tree, or two trees of one size."""
    if proof:
        return f"the proof must be empty for these sizes, it has {len(proof)} hash(es)"
    if old_size == 0 and old_root != EMPTY_ROOT:
        return f"an empty tree has root {EMPTY_ROOT.hex()}, not {old_root.hex()}"
    if old_size != 0 and old_root != new_root:
        return "two trees of the same size have different roots"
    return None


def _consistency_proof_length(old_size: int, new_size: int) -> int:
    """Return how many hashes a consistency proof for ``0 < old_size < new_size`` has."""
    inner, border = _path_shape(old_size - 1, new_size)
    shift = (old_size & -old_size).bit_length() - 1  # trailing zero bits of old_size
    return inner - shift + border + (0 if old_size == 1 << shift else 1)


def _malformed_hash(named: list[tuple[str, bytes]], proof: Sequence[bytes]) -> str | None:
    """Name the first hash in a verifier's input that is not 32 bytes, if any."""
    named = named + [(f"proof hash #{i}", value) for i, value in enumerate(proof)]
    for name, value in named:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            got = f"{len(value)}" if isinstance(value, bytes) else type(value).__name__
            return f"{name} must be {HASH_SIZE} bytes, got {got}"
    return None


def _path_shape(index: int, size: int) -> tuple[int, int]:
    """Return (inner, border) node counts of the path from ``index`` to the root of ``size``."""
    inner = (index ^ (size - 1)).bit_length()
    return inner, (index >> inner).bit_count()


def _bits_high_to_low(size: int) -> list[int]:
    """The powers of two that sum to ``size``, largest first (the frontier's subtree sizes)."""
    return [1 << b for b in reversed(range(size.bit_length())) if size >> b & 1]


def _split(size: int) -> int:
    """Return the largest power of two strictly below ``size`` (which is at least 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """Return the Merkle Tree Hash of ``leaf_hashes[start:end]`` (non-empty)."""
    if end - start == 1:
        return leaf_hashes[start]
    mid = start + _split(end - start)
    return node_hash(_subtree_root(leaf_hashes, start, mid), _subtree_root(leaf_hashes, mid, end))


def _check_leaves(leaf_hashes: Sequence[bytes], tree_size: int) -> None:
    """Reject a tree size beyond the leaves given, or a leaf hash that is not 32 bytes."""
    if not 0 <= tree_size <= len(leaf_hashes):
        msg = f"tree size {tree_size} is outside the {len(leaf_hashes)} leaf hash(es) given"
        raise ValueError(msg)
    for position in range(tree_size):
        _check_hash(leaf_hashes[position], f"leaf hash #{position}")


def _check_hash(value: bytes, name: str) -> None:
    """Reject a hash argument that is not 32 bytes."""
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        msg = f"{name} must be {HASH_SIZE} bytes of SHA-256, got {type(value).__name__}"
        if isinstance(value, bytes):
            msg += f" of length {len(value)}"
        raise ValueError(msg)
