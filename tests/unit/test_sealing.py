"""Sealing and verification: the hash chain, signed checkpoints, and proofs over sealed records."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import FrozenInstanceError, replace

import pytest
from synthetic import NOW, PurePipeline, Story

from ketenhub.codec.single_object import HEADER_SIZE, decode_datum, encode_datum, encode_event
from ketenhub.core import sealing
from ketenhub.core.checkpoints import generate_hub_key, sign_checkpoint
from ketenhub.core.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    verify_consistency,
    verify_inclusion,
)
from ketenhub.core.sealed_layout import locate_sealed, scan_sealed
from ketenhub.core.sealing import (
    GENESIS_HASH,
    ChainHead,
    SealedRecord,
    check_link,
    compute_hash,
    decode_sealed,
    encode_sealed,
    seal,
    sealed_record_schema,
)
from ketenhub.core.verification import ChainVerifier
from ketenhub.errors import ChainBroken, CheckpointInvalid, CodecError

KEY = generate_hub_key()


def sealed_values(count: int = 12, prefix: str = "case") -> list[bytes]:
    hub, story = PurePipeline(), Story()
    for n in range(count):
        hub.submit(story.signal(case=f"{prefix}-{n}"))
    return [encode_sealed(r) for r in hub.records]


def checkpoint_at(values: list[bytes], size: int) -> object:
    verifier = ChainVerifier(KEY.public_key(), [])
    for offset, value in enumerate(values[:size]):
        verifier.feed(offset, value)
    root = merkle_root(verifier.finish().leaf_hashes)
    return sign_checkpoint(KEY, size, root, int(NOW.timestamp() * 1e6))


def verify(values: list[bytes], checkpoints: list[object] = ()) -> None:  # type: ignore[assignment]
    verifier = ChainVerifier(KEY.public_key(), checkpoints)  # type: ignore[arg-type]
    for offset, value in enumerate(values):
        verifier.feed(offset, value)
    verifier.finish()


def test_records_link_by_hash_from_genesis() -> None:
    """The first record links to 32 zero bytes, each next one to its predecessor's hash."""
    hub, story = PurePipeline(), Story()
    hub.submit_all([story.signal("case-1"), story.signal("case-2")])
    first, second = hub.records
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    assert [r.sequence for r in hub.records] == [0, 1]
    assert compute_hash(second) == second.hash


def test_an_intact_chain_with_checkpoints_verifies() -> None:
    """The chain and its signed checkpoints verify."""
    values = sealed_values()
    verify(values, [checkpoint_at(values, 4), checkpoint_at(values, 12)])


def test_one_changed_byte_is_found_at_its_offset() -> None:
    """Changing one byte of the payload of record 5 is reported at offset 5."""
    values = sealed_values()
    tampered = bytearray(values[5])
    tampered[-40] ^= 0x01
    values[5] = bytes(tampered)
    with pytest.raises(ChainBroken) as caught:
        verify(values)
    assert caught.value.offset == 5


def test_a_deleted_record_is_found_where_it_was() -> None:
    """Removing record 3 is reported at offset 3 even though later records are intact."""
    values = sealed_values()
    del values[3]
    with pytest.raises(ChainBroken) as caught:
        verify(values)
    assert caught.value.offset == 3


def test_two_reordered_records_are_found() -> None:
    """Swapping records 6 and 7 is reported at offset 6."""
    values = sealed_values()
    values[6], values[7] = values[7], values[6]
    with pytest.raises(ChainBroken) as caught:
        verify(values)
    assert caught.value.offset == 6


def test_a_rewritten_history_fails_the_signed_checkpoint() -> None:
    """A consistently re-hashed but different history no longer matches the signed root."""
    values = sealed_values()
    checkpoint = checkpoint_at(values, 12)
    rewritten = sealed_values(12, prefix="other")
    verify(rewritten)  # the rewritten chain is internally consistent ...
    with pytest.raises(CheckpointInvalid, match="does not match"):
        verify(rewritten, [checkpoint])  # ... but not the history the hub signed


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    """A checkpoint signed with a key other than the hub's is refused."""
    values = sealed_values()
    forged = sign_checkpoint(generate_hub_key(), 4, merkle_root([leaf_hash(b"x")] * 4), 0)
    with pytest.raises(CheckpointInvalid):
        verify(values, [forged])


