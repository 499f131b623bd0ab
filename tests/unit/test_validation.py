"""Validation of meaning: phase order, references, times, duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from synthetic import NOW, PurePipeline, Story, pseudonym

from ketenhub.contract import models as m
from ketenhub.core.admission import Admitted, Duplicate
from ketenhub.core.phases import CaseProgress, Phase
from ketenhub.core.rejection import Rejection, RejectionCode


@pytest.fixture
def hub() -> PurePipeline:
    return PurePipeline()


@pytest.fixture
def story() -> Story:
    return Story()


def rejected(outcome: object, code: RejectionCode) -> Rejection:
    assert isinstance(outcome, Rejection), f"expected a rejection {code}, got {outcome!r}"
    assert outcome.code is code, outcome.reason
    return outcome


def test_a_signal_through_all_five_phases_is_admitted(hub: PurePipeline, story: Story) -> None:
    """A case taken through intake, severity, research, plan and action is sealed event by event."""
    events = [*story.through_research(), story.plan(owners=("police", "enforcement"))]
    events += [story.action_done("case-1", "a1", "police"), story.close(reason="ACTIONS_COMPLETED")]
    assert all(isinstance(o, Admitted) for o in hub.submit_all(events))
    assert len(hub.records) == len(events)


def test_action_plan_before_intake_and_severity_is_out_of_order(
    hub: PurePipeline, story: Story
) -> None:
    """No action plan before intake and severity: the reason names the phase needed and the phase found."""
    hub.submit(story.signal())
    reason = rejected(hub.submit(story.plan()), RejectionCode.OUT_OF_ORDER).reason
    assert "SOURCE_RESEARCH" in reason and "RECEIVED" in reason


def test_severity_needs_an_accepted_intake(hub: PurePipeline, story: Story) -> None:
    """A case whose intake closed it cannot be assessed for severity."""
    hub.submit_all([story.signal(), story.intake(outcome="CLOSE")])
    rejected(hub.submit(story.severity()), RejectionCode.OUT_OF_ORDER)


def test_research_needs_severity_investigate(hub: PurePipeline, story: Story) -> None:
    """Source research follows only a severity outcome of INVESTIGATE."""
    hub.submit_all([story.signal(), story.intake(), story.severity(outcome="STORE_FOR_FUTURE_USE")])
    rejected(hub.submit(story.research()), RejectionCode.OUT_OF_ORDER)


def test_events_of_an_unknown_case_are_missing_references(hub: PurePipeline, story: Story) -> None:
    """An intake for a case no signal opened is refused and names the case."""
    reason = rejected(hub.submit(story.intake("case-404")), RejectionCode.MISSING_REFERENCE).reason
    assert "case-404" in reason


def test_a_closed_case_takes_no_further_handling(hub: PurePipeline, story: Story) -> None:
    """After CaseClosed, phase events are refused as CASE_CLOSED."""
    hub.submit_all([story.signal(), story.close()])
    rejected(hub.submit(story.intake()), RejectionCode.CASE_CLOSED)


def test_acknowledgement_needs_a_forward_addressed_to_the_partner(
    hub: PurePipeline, story: Story
) -> None:
    """An acknowledgement refers to an existing forward, made to the acknowledging partner, once."""
    hub.submit(story.signal())
    forward = story.forward("case-1", "police")
    rejected(hub.submit(story.ack("case-1", forward, "police")), RejectionCode.MISSING_REFERENCE)
    hub.submit(forward)
    rejected(hub.submit(story.ack("case-1", forward, "heit")), RejectionCode.NOT_AUTHORIZED)
    assert isinstance(hub.submit(story.ack("case-1", forward, "police")), Admitted)
    rejected(hub.submit(story.ack("case-1", forward, "police")), RejectionCode.ALREADY_EXISTS)


def test_intake_forward_can_be_acknowledged(hub: PurePipeline, story: Story) -> None:
    """An intake with outcome FORWARD is itself the forward its addressee acknowledges."""
    hub.submit(story.signal())
    intake = story.intake(outcome="FORWARD", forward_to="nla")
    assert isinstance(hub.submit(intake), Admitted)
    assert isinstance(hub.submit(story.ack("case-1", intake, "nla")), Admitted)


def test_forward_outcome_and_forward_to_go_together(hub: PurePipeline, story: Story) -> None:
    """forward_to without outcome FORWARD, or FORWARD without forward_to, is an invalid value."""
    hub.submit(story.signal())
    rejected(
        hub.submit(story.intake(outcome="ACCEPT", forward_to="police")), RejectionCode.INVALID_VALUE
    )
    rejected(hub.submit(story.intake(outcome="FORWARD")), RejectionCode.INVALID_VALUE)


def test_referral_needs_a_known_victim(hub: PurePipeline, story: Story) -> None:
    """A referral of a victim never identified is a missing reference."""
    hub.submit(story.signal())
    reason = rejected(hub.submit(story.referral()), RejectionCode.MISSING_REFERENCE).reason
    assert "VictimIdentified" in reason


def test_a_victim_of_several_forms_is_identified_once(hub: PurePipeline, story: Story) -> None:
    """Sexual and criminal exploitation in one registration is sealed; a second one in the case is refused."""
    hub.submit(story.signal())
    both = story.victim(other_exploitation_forms=["CRIMINAL"])
    assert isinstance(hub.submit(both), Admitted)
    again = story.victim(exploitation_form="CRIMINAL")
    reason = rejected(hub.submit(again), RejectionCode.ALREADY_EXISTS).reason
    assert "other_exploitation_forms" in reason and "case-1" in reason
    hub.submit(story.signal("case-2"))
    assert isinstance(hub.submit(story.victim("case-2")), Admitted)  # in another case: counted


def test_each_form_of_a_victim_is_named_once(hub: PurePipeline, story: Story) -> None:
    """Other forms that repeat the main form or each other are an invalid value."""
    hub.submit(story.signal())
    for forms in (["SEXUAL"], ["LABOUR", "LABOUR"]):
        reason = rejected(
            hub.submit(story.victim(other_exploitation_forms=forms)), RejectionCode.INVALID_VALUE
        ).reason
        assert "each form once" in reason


def test_only_an_external_signal_names_its_kind_of_organisation(
    hub: PurePipeline, story: Story
) -> None:
    """A school on the external route is sealed; the same kind on the internal route is refused."""
    external = story.signal(
        "case-ext", by="municipality", channel="EXTERNAL_ROUTE", source_organisation="SCHOOL"
    )
    assert isinstance(hub.submit(external), Admitted)
    internal = story.signal("case-int", source_organisation="SCHOOL")
    reason = rejected(hub.submit(internal), RejectionCode.INVALID_VALUE).reason
    assert "EXTERNAL_ROUTE" in reason and "INTERNAL_ROUTE" in reason


def test_only_the_addressed_provider_accepts_a_referral(hub: PurePipeline, story: Story) -> None:
    """Another care provider cannot accept a referral made to SHOP."""
    hub.submit_all([story.signal(), story.victim(), story.referral(provider="shop")])
    refusal = rejected(
        hub.submit(story.referral_step(m.ReferralAccepted, "r1", "comensha")),
        RejectionCode.NOT_AUTHORIZED,
    )
    assert "shop" in refusal.reason
    assert isinstance(hub.submit(story.referral_step(m.ReferralAccepted, "r1", "shop")), Admitted)


def test_care_follows_the_referral_lifecycle(hub: PurePipeline, story: Story) -> None:
    """Care cannot start before acceptance, nor end before it started."""
    hub.submit_all([story.signal(), story.victim(), story.referral()])
    rejected(
        hub.submit(story.referral_step(m.CareStarted, "r1", "shop")), RejectionCode.OUT_OF_ORDER
    )
    hub.submit(story.referral_step(m.ReferralAccepted, "r1", "shop"))
    rejected(
        hub.submit(story.referral_step(m.CareEnded, "r1", "shop", outcome="COMPLETED")),
        RejectionCode.OUT_OF_ORDER,
    )
    assert isinstance(hub.submit(story.referral_step(m.CareStarted, "r1", "shop")), Admitted)


def test_times_in_the_future_are_refused(hub: PurePipeline, story: Story) -> None:
    """An event that claims to happen after the hub's clock (beyond the skew) is refused."""
    late = story.signal(occurred_at=NOW + dt.timedelta(hours=1))
    rejected(hub.submit(late), RejectionCode.FUTURE_TIME)


