"""Every event type is placed in each fold of the vocabulary, on purpose: handled, or left alone with a reason."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, get_args

import pytest
from synthetic import NOW, VICTIM, PurePipeline, Story, pseudonym

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.core import case_folds, ledger, validation
from ketenhub.core.admission import Admitted
from ketenhub.core.case_state import CaseState, written_sections
from ketenhub.core.event_handlers import EventHandlers
from ketenhub.core.partners import Role
from ketenhub.core.phases import PHASE_EVENTS, PhaseEntry, entered_phase
from ketenhub.errors import ContractError
from ketenhub.evaluation import history

EVERY_TYPE = frozenset(EVENT_MODELS.values())
FOLDS: dict[str, EventHandlers[Any, Any]] = {
    "ledger": ledger.APPLY,
    "validation": validation.RULES,
    "evaluation history": history.FOLD,
    "case state": case_folds.FOLD,
}


@pytest.mark.parametrize("fold", FOLDS.values(), ids=FOLDS.keys())
def test_every_event_type_is_handled_or_left_alone_with_a_reason(
    fold: EventHandlers[Any, Any],
) -> None:
    """A new event type fails here until each fold handles it or says why it leaves it alone."""
    assert fold.handled | fold.left_alone.keys() == EVERY_TYPE
    assert not fold.handled & fold.left_alone.keys()
    assert all(reason.strip() for reason in fold.left_alone.values())


def test_validation_leaves_no_event_type_alone() -> None:
    """A new event type cannot reach the log unchecked: validation has a rule for each."""
    assert validation.RULES.handled == EVERY_TYPE


def test_the_case_state_writes_a_section_for_exactly_the_types_it_folds() -> None:
    """``written_sections`` (what a view must re-read) names sections for every folded type, none for the rest."""
    placed = {t for t in EVERY_TYPE if written_sections(t)}
    assert placed == case_folds.FOLD.handled


def test_the_case_state_enters_the_phase_the_phase_machine_names(sealed: list[Event]) -> None:
    """Folding each phase event of the story leaves the case in the phase ``entered_phase`` gives."""
    state, entries = CaseState("case-1"), get_args(PhaseEntry)
    for sequence, event in enumerate(sealed):
        if event.case_ref != "case-1":
            continue
        state.apply(sequence, event)
        if isinstance(event, entries):
            assert state.phase == entered_phase(event).name, event.EVENT_TYPE
    assert state.phase == "ACTION" and state.closed is not None


def test_every_fold_that_keeps_a_case_moves_it_with_every_phase_event() -> None:
    """The ledger, the history and the case state each fold every event the phase machine knows."""
    for event_type in PHASE_EVENTS:
        assert event_type in ledger.APPLY.handled and event_type in history.FOLD.handled
        moved = {"signal"} if event_type is m.SignalReceived else {"phase", "closed"}
        assert written_sections(event_type) & moved, event_type.__name__


def every_type_once() -> list[Event]:
    """A case and its surroundings in which each event type of the contract happens once."""
    s = Story()
    events: list[Event] = [*s.through_research(), s.plan(owners=("police",))]
    forward = s.forward("case-1", "police")
    events += [s.action_done("case-1", "a1", "police"), forward, s.ack("case-1", forward, "police")]
    events += [
        s.make(
            m.MeasureImposed,
            "municipality",
            case_id="case-1",
            measure_id="m1",
            measure="PENALTY_ORDER",
            legal_basis="Gemeentewet art. 174",
        ),
        s.meeting("m1"),
        s.share("case-1", "riec", meeting="m1"),
        s.revoke("case-1", "riec"),
        s.victim(),
        s.referral(referral="r1"),
        s.referral(referral="r2", provider="leger-des-heils"),
        s.referral_step(m.ReferralAccepted, "r1", "shop"),
        s.referral_step(m.ReferralDeclined, "r2", "leger-des-heils", reason="NO_CAPACITY"),
        s.referral_step(m.CareStarted, "r1", "shop"),
        s.referral_step(m.CareEnded, "r1", "shop", outcome="COMPLETED"),
    ]
    screening: dict[str, Any] = {"screening_id": "s1", "permit_type": "HOSPITALITY"}
    events += [
        s.make(m.BibobScreeningCompleted, "municipality", outcome="NO_RISK", **screening),
        s.make(m.PermitDecided, "municipality", decision="GRANTED", **screening),
        s.make(
            m.ControlDayPlanned,
            "enforcement",
            control_day_id="d1",
            day=dt.date(2025, 2, 1),
            kind="INTEGRAL",
            participants=["enforcement", "police"],
        ),
        s.make(
            m.ControlVisitLogged,
            "police",
            control_day_id="d1",
            visit_id="v1",
            address=pseudonym("address-1"),
            area_code="2261",
            finding_codes=["NO_FINDINGS"],
            people_encountered=2,
            signals_raised=[],
        ),
        s.make(m.ControlDayClosed, "enforcement", control_day_id="d1"),
        s.make(m.StopTalkHeld, "municipality", employer=VICTIM, sector="HOSPITALITY"),
        s.make(
            m.TrainingCompleted,
            "municipality",
            training_id="t1",
            audience_kind="INTERNAL_ROLE",
            audience="ENFORCER",
            participants=12,
            provider="comensha",
        ),
        s.make(
            m.CampaignHeld,
            "municipality",
            campaign_id="c1",
            channel="PRINT",
            target_group="GENERAL_PUBLIC",
            reach=500,
        ),
        s.make(
            m.EvaluationFindingRecorded,
            "municipality",
            finding_id="f1",
            part="SIGNALLING",
            source_role="CARE_COORDINATOR",
            held_on=dt.date(2025, 1, 1),
            summary=m.EncryptedField(
                subject=pseudonym("interviewee-1"), nonce=bytes(12), ciphertext=b"x" * 20
            ),
        ),
        s.close(reason="ACTIONS_COMPLETED"),
    ]
    return events


@pytest.fixture(scope="module")
def sealed() -> list[Event]:
    """The events of ``every_type_once``, each admitted by the real pipeline."""
    events = every_type_once()
    hub = PurePipeline()
    outcomes = hub.submit_all(events)
    refused = [
        (e.EVENT_TYPE, o)
        for e, o in zip(events, outcomes, strict=True)
        if not isinstance(o, Admitted)
    ]
    assert not refused
    assert {type(e) for e in events} == EVERY_TYPE
    return events


def fresh_ledger() -> ledger.Ledger:
    registry = PurePipeline().registry
    return ledger.Ledger(
        police=frozenset(p.id for p in registry.with_role(Role.POLICE)),
        riec=frozenset(p.id for p in registry.with_role(Role.RIEC)),
    )


def ledger_facts(kept: ledger.Ledger) -> dict[str, object]:
    """What the ledger knows besides the digest of every sealed event."""
    return copy.deepcopy({k: v for k, v in vars(kept).items() if k != "event_digests"})


def test_the_ledger_records_exactly_the_types_it_handles(sealed: list[Event]) -> None:
    """Each event the ledger handles adds or changes a fact; each one it leaves alone changes none."""
    kept = fresh_ledger()
    for event in sealed:
        before = ledger_facts(kept)
        kept.apply(event, b"digest")
        changed = ledger_facts(kept) != before
        assert changed == (type(event) in ledger.APPLY.handled), event.EVENT_TYPE


def test_the_history_keeps_exactly_the_types_it_handles(sealed: list[Event]) -> None:
    """Each event the evaluation's history handles leaves a fact; each one it leaves alone none."""
    kept = history.History(NOW)
    for event in sealed:
        before = copy.deepcopy(vars(kept))
        kept.add(event)
        changed = vars(kept) != before
        assert changed == (type(event) in history.FOLD.handled), event.EVENT_TYPE