def test_a_truncated_log_is_caught_by_a_later_checkpoint() -> None:
    """Records removed from the end are detected when a checkpoint covers them."""
    values = sealed_values()
    checkpoint = checkpoint_at(values, 12)
    with pytest.raises(CheckpointInvalid, match="holds only 10"):
        verify(values[:10], [checkpoint])


def test_inclusion_and_consistency_proofs_over_sealed_records() -> None:
    """A sealed record is provably in the checkpointed tree, and the log of 12 extends the log of 5."""
    values = sealed_values()
    verifier = ChainVerifier(KEY.public_key(), [])
    for offset, value in enumerate(values):
        verifier.feed(offset, value)
    leaves = list(verifier.finish().leaf_hashes)
    root12, root5 = merkle_root(leaves), merkle_root(leaves[:5])
    verify_inclusion(leaves[7], 7, 12, inclusion_proof(leaves, 7, 12), root12)
    verify_consistency(5, 12, root5, root12, consistency_proof(leaves, 5, 12))


def _sealed_signal(case: str = "case-1") -> SealedRecord:
    event = Story().signal(case)
    return seal(ChainHead(), event.recorded_by, event, encode_event(event), NOW)


def test_a_sealed_record_is_stored_as_exactly_the_bytes_it_was_hashed_over() -> None:
    """``seal`` encodes the record once: the bytes kept for audit.log are its canonical
    encoding, and their hash (without the last field) is the record's hash."""
    record = _sealed_signal()
    stored = encode_sealed(record)
    assert record.encoded == stored == encode_datum(sealed_record_schema(), record.datum())
    assert hashlib.sha256(stored[HEADER_SIZE:-32]).digest() == record.hash == compute_hash(record)


def test_a_record_changed_after_sealing_is_encoded_anew() -> None:
    """A sealed record copied with a changed field is not stored as the original's bytes."""
    record = _sealed_signal()
    changed = replace(record, case_id="case-2")
    assert changed.encoded is None
    assert encode_sealed(changed) == encode_datum(sealed_record_schema(), changed.datum())
    assert encode_sealed(changed) != encode_sealed(record)


def test_checking_a_record_against_its_stored_bytes_encodes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Verification hashes the exact stored bytes once instead of encoding the record again;
    a changed stored byte is still found."""
    stored = encode_sealed(_sealed_signal())

    def no_encoding(*_: object) -> bytes:
        raise AssertionError("the record was encoded again")

    monkeypatch.setattr(sealing, "encode_datum", no_encoding)
    check_link(decode_sealed(stored, 0), 0, ChainHead(), stored)
    tampered = bytearray(stored)
    tampered[-70] ^= 0x01  # a byte of the event payload (prev_hash and hash are the last 64)
    monkeypatch.undo()
    with pytest.raises(ChainBroken, match="altered"):
        check_link(decode_sealed(bytes(tampered), 0), 0, ChainHead(), bytes(tampered))


def test_an_intact_record_stored_in_a_non_canonical_encoding_still_verifies() -> None:
    """Stored bytes that decode to the sealed content without being its canonical encoding
    (sequence 0 written as two varint bytes) get the verdict they always got: intact."""
    stored = encode_sealed(_sealed_signal())
    assert stored[HEADER_SIZE] == 0  # the sequence number, zigzag varint
    padded = stored[:HEADER_SIZE] + b"\x80\x00" + stored[HEADER_SIZE + 1 :]
    record = decode_sealed(padded, 0)
    assert record == decode_sealed(stored, 0)
    check_link(record, 0, ChainHead(), padded)


def test_a_decoded_record_is_the_record_that_was_sealed() -> None:
    """A record read back equals the one sealed, field by field, is frozen like it, and is
    encoded anew (it keeps no bytes); a datum with other fields is refused as ``__init__``
    refuses it."""
    record = _sealed_signal()
    decoded = decode_sealed(encode_sealed(record), 0)
    assert decoded == record and decoded.datum() == record.datum()
    assert decoded.encoded is None and type(decoded) is SealedRecord
    assert encode_sealed(decoded) == encode_sealed(record)
    with pytest.raises(FrozenInstanceError):
        decoded.case_id = "case-2"  # type: ignore[misc]
    assert sealing.record_from_datum(record.datum()) == record
    with pytest.raises(TypeError, match="unexpected keyword argument 'extra'"):
        sealing.record_from_datum(record.datum() | {"extra": 1})
    missing = record.datum()
    del missing["hash"]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'hash'"):
        sealing.record_from_datum(missing)


@pytest.mark.parametrize(
    ("sequence", "case_id", "sealed_at", "partner"),
    [
        (0, None, NOW, "police"),
        (63, "case-1", NOW, "municipality"),
        (2**40 + 7, "case-ü-1", dt.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC), "shop"),
        (1_000_000, "c" * 300, dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC), "x"),
    ],
)
def test_a_sealed_record_is_written_as_any_avro_writer_writes_it(
    sequence: int, case_id: str | None, sealed_at: dt.datetime, partner: str
) -> None:
    """The bytes a record is sealed as are exactly fastavro's encoding of its datum, hash included."""
    event = Story().signal()
    payload = encode_event(event) * 3  # long enough for a multi-byte length
    head = ChainHead(sequence, hashlib.sha256(b"before").digest())
    record = seal(head, partner, event, payload, sealed_at, case_id)
    assert record.encoded == encode_datum(sealed_record_schema(), record.datum())
    assert decode_sealed(record.encoded, sequence) == record