@pytest.mark.parametrize("year", [1, 1969])
def test_times_before_1970_are_refused(hub: PurePipeline, story: Story, year: int) -> None:
    """An event claiming to have happened before 1970 (beyond any evaluation or archive) is refused."""
    ancient = story.signal(occurred_at=dt.datetime(year, 12, 31, 23, tzinfo=dt.UTC))
    refusal = rejected(hub.submit(ancient), RejectionCode.INVALID_VALUE)
    assert refusal.reason.startswith("occurred_at ") and "before 1970" in refusal.reason
    assert not hub.records


def test_same_event_twice_has_no_second_effect(hub: PurePipeline, story: Story) -> None:
    """Delivering an event again is a Duplicate and seals nothing."""
    signal = story.signal()
    hub.submit(signal)
    assert isinstance(hub.submit(signal), Duplicate)
    assert len(hub.records) == 1


def test_same_event_id_with_other_content_is_refused(hub: PurePipeline, story: Story) -> None:
    """Reusing an event id for different content is a CONFLICTING_DUPLICATE."""
    signal = story.signal()
    hub.submit(signal)
    altered = signal.model_copy(update={"indicators": ["OTHER"]})
    rejected(hub.submit(altered), RejectionCode.CONFLICTING_DUPLICATE)


def test_a_case_id_cannot_be_opened_twice(hub: PurePipeline, story: Story) -> None:
    """A second signal with the same case id is refused as ALREADY_EXISTS."""
    hub.submit(story.signal())
    rejected(hub.submit(story.signal()), RejectionCode.ALREADY_EXISTS)


