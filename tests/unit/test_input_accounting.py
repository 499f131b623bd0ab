"""Input accounting: each consumed input is sealed, refused or a duplicate exactly once; stray decisions are named."""

from __future__ import annotations

from dataclasses import replace

from synthetic import NOW, Story

from ketenhub.codec.single_object import decode_event, encode_event
from ketenhub.core.input_accounting import IngestTopic, InputLedger
from ketenhub.core.input_ref import INPUT_HEADER, InputRef
from ketenhub.core.sealing import ChainHead, SealedRecord, seal

TOPIC = "ingest.municipal-staff"
story = Story()
FIRST, SECOND, REFUSED = (encode_event(story.signal(case=f"case-{n}")) for n in range(3))


def tag(offset: int, topic: str = TOPIC) -> tuple[tuple[str, bytes], ...]:
    """The headers naming the input at ``offset``."""
    return ((INPUT_HEADER, InputRef(topic, 0, offset).encode()),)


def sealed(payload: bytes) -> SealedRecord:
    """A sealed record of a municipal-staff event with ``payload``."""
    return seal(ChainHead(), "municipal-staff", decode_event(payload), payload, NOW)


def ledger(values: list[bytes | None], position: int) -> InputLedger:
    """A ledger over one ingest topic holding ``values``."""
    return InputLedger([IngestTopic(TOPIC, values, position)])


def test_sealed_refused_and_duplicates_of_both_account_for_every_input() -> None:
    """Inputs 2 and 3 repeat a sealed and a refused event: ignored duplicates; input 4 is not consumed."""
    inputs = ledger([FIRST, REFUSED, FIRST, REFUSED, SECOND], position=4)
    inputs.add_sealed(0, tag(0), sealed(FIRST))
    inputs.add_refused("rejected.municipal-staff", 0, tag(1))
    accounted = inputs.account()
    assert (accounted.sealed, accounted.refused, accounted.duplicates) == (1, 1, 2)
    assert accounted.pending == 1 and accounted.faults == ()


def test_an_input_decided_twice_and_one_decided_nowhere_are_named() -> None:
    """Input 0 sealed and refused, input 1 neither: both named with their offsets."""
    inputs = ledger([FIRST, SECOND], position=2)
    inputs.add_sealed(0, tag(0), sealed(FIRST))
    inputs.add_refused("rejected.municipal-staff", 0, tag(0))
    faults = [str(f) for f in inputs.account().faults]
    assert faults[0] == (
        f"{TOPIC} offset 0: decided 2 times: audit.log offset 0, rejected.municipal-staff offset 0"
    )
    assert faults[1].startswith(f"{TOPIC} offset 1: consumed by the sealer (its position is 2)")


def test_decisions_naming_inputs_beyond_the_position_elsewhere_or_with_other_bytes_are_named() -> (
    None
):
    """A decision beyond the position, on another partner's topic, of no input, or with other bytes."""
    inputs = ledger([FIRST, SECOND, REFUSED], position=2)
    inputs.add_sealed(0, tag(0), replace(sealed(FIRST), payload=SECOND))
    inputs.add_refused("rejected.municipal-staff", 0, tag(2))
    inputs.add_refused("rejected.police", 0, tag(1))
    inputs.add_refused("rejected.municipal-staff", 1, tag(9))
    details = [str(f) for f in inputs.account().faults]
    assert "audit.log offset 0: its payload is not the bytes of the input it names" in details
    assert any("lies beyond the sealer's committed position 2" in d for d in details)
    assert any("not on the partner's own topic ingest.police" in d for d in details)
    assert any(d.endswith("the input does not exist on the ingest topic") for d in details)
