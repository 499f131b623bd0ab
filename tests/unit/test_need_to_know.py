"""Need-to-know: a partner sees a case only with a reason, and only the fields its role needs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from synthetic import VICTIM, PurePipeline, Story, pseudonym

from ketenhub.codec.single_object import decode_event
from ketenhub.codec.views import decode_view, view_document
from ketenhub.contract import models as m
from ketenhub.core.case_state import CaseState
from ketenhub.core.projection import Projector, project_case, render_views

V1, V2 = pseudonym("victim-v1"), pseudonym("victim-v2")


@pytest.fixture
def hub() -> PurePipeline:
    return PurePipeline()


@pytest.fixture
def story() -> Story:
    return Story()


def view(hub: PurePipeline, partner: str, case: str = "case-1") -> dict[str, Any] | None:
    raw = hub.projector.view(partner, case)
    return None if raw is None else view_document(decode_view(raw))


def test_the_coordinator_sees_every_case_in_full(hub: PurePipeline, story: Story) -> None:
    """The coordinator sees a new signal with its reporter, free text and history."""
    hub.submit(story.signal())
    seen = view(hub, "municipality")
    assert seen is not None
    assert seen["signal"]["reporter_role"] == "ENFORCER"
    assert seen["history"][0]["event_type"] == "SignalReceived"


def test_the_reporter_sees_status_only(hub: PurePipeline, story: Story) -> None:
    """Municipal staff see the case they reported, its phase and status, not the research."""
    hub.submit_all(story.through_research())
    seen = view(hub, "municipal-staff")
    assert seen is not None and seen["phase"] == "SOURCE_RESEARCH"
    assert seen["visible_because"] == ["REPORTED"]
    assert "research" not in seen and "signal" not in seen


def test_police_see_a_case_only_after_a_forward(hub: PurePipeline, story: Story) -> None:
    """A case reported by municipal staff is invisible to the police until it is forwarded to them."""
    hub.submit(story.signal())
    assert view(hub, "police") is None
    hub.submit(story.forward("case-1", "police"))
    seen = view(hub, "police")
    assert seen is not None and seen["visible_because"] == ["FORWARDED"]
    assert "reporter_role" not in seen["signal"] and "reported_by" not in seen["signal"]
    assert "free_text" not in seen["signal"]


def test_an_action_owner_sees_the_case(hub: PurePipeline, story: Story) -> None:
    """HEIT sees a case once an action plan names it as an action owner."""
    hub.submit_all(story.through_research())
    assert view(hub, "heit") is None
    hub.submit(story.plan(owners=("heit",)))
    assert view(hub, "heit")["visible_because"] == ["ACTION_OWNER"]  # type: ignore[index]


def test_escalation_to_riec_makes_the_case_visible_to_riec(hub: PurePipeline, story: Story) -> None:
    """An action plan that asks RIEC to take the case up gives RIEC a reason to see it."""
    hub.submit_all([*story.through_research(), story.plan(owners=("municipality",), riec=True)])
    assert view(hub, "riec")["visible_because"] == ["FORWARDED"]  # type: ignore[index]


def test_care_sees_only_its_referred_victims_and_referrals(hub: PurePipeline, story: Story) -> None:
    """SHOP sees its referred victim and referral; never the signal, research, reporter or others."""
    hub.submit_all([*story.through_research(), story.victim(victim=V1), story.victim(victim=V2)])
    assert view(hub, "shop") is None
    hub.submit_all(
        [
            story.referral(victim=V1, provider="shop", referral="r1"),
            story.referral(victim=V2, provider="comensha", referral="r2"),
        ]
    )
    seen = view(hub, "shop")
    assert seen is not None
    assert set(seen) == {"case_id", "visible_because", "victims", "referrals"}
    assert set(seen["victims"]) == {V1} and set(seen["referrals"]) == {"r1"}
    assert "ENFORCER" not in json.dumps(seen) and "OVERCROWDED_ADDRESS" not in json.dumps(seen)


def test_police_do_not_see_care_details(hub: PurePipeline, story: Story) -> None:
    """The police view of a forwarded case holds victims but no referral or care information."""
    hub.submit_all(
        [story.signal(), story.victim(), story.referral(), story.forward("case-1", "police")]
    )
    seen = view(hub, "police")
    assert seen is not None and VICTIM in seen["victims"]
    assert "referrals" not in seen and "CARE_COORDINATION" not in json.dumps(seen)


def test_revoked_sharing_removes_the_case_but_replay_shows_it_was_visible(
    hub: PurePipeline, story: Story
) -> None:
    """SharingRevoked emits a tombstone for that partner; the log prefix before it still yields the view."""
    hub.submit_all([story.signal(), story.share("case-1", "nla", decision="d1")])
    assert view(hub, "nla")["visible_because"] == ["SHARED:d1"]  # type: ignore[index]
    hub.submit(story.revoke("case-1", "nla", decision="d1"))
    assert [(c.partner, c.view) for c in hub.last_changes if c.partner == "nla"] == [("nla", None)]
    assert view(hub, "nla") is None
    replay = Projector(hub.registry)
    for record in hub.records[:-1]:  # the log up to the revocation
        replay.apply(record, decode_event(record.payload))
    assert replay.view("nla", "case-1") is not None


def test_a_second_reason_survives_revocation(hub: PurePipeline, story: Story) -> None:
    """A partner that also was forwarded the case keeps seeing it after its sharing is revoked."""
    hub.submit_all(
        [
            story.signal(),
            story.share("case-1", "police"),
            story.forward("case-1", "police"),
            story.revoke("case-1", "police"),
        ]
    )
    assert view(hub, "police")["visible_because"] == ["FORWARDED"]  # type: ignore[index]


def test_the_anonymous_channel_sees_nothing_back(hub: PurePipeline, story: Story) -> None:
    """Meld Misdaad Anoniem gets no view, not even of the tips it sent."""
    hub.submit(story.signal(by="meld-misdaad-anoniem", channel="ANONYMOUS_TIP"))
    assert view(hub, "meld-misdaad-anoniem") is None
    assert view(hub, "municipality")["signal"]["reporter_role"] is None  # type: ignore[index]


def test_views_are_a_pure_function_of_the_log_prefix(hub: PurePipeline, story: Story) -> None:
    """Rebuilding from the sealed records gives exactly the live views, for every partner."""
    hub.submit_all(
        [
            *story.through_research(),
            story.plan(owners=("heit", "police"), police=True),
            story.victim(),
            story.referral(),
            story.referral_step(m.ReferralAccepted, "r1", "shop"),
        ]
    )
    rebuilt = Projector(hub.registry)
    for record in hub.records:
        rebuilt.apply(record, decode_event(record.payload))
    for partner in hub.registry.partners:
        assert rebuilt.views(partner.id) == hub.projector.views(partner.id)


def test_a_meeting_is_part_of_every_case_it_discussed(hub: PurePipeline, story: Story) -> None:
    """MeetingHeld lands in the history of each discussed case."""
    hub.submit_all(
        [story.signal("case-1"), story.signal("case-2"), story.meeting(cases=("case-1", "case-2"))]
    )
    for case in ("case-1", "case-2"):
        assert view(hub, "municipality", case)["meetings"][0]["meeting_id"] == "m1"  # type: ignore[index]


def test_referral_steps_without_case_id_reach_the_case_of_their_referral(
    hub: PurePipeline, story: Story
) -> None:
    """ReferralAccepted carries no case id; the sealer files it under the referral's case and SHOP's view follows."""
    hub.submit_all([story.signal(), story.victim(), story.referral(case=None)])
    hub.submit(story.referral_step(m.ReferralAccepted, "r1", "shop"))
    assert hub.records[-1].case_id == "case-1"
    assert view(hub, "shop")["referrals"]["r1"]["status"] == "ACCEPTED"  # type: ignore[index]


def test_projecting_a_record_twice_changes_nothing(hub: PurePipeline, story: Story) -> None:
    """project_case ignores a record at or below the case's last sequence (at-least-once delivery)."""
    hub.submit_all([story.signal(), story.intake()])
    record = hub.records[-1]
    state = CaseState.from_json(hub.projector.cases["case-1"].to_json())
    assert project_case(state, record, decode_event(record.payload), hub.registry, "case-1") is None
    assert state.to_json() == hub.projector.cases["case-1"].to_json()


def test_case_state_survives_serialisation(hub: PurePipeline, story: Story) -> None:
    """A case state restored from its JSON (as a table stores it) renders the same views."""
    hub.submit_all(
        [*story.through_research(), story.plan(owners=("heit",)), story.victim(), story.referral()]
    )
    state = hub.projector.cases["case-1"]
    assert render_views(CaseState.from_json(state.to_json()), hub.registry) == render_views(
        state, hub.registry
    )
