"""Authorization: which partner, by role, may record which event type and signal channel."""

from __future__ import annotations

import pytest
from synthetic import PurePipeline, Story

from ketenhub.core.admission import Admitted
from ketenhub.core.rejection import Rejection, RejectionCode


@pytest.fixture
def hub() -> PurePipeline:
    return PurePipeline()


def test_only_the_coordinator_records_intake(hub: PurePipeline) -> None:
    """Police recording an intake is refused, and the reason names the roles that may."""
    story = Story()
    hub.submit(story.signal())
    outcome = hub.submit(story.intake(by="police"))
    assert isinstance(outcome, Rejection) and outcome.code is RejectionCode.NOT_AUTHORIZED
    assert "COORDINATOR" in outcome.reason and "police" in outcome.reason


def test_only_the_coordinator_records_sharing_decisions(hub: PurePipeline) -> None:
    """A sharing decision recorded by RIEC is refused."""
    story = Story()
    hub.submit(story.signal())
    decision = story.make(
        type(story.share("case-1", "heit")),
        "riec",
        case_id="case-1",
        decision_id="d9",
        partner="heit",
        purpose="X",
        legal_basis="Y",
    )
    outcome = hub.submit(decision)
    assert isinstance(outcome, Rejection) and outcome.code is RejectionCode.NOT_AUTHORIZED


@pytest.mark.parametrize(
    ("partner", "channel", "allowed"),
    [
        ("municipal-staff", "INTERNAL_ROUTE", True),
        ("municipal-staff", "POLICE", False),
        ("police", "POLICE", True),
        ("police", "WEBSITE", False),
        ("meld-misdaad-anoniem", "ANONYMOUS_TIP", True),
        ("meld-misdaad-anoniem", "EXTERNAL_ROUTE", False),
        ("municipality", "WEBSITE", True),
        ("heit", "PARTNER", True),
        ("shop", "ANONYMOUS_TIP", False),
    ],
)
def test_each_role_reports_signals_on_its_own_channels(
    hub: PurePipeline, partner: str, channel: str, allowed: bool
) -> None:
    """Signal channels are bound to roles, as the registry configures."""
    outcome = hub.submit(Story().signal(by=partner, channel=channel))
    assert isinstance(outcome, Admitted) is allowed


def test_an_anonymous_tip_never_carries_a_reporter(hub: PurePipeline) -> None:
    """An anonymous tip with a reporter role is refused: the reporter must not exist in the system."""
    outcome = hub.submit(
        Story().signal(by="meld-misdaad-anoniem", channel="ANONYMOUS_TIP", reporter_role="CITIZEN")
    )
    assert isinstance(outcome, Rejection) and outcome.code is RejectionCode.INVALID_VALUE


def test_an_event_recorded_by_another_partner_is_refused(hub: PurePipeline) -> None:
    """A partner cannot post an event in another partner's name on its own ingest topic."""
    outcome = hub.submit(Story().signal(by="municipal-staff"), partner="police")
    assert isinstance(outcome, Rejection) and outcome.code is RejectionCode.WRONG_RECORDER
