"""Replay's check of stored records: the same verdicts as decoding each record, for any damage."""

from __future__ import annotations

import gc

import pytest
from synthetic import NOW, Story

from ketenhub.codec.single_object import HEADER_SIZE, decode_datum, encode_event
from ketenhub.core.checkpoints import Checkpoint, generate_hub_key, sign_checkpoint
from ketenhub.core.merkle import MerkleFrontier, leaf_hash
from ketenhub.core.sealing import (
    ChainHead,
    decode_sealed,
    encode_sealed,
    seal,
    sealed_record_schema,
)
from ketenhub.errors import CodecError
from replay.pipeline import _collections_paused, _history_frozen
from replay.verify import LogVerifier, VerificationFailed

KEY = generate_hub_key()
SIZE, EVERY = 12, 4


def _history() -> tuple[list[bytes], list[Checkpoint]]:
    """Twelve sealed records and a signed checkpoint every four."""
    story, head, frontier = Story(), ChainHead(), MerkleFrontier()
    stored, checkpoints = [], []
    for n in range(SIZE):
        event = story.signal()
        record = seal(head, "police", event, encode_event(event), NOW)
        head = head.after(record)
        stored.append(encode_sealed(record))
        frontier.append(leaf_hash(record.hash))
        if frontier.size % EVERY == 0:
            checkpoints.append(sign_checkpoint(KEY, frontier.size, frontier.root(), n))
    return stored, checkpoints


def _outcome(values: list[tuple[int, bytes]], checkpoints: list[Checkpoint], lean: bool) -> object:
    """The payloads a verifier gives for the records, and its result or the error it raises."""
    verifier = LogVerifier(KEY.public_key(), checkpoints)
    payloads: list[bytes] = []
    try:
        for offset, value in values:
            if lean:
                payloads.append(verifier.check(offset, value))
            else:
                payloads.append(verifier.feed(offset, value).payload)
        return payloads, verifier.finish()
    except VerificationFailed as exc:
        return payloads, str(exc), exc.offset


def _damaged(stored: list[bytes]) -> list[list[tuple[int, bytes]]]:
    """The history with one record changed, cut, extended, removed, repeated or swapped."""
    whole = list(enumerate(stored))
    variants = []
    for at in (0, 5, SIZE - 1):
        value = stored[at]
        for pos in range(len(value)):
            for flip in (0x01, 0x80):
                changed = value[:pos] + bytes([value[pos] ^ flip]) + value[pos + 1 :]
                variants.append([*whole[:at], (at, changed), *whole[at + 1 :]])
        variants.append([*whole[:at], (at, value[:-1]), *whole[at + 1 :]])
        variants.append([*whole[:at], (at, value + b"\x00"), *whole[at + 1 :]])
        variants.append([*whole[:at], *whole[at + 1 :]])
        variants.append([*whole[:at], (at, stored[at - 1]), *whole[at + 1 :]])
    variants.append(whole[: SIZE - 2])
    variants.append([(o, v) for o, v in whole if o != 3] + [(3, stored[3])])
    return variants


def test_an_intact_history_gives_the_same_payloads_and_result() -> None:
    """Checked in place or decoded, an intact history gives the same payloads and result."""
    stored, checkpoints = _history()
    values = list(enumerate(stored))
    lean = _outcome(values, checkpoints, lean=True)
    assert lean == _outcome(values, checkpoints, lean=False)
    assert lean[0] == [decode_sealed(v, o).payload for o, v in values]


@pytest.mark.parametrize("signed", [True, False])
def test_every_damage_gives_the_same_verdict_as_decoding_each_record(signed: bool) -> None:
    """Any changed, cut, extended, removed, repeated or reordered record is refused with the
    same error at the same offset (or passes the same way) as when each record is decoded,
    with and without the signed checkpoints."""
    stored, checkpoints = _history()
    kept = checkpoints if signed else []
    refused = 0
    for values in _damaged(stored):
        lean = _outcome(values, kept, lean=True)
        assert lean == _outcome(values, kept, lean=False)
        refused += isinstance(lean[1], str)  # (payloads, message, offset): refused
    assert refused > 100


def test_a_record_whose_header_was_changed_is_refused_both_ways() -> None:
    """The hash of a sealed record does not cover its 10-byte header (marker and fingerprint),
    so a changed header byte is caught only by reading it: checked in place or decoded, a
    record with any header byte changed is refused at its offset, as the generic decoder
    refuses it, with and without the signed checkpoints."""
    stored, checkpoints = _history()
    for kept in (checkpoints, []):
        for pos in range(HEADER_SIZE):
            for flip in (0x01, 0x80, 0xFF):
                value = stored[5]
                changed = value[:pos] + bytes([value[pos] ^ flip]) + value[pos + 1 :]
                with pytest.raises(CodecError):
                    decode_datum(changed, sealed_record_schema())
                values = [*enumerate(stored[:5]), (5, changed), *enumerate(stored[6:], 6)]
                for lean in (True, False):
                    refused = _outcome(values, kept, lean)
                    assert isinstance(refused, tuple)
                    assert len(refused) == 3, "a changed header passed"  # payloads, message, offset
                    assert refused[2] == 5


def test_the_collector_is_paused_while_folding_and_runs_again_after() -> None:
    """The fold pauses the cyclic collector and leaves it as it found it, also on an error;
    the tables run with the collector on and nothing left frozen afterwards."""
    seen: list[bool] = []

    def fold() -> None:
        with _collections_paused():
            seen.append(gc.isenabled())
            raise RuntimeError

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        fold()
    assert seen == [False]
    assert gc.isenabled()
    with _history_frozen():
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
