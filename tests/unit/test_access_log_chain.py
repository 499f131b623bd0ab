"""access.log's core: processing records sealed and checkpointed as audit.log is, and never clear data."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ketenhub.core.access_log import (
    AccessLogBroken,
    AccessLogHead,
    AccessLogUnsigned,
    StoredEnd,
    cover_tail,
    empty_head,
    head_after,
    restore_head,
    seal_reads,
)
from ketenhub.core.checkpoint_records import decode_chained_checkpoint, encode_checkpoint
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.merkle import MerkleFrontier
from ketenhub.core.processing import (
    Actor,
    ActorKind,
    ProcessingRecord,
    ProcessingRecordInvalid,
    ReadOperation,
    decode_processing_record,
    encode_processing_record,
    records_for,
    subjects_in,
)
from ketenhub.core.sealing import ChainHead, decode_sealed, encode_sealed
from ketenhub.core.verification import verify_log
from ketenhub.errors import ChainBroken
from ketenhub.topic_log import LogRecord

PERSON = "psn-" + "1" * 32
OTHER = "psn-" + "a" * 32
NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
ACTOR = Actor(ActorKind.USER, "web", partner="police", actor_id="usr-0a1b2c3d4e5f")
PURPOSE = ("CRIMINAL_INVESTIGATION", "Wpg art. 8")


def _records(*cases: str) -> list[ProcessingRecord]:
    return records_for(
        {c: {"signal": {"persons": [PERSON]}} for c in cases},
        ACTOR,
        ReadOperation.PAGE_CASE,
        PURPOSE,
        NOW,
    )


def _stored(topic: str, values: list[bytes]) -> list[LogRecord]:
    return [LogRecord(topic, n, 0, None, v, ()) for n, v in enumerate(values)]


def _log(batches: int) -> tuple[list[bytes], list[bytes], AccessLogHead, object]:
    key = generate_hub_key()
    head, records, checkpoints = empty_head(), [], []
    for n in range(batches):
        batch = seal_reads(head, _records(f"case-{n}", f"case-{n}-b"), key, NOW)
        records += [encode_sealed(s) for s in batch.sealed]
        checkpoints.append(encode_checkpoint(batch.checkpoint))
        head = AccessLogHead(ChainHead(len(records), batch.sealed[-1].hash), batch.frontier)
    return records, checkpoints, head, key


def test_sealed_reads_verify_like_audit_log_with_a_checkpoint_per_read() -> None:
    """Five reads of two cases each: ten linked records, five signed checkpoints with proofs, nothing unsigned."""
    records, checkpoints, _, key = _log(5)
    report = verify_log(
        key.public_key(),  # type: ignore[attr-defined]
        _stored("access.log", records),
        _stored("access.checkpoints", checkpoints),
        log="access.log",
    )
    assert (report.records, report.checkpoints, report.unsigned_tail) == (10, 5, 0)
    payload = decode_sealed(records[3], 3).payload
    assert decode_processing_record(payload).case_id == "case-1-b"


def test_a_changed_record_is_named_as_access_log_at_its_offset() -> None:
    """A flipped byte in the third record fails verification as access.log offset 2."""
    records, checkpoints, _, key = _log(3)
    changed = bytearray(records[2])
    changed[-40] ^= 1
    records[2] = bytes(changed)
    with pytest.raises(ChainBroken, match=r"^access\.log offset (2|3):"):
        verify_log(
            key.public_key(),  # type: ignore[attr-defined]
            _stored("access.log", records),
            _stored("access.checkpoints", checkpoints),
            log="access.log",
        )


def test_a_writer_refuses_an_end_that_does_not_hold_together() -> None:
    """A forged frontier, a checkpoint of another key or a record past the last checkpoint stop the writer."""
    records, checkpoints, head, key = _log(2)
    last = decode_chained_checkpoint(checkpoints[-1], 1)
    good = StoredEnd(3, records[3], last, head.frontier.to_bytes())
    assert restore_head(good, key).chain.next_sequence == 4  # type: ignore[arg-type]
    forged = MerkleFrontier()
    for n in range(4):
        forged.append(bytes([n]) * 32)
    with pytest.raises(AccessLogBroken, match="frontier does not match"):
        restore_head(StoredEnd(3, records[3], last, forged.to_bytes()), key)  # type: ignore[arg-type]
    with pytest.raises(AccessLogBroken, match="not vouched for by the trusted hub key"):
        restore_head(good, generate_hub_key())
    extra = seal_reads(head, _records("case-x"), key, NOW).sealed[0]  # type: ignore[arg-type]
    with pytest.raises(AccessLogBroken, match="holds 5 records but its last checkpoint covers 4"):
        restore_head(StoredEnd(4, encode_sealed(extra), last, head.frontier.to_bytes()), key)  # type: ignore[arg-type]


def test_records_left_unsigned_are_told_apart_and_covered_by_a_checkpoint() -> None:
    """Records stored after the last checkpoint (a writer stopped before signing them) are
    AccessLogUnsigned; ``cover_tail`` signs a checkpoint over them with its consistency proof, and
    the log verifies with nothing unsigned."""
    records, checkpoints, head, key = _log(2)
    last = decode_chained_checkpoint(checkpoints[-1], 1)
    tail = seal_reads(head, _records("case-x", "case-y"), key, NOW).sealed  # type: ignore[arg-type]
    stored = records + [encode_sealed(s) for s in tail]
    with pytest.raises(AccessLogUnsigned):
        restore_head(StoredEnd(5, stored[5], last, head.frontier.to_bytes()), key)  # type: ignore[arg-type]
    covered = cover_tail(head, [(4, stored[4]), (5, stored[5])], key, NOW)  # type: ignore[arg-type]
    assert head_after(head, covered).chain.next_sequence == 6
    report = verify_log(
        key.public_key(),  # type: ignore[attr-defined]
        _stored("access.log", stored),
        _stored("access.checkpoints", [*checkpoints, encode_checkpoint(covered.checkpoint)]),
        log="access.log",
    )
    assert (report.records, report.checkpoints, report.unsigned_tail) == (6, 3, 0)


def test_a_tail_that_does_not_link_is_not_signed() -> None:
    """A copy of the last record, a record out of order or a changed one after the last
    checkpoint: ``cover_tail`` refuses to sign them (AccessLogBroken), naming the offset."""
    records, _, head, key = _log(2)
    tail = seal_reads(head, _records("case-x", "case-y"), key, NOW).sealed  # type: ignore[arg-type]
    changed = bytearray(encode_sealed(tail[0]))
    changed[-40] ^= 1
    for bad in (
        [(4, records[3])],
        [(4, encode_sealed(tail[1]))],
        [(4, bytes(changed))],
        [(4, encode_sealed(tail[0])), (5, encode_sealed(tail[0]))],
    ):
        with pytest.raises(AccessLogBroken, match="offset"):
            cover_tail(head, bad, key, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subjects": ("Jan Jansen",)}, "subjects"),
        ({"subjects": ("111222333",)}, "subjects"),
        ({"case_id": "case 0612345678"}, "case_id"),
        ({"purpose": "call 06-12345678"}, "purpose"),
        (
            {"actor": Actor(ActorKind.USER, "web", partner="police", actor_id="Jan Jansen")},
            "actor_id",
        ),
        ({"actor": Actor(ActorKind.USER, "web", partner="jan@example.nl")}, "partner"),
    ],
)
def test_a_record_with_clear_data_is_never_encoded(change: dict[str, object], field: str) -> None:
    """A name, BSN, phone or e-mail where an id, pseudonym or code belongs is refused, naming the field only."""
    record = dataclasses.replace(_records("case-1")[0], **change)  # type: ignore[arg-type]
    with pytest.raises(ProcessingRecordInvalid, match=f"field '{field}'") as refused:
        encode_processing_record(record)
    for clear in ("Jan Jansen", "111222333", "0612345678", "06-12345678", "jan@example.nl"):
        assert clear not in str(refused.value)


def test_subjects_are_every_pseudonym_in_what_was_read() -> None:
    """Pseudonyms nested in lists, records and text are found once each; nothing else is a subject."""
    document = {
        "signal": {"persons": [PERSON, OTHER], "free_text": {"subject": PERSON}},
        "victims": {OTHER: {"age_group": "UNDER_18"}},
        "history": [{"note": f"about {OTHER} and psn-notapseudonym"}],
    }
    assert subjects_in(document) == (PERSON, OTHER)
    assert subjects_in({"phase": "INTAKE"}) == ()
    assert subjects_in({"victims": {OTHER: {"age_group": "UNDER_18"}}}) == (OTHER,)