def test_sharing_revocation_needs_the_decision(hub: PurePipeline, story: Story) -> None:
    """Only an existing, unrevoked decision can be revoked."""
    hub.submit(story.signal())
    rejected(hub.submit(story.revoke("case-1", "heit")), RejectionCode.MISSING_REFERENCE)
    hub.submit(story.share("case-1", "heit"))
    assert isinstance(hub.submit(story.revoke("case-1", "heit")), Admitted)
    rejected(hub.submit(story.revoke("case-1", "heit")), RejectionCode.ALREADY_EXISTS)


def test_sharing_decided_in_an_unknown_meeting_is_refused(hub: PurePipeline, story: Story) -> None:
    """A sharing decision that names a meeting must name one that was held."""
    hub.submit(story.signal())
    rejected(
        hub.submit(story.share("case-1", "heit", meeting="m-404")), RejectionCode.MISSING_REFERENCE
    )
    hub.submit(story.meeting("m1"))
    assert isinstance(hub.submit(story.share("case-1", "heit", meeting="m1")), Admitted)


def test_action_is_reported_by_its_owner_or_the_coordinator(
    hub: PurePipeline, story: Story
) -> None:
    """An action owned by the police cannot be completed by HEIT."""
    hub.submit_all([*story.through_research(), story.plan(owners=("police",))])
    rejected(hub.submit(story.action_done("case-1", "a1", "heit")), RejectionCode.NOT_AUTHORIZED)
    rejected(
        hub.submit(story.action_done("case-1", "a9", "police")), RejectionCode.MISSING_REFERENCE
    )
    assert isinstance(hub.submit(story.action_done("case-1", "a1", "police")), Admitted)


def test_permit_decided_needs_its_screening(hub: PurePipeline, story: Story) -> None:
    """A permit is decided only after the Bibob screening it names."""
    permit = story.make(
        m.PermitDecided, "municipality", screening_id="s1", permit_type="ESCORT", decision="REFUSED"
    )
    rejected(hub.submit(permit), RejectionCode.OUT_OF_ORDER)
    hub.submit(
        story.make(
            m.BibobScreeningCompleted,
            "municipality",
            screening_id="s1",
            permit_type="ESCORT",
            outcome="SERIOUS_RISK",
        )
    )
    assert isinstance(hub.submit(permit), Admitted)


