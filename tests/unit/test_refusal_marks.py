"""Refusal marks: keyed by the hub's signing key, and read back only when well formed."""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.refusal_marks import MARK_HEADER, RefusalMarks, mark_of

EVENT = uuid.UUID(int=7)


def test_a_mark_depends_on_the_key_the_event_id_and_the_content() -> None:
    key = Ed25519PrivateKey.generate()
    marks = RefusalMarks(key)
    mark = marks.mark(EVENT, b"\x01" * 32)
    assert mark == RefusalMarks(key).mark(EVENT, b"\x01" * 32) and len(mark) == 32
    assert mark != marks.mark(EVENT, b"\x02" * 32)
    assert mark != marks.mark(uuid.UUID(int=8), b"\x01" * 32)
    assert mark != RefusalMarks(Ed25519PrivateKey.generate()).mark(EVENT, b"\x01" * 32)


def test_only_a_well_formed_mark_is_read_back() -> None:
    good = bytes(range(32))
    assert mark_of([(MARK_HEADER, good.hex().encode())]) == good
    for bad in (b"zz" * 32, good.hex().encode()[:-2], b"\xff\xfe", b""):
        assert mark_of([(MARK_HEADER, bad)]) is None
    assert mark_of([("ce_id", good.hex().encode())]) is None
