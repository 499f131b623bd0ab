"""After a case is closed only the events the README lists may follow; every other event of it is refused."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from synthetic import PurePipeline, Story, pseudonym
from test_event_vocabulary import every_type_once

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.admission import Admitted
from ketenhub.core.rejection import Rejection, RejectionCode
from ketenhub.core.validation import AFTER_CLOSE

CASE = "case-1"
# The README's list of what may follow a close ("Rules the hub enforces").
MAY_FOLLOW_A_CLOSE = {
    m.SharingRevoked,
    m.SignalAcknowledged,
    m.ReferralAccepted,
    m.ReferralDeclined,
    m.CareStarted,
    m.CareEnded,
}


def _of_the_case(event: Event) -> bool:
    return event.case_ref == CASE and not isinstance(event, m.SignalReceived | m.CaseClosed)


REFERRAL_STEPS = (m.ReferralAccepted, m.ReferralDeclined, m.CareStarted, m.CareEnded)


def _naming_the_case(event: Event) -> Event:
    """The story's referral steps name no case; here they name the case of their referral."""
    return (
        event.model_copy(update={"case_id": CASE}) if isinstance(event, REFERRAL_STEPS) else event
    )


STORY = [_naming_the_case(e) for e in every_type_once()]
CASE_EVENTS = [(i, e) for i, e in enumerate(STORY) if _of_the_case(e)]
_LATER_IDS = itertools.count(100_000)  # beyond the story's own event ids


def fresh(event: Event) -> Event:
    """``event`` under an event id the story never used."""
    return event.model_copy(update={"event_id": uuid.UUID(int=next(_LATER_IDS))})


def _closed_before(index: int) -> PurePipeline:
    """A hub that sealed the story up to ``index`` and then closed the case."""
    hub = PurePipeline()
    for event in STORY[:index]:
        if not isinstance(event, m.CaseClosed):
            assert isinstance(hub.submit(event), Admitted), event.EVENT_TYPE
    closed = hub.submit(fresh(Story().close(CASE, reason="NOT_TRAFFICKING")))
    assert isinstance(closed, Admitted), closed
    return hub


@pytest.mark.parametrize(
    ("index", "event"), CASE_EVENTS, ids=[e.EVENT_TYPE for _, e in CASE_EVENTS]
)
def test_each_event_of_a_closed_case_is_refused_unless_listed(index: int, event: Event) -> None:
    """Sealed right after the close instead of before it, each event of the case is refused
    as CASE_CLOSED, except the types AFTER_CLOSE lists, which are still sealed."""
    hub = _closed_before(index)
    outcome = hub.submit(event)
    if type(event) in MAY_FOLLOW_A_CLOSE:
        assert isinstance(outcome, Admitted), outcome
    else:
        assert isinstance(outcome, Rejection), f"{event.EVENT_TYPE} was sealed after the close"
        assert outcome.code is RejectionCode.CASE_CLOSED, outcome


def test_the_hub_lets_exactly_the_listed_types_follow_a_close() -> None:
    """The hub's list is the README's, and each type on it is tried after a close above."""
    assert AFTER_CLOSE == MAY_FOLLOW_A_CLOSE
    assert {type(e) for _, e in CASE_EVENTS} >= MAY_FOLLOW_A_CLOSE


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (
            m.BibobScreeningCompleted,
            {"screening_id": "s9", "permit_type": "HOSPITALITY", "outcome": "NO_RISK"},
        ),
        (
            m.StopTalkHeld,
            {
                "employer": pseudonym("employer-9"),
                "sector": "HOSPITALITY",
            },
        ),
    ],
)
def test_an_event_that_only_may_name_a_case_is_refused_when_that_case_is_closed(
    cls: type[Event], fields: dict[str, Any]
) -> None:
    """Events whose case is optional (a Bibob screening, a stop talk) may not name a closed case."""
    hub = _closed_before(len(STORY) - 1)
    outcome = hub.submit(fresh(Story().make(cls, "municipality", case_id=CASE, **fields)))
    assert isinstance(outcome, Rejection), outcome
    assert outcome.code is RejectionCode.CASE_CLOSED


def test_a_victim_of_a_closed_case_gets_no_new_referral() -> None:
    """A referral without a case id is refused when its victim's case is closed."""
    hub = _closed_before(len(STORY) - 1)
    outcome = hub.submit(fresh(Story().referral(referral="r9", case=None)))
    assert isinstance(outcome, Rejection), outcome
    assert outcome.code is RejectionCode.CASE_CLOSED
    assert "closed" in outcome.reason