def test_control_visits_need_an_open_planned_day(hub: PurePipeline, story: Story) -> None:
    """Visits are logged by participants of a planned, not yet closed control day."""

    def visit(visit_id: str, by: str) -> m.ControlVisitLogged:
        return story.make(
            m.ControlVisitLogged,
            by,
            control_day_id="cd1",
            visit_id=visit_id,
            address=pseudonym("address-a"),
            area_code="2261",
            finding_codes=[],
            people_encountered=2,
            signals_raised=[],
        )

    rejected(hub.submit(visit("v1", "heit")), RejectionCode.MISSING_REFERENCE)
    hub.submit(
        story.make(
            m.ControlDayPlanned,
            "municipality",
            control_day_id="cd1",
            day=dt.date(2025, 2, 1),
            kind="INTEGRAL",
            participants=["heit", "police"],
        )
    )
    rejected(hub.submit(visit("v1", "nla")), RejectionCode.NOT_AUTHORIZED)
    assert isinstance(hub.submit(visit("v1", "heit")), Admitted)
    hub.submit(story.make(m.ControlDayClosed, "municipality", control_day_id="cd1"))
    rejected(hub.submit(visit("v2", "heit")), RejectionCode.MISSING_REFERENCE)


def stop_talk(story: Story, case: str | None) -> m.StopTalkHeld:
    return story.make(
        m.StopTalkHeld,
        "municipality",
        case_id=case,
        employer=pseudonym("employer-1"),
        sector="HOSPITALITY",
    )


def test_a_stop_talk_naming_a_case_needs_that_case_open(hub: PurePipeline, story: Story) -> None:
    """A stop talk for an unknown or closed case is refused; one without a case stands alone."""
    rejected(hub.submit(stop_talk(story, "case-404")), RejectionCode.MISSING_REFERENCE)
    assert not isinstance(hub.submit(stop_talk(story, None)), Rejection)
    hub.submit_all([story.signal(), story.close()])
    rejected(hub.submit(stop_talk(story, "case-1")), RejectionCode.CASE_CLOSED)


def measure(story: Story, case: str | None, measure_id: str = "m1") -> m.MeasureImposed:
    return story.make(
        m.MeasureImposed,
        "municipality",
        case_id=case,
        measure_id=measure_id,
        measure="PENALTY_ORDER",
        legal_basis="Gemeentewet art. 174",
    )


def test_a_measure_in_a_case_needs_its_action_plan(hub: PurePipeline, story: Story) -> None:
    """A measure in a case before its action plan is out of order; after it, it takes the case into ACTION."""
    hub.submit_all(story.through_research())
    reason = rejected(hub.submit(measure(story, "case-1")), RejectionCode.OUT_OF_ORDER).reason
    assert reason == "a measure in case 'case-1' needs an adopted action plan first"
    hub.submit(story.plan())
    assert isinstance(hub.submit(measure(story, "case-1", "m2")), Admitted)
    assert hub.sealing.sealer.ledger.cases["case-1"].stage is Phase.ACTION


def test_a_closed_case_is_refused_before_the_event_is_checked_further(
    hub: PurePipeline, story: Story
) -> None:
    """An intake of a closed case is CASE_CLOSED even when its own fields disagree."""
    hub.submit_all([story.signal(), story.close()])
    intake = story.intake(outcome="FORWARD")  # FORWARD without forward_to: invalid on its own
    reason = rejected(hub.submit(intake), RejectionCode.CASE_CLOSED).reason
    assert reason == "case 'case-1' is closed; no further IntakeAssessed"


def test_an_unplanned_action_is_a_missing_reference_in_any_phase(
    hub: PurePipeline, story: Story
) -> None:
    """An action reported for a case without that planned action names the action, whatever the phase."""
    hub.submit(story.signal())
    done = story.action_done("case-1", "a1", "police")
    reason = rejected(hub.submit(done), RejectionCode.MISSING_REFERENCE).reason
    assert reason == "case 'case-1' has no planned action 'a1'"


def test_the_ledger_follows_the_phases_of_sealed_events(hub: PurePipeline, story: Story) -> None:
    """The ledger keeps each case's phase, the gating outcomes and the close, as events are sealed."""
    hub.submit_all([*story.through_research(), story.plan(), story.close()])
    case = hub.sealing.sealer.ledger.cases["case-1"]
    assert case.progress == CaseProgress(
        Phase.ACTION_PLAN,
        closed=True,
        intake=m.IntakeOutcome.ACCEPT,
        severity=m.SeverityOutcome.INVESTIGATE,
    )
