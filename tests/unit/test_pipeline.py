"""The application pipeline: inputs in, typed effects out, decided once for both runtimes."""

from __future__ import annotations

import datetime as dt

from synthetic import NOW, Story

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.config import load_registry
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.case_state import CaseState
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.input_ref import INPUT_HEADER, InputRef, input_of
from ketenhub.core.sealing import SealedRecord, decode_sealed
from ketenhub.pipeline.effects import (
    AppendCheckpoint,
    AppendRejected,
    AppendSealed,
    AppendView,
    CommitPosition,
    Effect,
)
from ketenhub.pipeline.sealing_step import Input, SealingStep
from ketenhub.pipeline.view_step import (
    CaseProjected,
    RebuildNeeded,
    ViewStep,
    project_stored_case,
)
from ketenhub.topic_log import LogRecord

REGISTRY = load_registry()


def as_input(event: Event, offset: int, partner: str | None = None) -> Input:
    """The pipeline's input for an event published on its recorder's ingest topic."""
    source = REGISTRY.get(partner or event.recorded_by)
    ref = InputRef(f"ingest.{source.id}", 0, offset)
    return Input(ref, source.id, encode_event(event), build_headers(event, source.urn))


def sealing(every: int = 64) -> SealingStep:
    """A sealing step with a fresh key and a fixed clock."""
    return SealingStep(REGISTRY, generate_hub_key(), every, clock=lambda: NOW)


def sealed_records(effects: list[Effect]) -> list[SealedRecord]:
    """The records the effects append to audit.log."""
    appended = [e for e in effects if isinstance(e, AppendSealed)]
    return [decode_sealed(e.record, e.sequence) for e in appended]


def as_log(records: list[SealedRecord], effects: list[Effect]) -> list[LogRecord]:
    """The audit.log records the effects append, as a log would return them."""
    appended = [e for e in effects if isinstance(e, AppendSealed)]
    return [
        LogRecord("audit.log", r.sequence, 0, None, e.record, e.headers)
        for r, e in zip(records, appended, strict=True)
    ]


def test_input_ref_round_trips_through_its_header() -> None:
    """An input's identity is written once and read back as the same typed value."""
    ref = InputRef("ingest.police", 2, 41)
    assert InputRef.decode(ref.encode()) == ref
    assert input_of((("x", b"y"), (INPUT_HEADER, ref.encode()))) == ref
    assert InputRef.decode(b"ingest.police/x/1") is None
    assert InputRef.decode(b"no-slashes") is None
    assert input_of(()) is None


def test_inputs_are_decided_in_the_order_given_with_each_position_after_its_outputs() -> None:
    """The sealed order is the order of the inputs; each input's position commit follows its writes."""
    story = Story()
    first = story.signal("case-1", by="police", channel="POLICE")
    second = story.signal("case-2")
    effects = sealing().decide([as_input(second, 0), as_input(first, 0, "police")])
    kinds = [type(e) for e in effects]
    assert kinds == [AppendSealed, CommitPosition, AppendSealed, CommitPosition]
    assert [r.event_id for r in sealed_records(effects)] == [
        str(second.event_id),
        str(first.event_id),
    ]
    commits = [e.input for e in effects if isinstance(e, CommitPosition)]
    assert commits == [InputRef("ingest.municipal-staff", 0, 0), InputRef("ingest.police", 0, 0)]


def test_a_refused_input_is_keyed_by_its_input_not_by_the_partners_key() -> None:
    """A rejected record's key is the input's identity, the same on both runtimes."""
    early_plan = Story().plan("case-9")
    (rejected, commit) = sealing().decide([as_input(early_plan, 7)])
    assert isinstance(rejected, AppendRejected) and isinstance(commit, CommitPosition)
    assert rejected.key == b"ingest.municipality/0/7"
    assert rejected.value == encode_event(early_plan)
    assert input_of(rejected.headers) == InputRef("ingest.municipality", 0, 7)