def _fastavro_datum(value: bytes) -> object:
    """What the generic decoder reads from a sealed record's bytes, or the exception it raises."""
    try:
        return decode_datum(value, sealed_record_schema())[1]
    except CodecError as exc:
        return type(exc)


def _damaged(stored: bytes) -> list[bytes]:
    """Every truncation after the header, one byte more, and every single-byte change of the
    fields before the two hashes (each flipped three ways) of a stored sealed record."""
    variants = [stored[:cut] for cut in range(HEADER_SIZE, len(stored))]
    variants += [stored + b"\x00"]
    variants += [
        stored[:at] + bytes([stored[at] ^ flip]) + stored[at + 1 :]
        for at in range(HEADER_SIZE, len(stored) - 64)
        for flip in (0x01, 0x80, 0xFF)
    ]
    return variants


def test_the_direct_reader_reads_what_fastavro_reads_and_leaves_the_rest_to_it() -> None:
    """For sealed records and every truncation, extension and single-byte change of them, the
    direct reader either gives exactly fastavro's datum or declines (None), and it declines
    whatever fastavro refuses: a damaged record is still reported as before."""
    event = Story().signal()
    records = [
        seal(ChainHead(), "police", event, encode_event(event), NOW),
        seal(
            ChainHead(300, bytes(range(32))), "shop", event, encode_event(event) * 2, NOW, "cäse-1"
        ),
    ]
    tried = 0
    for record in records:
        stored = encode_sealed(record)
        variants = _damaged(stored)
        for value in [stored, *variants]:
            scanned, generic = scan_sealed(value), _fastavro_datum(value)
            if isinstance(generic, dict):
                assert scanned is None or scanned == generic
            else:
                assert scanned is None, f"read bytes fastavro refuses ({generic.__name__})"
            tried += 1
        assert scan_sealed(stored) == record.datum()
    assert tried > 1000


def test_locating_a_payload_takes_only_what_the_direct_reader_takes() -> None:
    """For sealed records and every truncation, extension and single-byte change of them,
    locating the sequence and payload in the stored bytes either agrees with the direct reader
    or declines (None), and it declines whatever the direct reader declines."""
    event = Story().signal()
    records = [
        seal(ChainHead(), "police", event, encode_event(event), NOW),
        seal(ChainHead(300, bytes(range(32))), "shop", event, encode_event(event), NOW, "cäse-1"),
        seal(ChainHead(2**40, bytes(32)), "pölice", event, b"\xc3\x01" * 100, NOW, None),
    ]
    tried = located = 0
    for record in records:
        stored = encode_sealed(record)
        variants = _damaged(stored)
        for value in [stored, *variants]:
            found, scanned = locate_sealed(value), scan_sealed(value)
            if found is not None:
                assert scanned is not None, "located bytes the direct reader declines"
                sequence, start, end = found
                assert (sequence, value[start:end]) == (scanned["sequence"], scanned["payload"])
                assert (value[-64:-32], value[-32:]) == (scanned["prev_hash"], scanned["hash"])
                located += 1
            tried += 1
        assert locate_sealed(stored) is not None
    assert tried > 1000
    assert located > 3
