"""The core sealer: one decision per input, and a restart rebuilt from its outputs decides nothing twice."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from synthetic import NOW, Story

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.config import load_registry
from ketenhub.core import sealing
from ketenhub.core.checkpoint_records import encode_checkpoint
from ketenhub.core.checkpoints import ChainedCheckpoint, generate_hub_key
from ketenhub.core.input_ref import InputRef
from ketenhub.core.merkle import verify_consistency
from ketenhub.core.sealer import Ignored, Refused, Sealed, Sealer
from ketenhub.core.sealing import encode_sealed
from ketenhub.core.verification import verify_log
from ketenhub.errors import CheckpointInvalid
from ketenhub.topic_log import LogRecord

REGISTRY = load_registry()
KEY = generate_hub_key()


def message(event: object) -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
    partner = REGISTRY.get(event.recorded_by)  # type: ignore[attr-defined]
    return encode_event(event), build_headers(event, partner.urn)  # type: ignore[arg-type]


def test_a_restarted_sealer_ignores_inputs_it_decided_before() -> None:
    """After restoring from the outputs, re-delivered inputs (sealed or refused) are ignored, new ones decided."""
    story = Story()
    staff, municipality = REGISTRY.get("municipal-staff"), REGISTRY.get("municipality")
    first = Sealer(REGISTRY, KEY, checkpoint_every=10)
    signal, early_plan = story.signal(), story.plan()
    sealed = first.decide(staff, *message(signal), InputRef("ingest.municipal-staff", 0, 0), NOW)
    refused = first.decide(
        municipality, *message(early_plan), InputRef("ingest.municipality", 0, 0), NOW
    )
    assert isinstance(sealed, Sealed) and isinstance(refused, Refused)

    restarted = Sealer(REGISTRY, KEY, checkpoint_every=10)
    restarted.restore_sealed(0, encode_sealed(sealed.record), sealed.headers)
    restarted.restore_refused(refused.headers, message(early_plan)[0])
    assert restarted.head == first.head
    again = restarted.decide(
        municipality, *message(early_plan), InputRef("ingest.municipality", 0, 0), NOW
    )
    assert isinstance(again, Ignored)  # not decided a second time, even though it would now differ
    fresh = restarted.decide(
        municipality, *message(story.intake()), InputRef("ingest.municipality", 0, 1), NOW
    )
    assert isinstance(fresh, Sealed) and fresh.record.sequence == 1


def test_an_event_refused_again_for_the_same_reason_is_recorded_once() -> None:
    """The same refused event at a new input is ignored, also after a restart; once admissible it is sealed."""
    story = Story()
    staff, municipality = REGISTRY.get("municipal-staff"), REGISTRY.get("municipality")
    sealer = Sealer(REGISTRY, KEY, checkpoint_every=10)
    signal = sealer.decide(
        staff, *message(story.signal()), InputRef("ingest.municipal-staff", 0, 0), NOW
    )
    assert isinstance(signal, Sealed)
    early_plan = story.plan()
    first = sealer.decide(
        municipality, *message(early_plan), InputRef("ingest.municipality", 0, 0), NOW
    )
    again = sealer.decide(
        municipality, *message(early_plan), InputRef("ingest.municipality", 0, 1), NOW
    )
    assert isinstance(first, Refused) and isinstance(again, Ignored)
    assert "refused before" in again.why

    restarted = Sealer(REGISTRY, KEY, checkpoint_every=10)
    restarted.restore_sealed(0, encode_sealed(signal.record), signal.headers)
    restarted.restore_refused(first.headers, message(early_plan)[0])
    third = restarted.decide(
        municipality, *message(early_plan), InputRef("ingest.municipality", 0, 2), NOW
    )
    assert isinstance(third, Ignored)

    for offset, event in enumerate((story.intake(), story.severity(), story.research()), start=3):
        assert isinstance(
            sealer.decide(
                municipality, *message(event), InputRef("ingest.municipality", 0, offset), NOW
            ),
            Sealed,
        )
    now_admissible = sealer.decide(
        municipality, *message(early_plan), InputRef("ingest.municipality", 0, 9), NOW
    )
    assert isinstance(now_admissible, Sealed)


def test_garbage_refused_twice_is_recorded_twice() -> None:
    """Bytes that are no event carry no identity to recognise, so each delivery is refused on its own."""
    police = REGISTRY.get("police")
    sealer = Sealer(REGISTRY, KEY, checkpoint_every=10)
    first = sealer.decide(police, b"\x00garbage", (), InputRef("ingest.police", 0, 0), NOW)
    second = sealer.decide(police, b"\x00garbage", (), InputRef("ingest.police", 0, 1), NOW)
    assert isinstance(first, Refused) and isinstance(second, Refused)


def test_checkpoints_are_due_every_n_records_and_cover_everything_sealed() -> None:
    """checkpoint_due turns true after N seals; a checkpoint covers the whole frontier and is not repeated."""
    story = Story()
    staff = REGISTRY.get("municipal-staff")
    sealer = Sealer(REGISTRY, KEY, checkpoint_every=3)
    for n in range(3):
        assert not sealer.checkpoint_due()
        sealer.decide(
            staff,
            *message(story.signal(f"case-{n}")),
            InputRef("ingest.municipal-staff", 0, n),
            NOW,
        )
    assert sealer.checkpoint_due()
    chained = sealer.checkpoint(NOW)
    assert chained is not None
    checkpoint = chained.checkpoint
    assert checkpoint.tree_size == 3 and checkpoint.root == sealer.frontier.root()
    assert chained.previous_tree_size == 0 and chained.consistency_proof == ()
    assert sealer.checkpoint(NOW) is None


def seal_signals(sealer: Sealer, story: Story, first: int, count: int) -> list[Sealed]:
    """Seal ``count`` synthetic signals read at ingest offsets ``first``, ``first + 1``, ..."""
    staff = REGISTRY.get("municipal-staff")
    sealed = []
    for n in range(first, first + count):
        where = InputRef("ingest.municipal-staff", 0, n)
        decision = sealer.decide(staff, *message(story.signal(f"case-{n}")), where, NOW)
        assert isinstance(decision, Sealed)
        sealed.append(decision)
    return sealed


def test_each_checkpoint_proves_that_it_extends_the_one_before() -> None:
    """Checkpoints at 5, 12 and 13 records name their predecessor's size and carry a proof that verifies."""
    story, sealer = Story(), Sealer(REGISTRY, KEY, checkpoint_every=100)
    chain: list[ChainedCheckpoint] = []
    for count in (5, 7, 1):
        seal_signals(sealer, story, sealer.frontier.size, count)
        signed = sealer.checkpoint(NOW)
        assert signed is not None
        chain.append(signed)
    for before, after in itertools.pairwise(chain):
        assert after.previous_tree_size == before.checkpoint.tree_size
        old, new = before.checkpoint, after.checkpoint
        verify_consistency(
            old.tree_size, new.tree_size, old.root, new.root, after.consistency_proof
        )
    assert chain[0].consistency_proof == () and all(c.consistency_proof for c in chain[1:])