def test_a_fold_places_each_type_once() -> None:
    """Handling a type twice, or handling and leaving it alone, is refused when the fold is built."""
    fold: EventHandlers[[], None] = EventHandlers("test fold")
    fold.add(m.CaseClosed, lambda e: None)
    with pytest.raises(ContractError, match="already places CaseClosed"):
        fold.add(m.CaseClosed, lambda e: None)
    with pytest.raises(ContractError, match="already places CaseClosed"):
        fold.leave_alone("no reason to", m.CaseClosed)


def test_a_fold_says_why_it_leaves_a_type_alone() -> None:
    """Leaving a type alone without a reason is refused."""
    fold: EventHandlers[[], None] = EventHandlers("test fold")
    with pytest.raises(ContractError, match="must say why"):
        fold.leave_alone("  ", m.CampaignHeld)


def test_a_fold_finds_the_handler_of_the_exact_type() -> None:
    """The handler registered for a type is found for its events; a type left alone has none."""
    seen: list[str] = []
    fold: EventHandlers[[list[str]], None] = EventHandlers("test fold")
    fold.add(m.CaseClosed, lambda e, out: out.append(e.reason.value))
    fold.leave_alone("not concerned", m.CampaignHeld)
    closed = Story().close(reason="NOT_SEVERE")
    handler = fold.of(closed)
    assert handler is not None
    handler(closed, seen)
    assert seen == ["NOT_SEVERE"]
    campaign = m.CampaignHeld.model_construct(campaign_id="c1")
    assert fold.of(campaign) is None and fold.left_alone == {m.CampaignHeld: "not concerned"}
