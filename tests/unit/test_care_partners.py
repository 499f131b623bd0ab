"""A care partner gets referrals of identified victims and nothing else: no forwarded signal,
no action, no shared case; and it sees no case but those it has a referral in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from synthetic import PurePipeline, Story

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.admission import Admitted
from ketenhub.core.rejection import Rejection, RejectionCode

CARE = "shop"


def _refused(outcome: object, field: str) -> None:
    assert isinstance(outcome, Rejection), outcome
    assert outcome.code is RejectionCode.INVALID_VALUE
    assert outcome.reason.startswith(f"{field} 'shop' is a care partner")
    assert "VictimIdentified, then ReferralMade" in outcome.reason


@pytest.mark.parametrize(
    ("before", "given", "field"),
    [
        (lambda s: [s.signal()], lambda s: s.intake(outcome="FORWARD", forward_to=CARE), "forward_to"),
        (lambda s: [s.signal()], lambda s: s.forward("case-1", CARE), "to_partner"),
        (lambda s: s.through_research(), lambda s: s.plan(owners=("police", CARE)), "owner of action 'a2'"),
        (lambda s: [s.signal()], lambda s: s.share("case-1", CARE), "partner"),
    ],
    ids=["intake forward", "forward", "action owner", "sharing"],
)  # fmt: skip
def test_a_care_partner_is_given_no_case_but_by_a_referral(
    before: Callable[[Story], list[Event]], given: Callable[[Story], Event], field: str
) -> None:
    """Forwarding a signal to, planning an action for, or sharing a case with a care partner is refused."""
    hub, story = PurePipeline(), Story()
    assert all(isinstance(o, Admitted) for o in hub.submit_all(before(story)))
    _refused(hub.submit(given(story)), field)


def test_a_care_partner_sees_only_the_cases_it_has_a_referral_in() -> None:
    """A signal the care partner reported itself shows it nothing; a referral to it shows the case,
    with only the victim referred and the referral."""
    hub, story = PurePipeline(), Story()
    assert isinstance(hub.submit(story.signal("case-1", by=CARE, channel="PARTNER")), Admitted)
    assert hub.projector.views(CARE) == {}
    events = [story.signal("case-2"), story.victim("case-2"), story.referral(case="case-2")]
    assert all(isinstance(o, Admitted) for o in hub.submit_all(events))
    assert sorted(hub.projector.views(CARE)) == ["case-2"]


def test_no_signal_is_forwarded_for_care_to_anyone() -> None:
    """Care is arranged by referral: a forward with reason CARE is refused whoever receives it."""
    hub, story = PurePipeline(), Story()
    assert isinstance(hub.submit(story.signal()), Admitted)
    forward = story.forward("case-1", "police").model_copy(update={"reason": m.ForwardReason.CARE})
    outcome = hub.submit(forward)
    assert isinstance(outcome, Rejection), outcome
    assert outcome.code is RejectionCode.INVALID_VALUE
    assert outcome.reason.startswith("reason 'CARE' is not used for a forward")
    assert isinstance(hub.submit(story.forward("case-1", "police")), Admitted)