def test_a_restarted_sealer_proves_its_next_checkpoint_from_the_last_one_restored() -> None:
    """Restored from its outputs (checkpoints read before or after the records), a sealer signs the same proof."""
    story = Story()
    running = Sealer(REGISTRY, KEY, checkpoint_every=100)
    sealed = seal_signals(running, story, 0, 9)
    first = running.checkpoint(NOW)
    sealed += seal_signals(running, story, 9, 4)
    assert first is not None
    outputs = [(n, encode_sealed(s.record), s.headers) for n, s in enumerate(sealed)]
    checkpoints_first, records_first = (Sealer(REGISTRY, KEY, 100) for _ in range(2))
    checkpoints_first.restore_checkpoint(first.checkpoint)
    for output in outputs:
        checkpoints_first.restore_sealed(*output)
        records_first.restore_sealed(*output)
    records_first.restore_checkpoint(first.checkpoint)
    expected = running.checkpoint(NOW)
    assert expected is not None and expected.previous_tree_size == 9
    for restarted in (checkpoints_first, records_first):
        assert restarted.checkpoint(NOW) == expected


def test_a_partner_cannot_mark_another_partners_input_as_decided() -> None:
    """A forged ketenhub_input header is refused and never taken for the hub's tag, also after a restart."""
    story = Story()
    police, staff = REGISTRY.get("police"), REGISTRY.get("municipal-staff")
    sealer = Sealer(REGISTRY, KEY, checkpoint_every=10)
    value, headers = message(story.signal(case="case-2", by="police", channel="POLICE"))
    forged = (*headers, ("ketenhub_input", b"ingest.municipal-staff/0/0"))
    refused = sealer.decide(police, value, forged, InputRef("ingest.police", 0, 0), NOW)
    assert isinstance(refused, Refused) and refused.rejection.code == "INVALID_HEADERS"
    assert [v for n, v in refused.headers if n == "ketenhub_input"] == [b"ingest.police/0/0"]

    restarted = Sealer(REGISTRY, KEY, checkpoint_every=10)
    restarted.restore_refused(refused.headers, value)
    victim = restarted.decide(
        staff, *message(story.signal()), InputRef("ingest.municipal-staff", 0, 0), NOW
    )
    assert isinstance(victim, Sealed)