def test_a_checkpoint_follows_every_nth_sealed_record_and_the_rest_when_idle() -> None:
    """Checkpoint cadence: right after every ``checkpoint_every``-th record, then one when idle."""
    story, step = Story(), sealing(every=2)
    effects = step.decide([as_input(story.signal(f"case-{n}"), n) for n in range(3)])
    kinds = [type(e).__name__ for e in effects]
    assert kinds.index("AppendCheckpoint") == kinds.index("CommitPosition", 2) - 1
    assert sum(isinstance(e, AppendCheckpoint) for e in effects) == 1
    assert [type(e) for e in step.checkpoint()] == [AppendCheckpoint]
    assert step.checkpoint() == []


def test_an_input_decided_before_a_restart_is_only_committed() -> None:
    """Restored from its outputs, the pipeline writes nothing for an input already decided."""
    story = Story()
    item = as_input(story.signal(), 0)
    first = sealing()
    effects = first.decide([item])
    restarted = sealing()
    restarted.restore([], as_log(sealed_records(effects), effects), [])
    assert restarted.decide([item]) == [CommitPosition(item.ref)]


def test_views_carry_the_sequence_of_the_record_that_set_them() -> None:
    """Each view write names the sealed record it reflects; positions follow the views."""
    story = Story()
    effects = sealing().decide([as_input(story.signal(), 0)])
    records = sealed_records(effects)
    projected = ViewStep(REGISTRY).project(as_log(records, effects))
    views = [e for e in projected if isinstance(e, AppendView)]
    assert views and all(v.headers == (("ketenhub_sequence", b"0"),) for v in views)
    assert projected[-1] == CommitPosition(InputRef("audit.log", 0, 0))


def referral_case() -> tuple[list[SealedRecord], list[Event]]:
    """A case with a victim, a referral and its acceptance, sealed in that order."""
    story = Story()
    events: list[Event] = [
        story.signal(),
        story.victim(),
        story.referral(),
        story.referral_step(m.ReferralAccepted, "r1", "shop", case_id="case-1"),
    ]
    effects = sealing().decide([as_input(e, n) for n, e in enumerate(events)])
    records = sealed_records(effects)
    assert len(records) == len(events), "every event of the story is admitted"
    return records, events


def test_a_state_that_misses_an_event_asks_for_a_rebuild() -> None:
    """A kept state without the referral an acceptance refers to is RebuildNeeded, not a crash."""
    records, events = referral_case()
    stale = CaseState("case-1")
    for record, event in zip(records[:2], events[:2], strict=True):
        stale.apply(record.sequence, event)
    outcome = project_stored_case(stale, records[3], events[3], REGISTRY, "case-1")
    assert outcome == RebuildNeeded("case-1", records[3].sequence, "referral r1")


def test_a_complete_state_folds_the_event_and_a_redelivery_republishes_all_views() -> None:
    """With the referral held, the acceptance folds; delivered again, it changes nothing."""
    records, events = referral_case()
    state = None
    for record, event in zip(records, events, strict=True):
        outcome = project_stored_case(state, record, event, REGISTRY, "case-1")
        assert isinstance(outcome, CaseProjected) and outcome.changed
        state = outcome.state
    assert state is not None and state.referrals["r1"].status == "ACCEPTED"
    again = project_stored_case(state, records[3], events[3], REGISTRY, "case-1")
    assert isinstance(again, CaseProjected) and not again.changed
    assert {e.partner for e in again.effects if isinstance(e, AppendView)} == {
        p.id for p in REGISTRY.partners
    }


def test_the_sealing_time_comes_from_the_injected_clock() -> None:
    """Every sealed record carries the time of the clock given to the pipeline."""
    moment = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    step = SealingStep(REGISTRY, generate_hub_key(), 64, clock=lambda: moment)
    (record,) = sealed_records(step.decide([as_input(Story().signal(), 0)]))
    assert record.sealed_at == moment