def logged(topic: str, values: list[bytes]) -> list[LogRecord]:
    return [LogRecord(topic, n, 0, None, value, ()) for n, value in enumerate(values)]


def test_verification_checks_the_proofs_stored_in_checkpoints() -> None:
    """A stored proof that does not hold, or names the wrong predecessor, fails though every root is right."""
    story, sealer = Story(), Sealer(REGISTRY, KEY, checkpoint_every=100)
    records, chain = [], []
    for count in (5, 7, 4):
        records += [
            encode_sealed(s.record) for s in seal_signals(sealer, story, len(records), count)
        ]
        signed = sealer.checkpoint(NOW)
        assert signed is not None
        chain.append(signed)
    audit = logged("audit.log", records)
    report = verify_log(
        KEY.public_key(), audit, logged("audit.checkpoints", [encode_checkpoint(c) for c in chain])
    )
    assert report.checkpoints == 3

    bad_proof = dataclasses.replace(
        chain[2], consistency_proof=tuple(bytes(32) for _ in chain[2].consistency_proof)
    )
    wrong_start = dataclasses.replace(chain[2], previous_tree_size=3)
    for forged in (bad_proof, wrong_start):
        stored = [encode_checkpoint(c) for c in (chain[0], chain[1], forged)]
        with pytest.raises(CheckpointInvalid, match="16"):
            verify_log(KEY.public_key(), audit, logged("audit.checkpoints", stored))


def test_restoring_a_record_hashes_its_stored_bytes_without_encoding_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restart checks each stored record's hash over the bytes read back, encoding nothing."""
    staff = REGISTRY.get("municipal-staff")
    sealed = Sealer(REGISTRY, KEY, checkpoint_every=10).decide(
        staff, *message(Story().signal()), InputRef("ingest.municipal-staff", 0, 0), NOW
    )
    assert isinstance(sealed, Sealed)
    stored = encode_sealed(sealed.record)

    def encoded_again(record: object) -> bytes:
        raise AssertionError("the record was encoded again to check its hash")

    monkeypatch.setattr(sealing, "compute_hash", encoded_again)
    restarted = Sealer(REGISTRY, KEY, checkpoint_every=10)
    restarted.restore_sealed(0, stored, sealed.headers)
    assert restarted.head.last_hash == sealed.record.hash
