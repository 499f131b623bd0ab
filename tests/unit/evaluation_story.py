"""A hand-built history for the evaluation tests: events at exact moments, with readable ids."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any, TypeVar

from ketenhub.contract import models as m
from ketenhub.contract.base import Event

LOCATION = {"municipality_code": "GM1916", "area_code": "2261"}
E = TypeVar("E", bound=Event)


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    """A moment in UTC."""
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


class Chronicle:
    """Builds events at the moments given; event ids are uuid(int=n) in the order built."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.events: list[Event] = []

    def make(self, cls: type[E], when: dt.datetime, by: str = "municipality", **fields: Any) -> E:
        """Record an event of ``cls`` at ``when`` by ``by`` and return it."""
        event = cls(
            event_id=uuid.UUID(int=next(self._counter)), occurred_at=when, recorded_by=by, **fields
        )
        self.events.append(event)
        return event

    def signal(
        self,
        case: str,
        when: dt.datetime,
        channel: str = "INTERNAL_ROUTE",
        forms: tuple[str, ...] = ("LABOUR",),
        source: str | None = None,
    ) -> m.SignalReceived:
        return self.make(
            m.SignalReceived,
            when,
            "municipal-staff",
            case_id=case,
            channel=channel,
            source_organisation=source,
            reporter_role=None if channel == "ANONYMOUS_TIP" else "ENFORCER",
            exploitation_forms=list(forms),
            indicators=["LIVES_AT_WORK"],
            location=LOCATION,
            persons=[],
        )

    def intake(
        self, case: str, when: dt.datetime, outcome: str = "ACCEPT", forward_to: str | None = None
    ) -> Any:
        return self.make(
            m.IntakeAssessed,
            when,
            case_id=case,
            is_undermining_crime=True,
            is_municipal_task=True,
            is_within_municipality=True,
            outcome=outcome,
            forward_to=forward_to,
        )

    def severity(self, case: str, when: dt.datetime, outcome: str = "INVESTIGATE") -> Any:
        return self.make(m.SeverityAssessed, when, case_id=case, outcome=outcome)

    def research(self, case: str, when: dt.datetime) -> Any:
        return self.make(
            m.SourceResearchCompleted,
            when,
            case_id=case,
            registers_consulted=["BRP"],
            finding_codes=[],
        )

    def plan(
        self,
        case: str,
        when: dt.datetime,
        actions: tuple[tuple[str, str, dt.date], ...] = (),
        *,
        police: bool = False,
        riec: bool = False,
    ) -> Any:
        planned = [
            {"action_id": a, "kind": "CONTROL_VISIT", "owner": owner, "due_date": due}
            for a, owner, due in actions
        ]
        return self.make(
            m.ActionPlanAdopted,
            when,
            case_id=case,
            actions=planned,
            forward_to_police=police,
            escalate_to_riec=riec,
        )

    def action(
        self, case: str, action_id: str, when: dt.datetime, by: str, result: str = "COMPLETED"
    ) -> Any:
        return self.make(
            m.ActionCompleted,
            when,
            by,
            case_id=case,
            action_id=action_id,
            result=result,
            finding_codes=[],
        )

    def measure(
        self,
        measure_id: str,
        when: dt.datetime,
        kind: str,
        case: str | None = None,
        visit: str | None = None,
    ) -> Any:
        return self.make(
            m.MeasureImposed,
            when,
            case_id=case,
            measure_id=measure_id,
            measure=kind,
            legal_basis="Gemeentewet art. 174",
            control_visit_id=visit,
        )

    def forward(self, case: str, when: dt.datetime, to: str = "police") -> Any:
        return self.make(
            m.SignalForwarded, when, case_id=case, to_partner=to, reason="CRIMINAL_INVESTIGATION"
        )

    def ack(self, case: str, forward: Event, when: dt.datetime, by: str) -> Any:
        return self.make(
            m.SignalAcknowledged, when, by, case_id=case, forward_event_id=forward.event_id
        )

    def close(self, case: str, when: dt.datetime, reason: str = "NOT_SEVERE") -> Any:
        return self.make(m.CaseClosed, when, case_id=case, reason=reason)

    def share(self, case: str, decision: str, when: dt.datetime, partner: str = "police") -> Any:
        return self.make(
            m.SharingDecided,
            when,
            case_id=case,
            decision_id=decision,
            partner=partner,
            purpose="JOINT_CONTROL",
            legal_basis="Wpg art. 20",
        )

    def revoke(self, case: str, decision: str, when: dt.datetime, partner: str = "police") -> Any:
        return self.make(
            m.SharingRevoked,
            when,
            case_id=case,
            decision_id=decision,
            partner=partner,
            purpose="JOINT_CONTROL",
            legal_basis="Wpg art. 20",
        )

    def victim(
        self,
        victim: str,
        when: dt.datetime,
        age: str = "UNDER_18",
        gender: str = "FEMALE",
        form: str = "SEXUAL",
        case: str | None = None,
        other: tuple[str, ...] = (),
    ) -> Any:
        return self.make(
            m.VictimIdentified,
            when,
            case_id=case,
            victim=victim,
            age_group=age,
            gender=gender,
            exploitation_form=form,
            other_exploitation_forms=list(other),
            residence_status="DUTCH",
        )

    def referral(
        self,
        referral: str,
        victim: str,
        when: dt.datetime,
        provider: str = "shop",
        care: str = "CARE_COORDINATION",
    ) -> Any:
        return self.make(
            m.ReferralMade,
            when,
            referral_id=referral,
            victim=victim,
            provider=provider,
            care_type=care,
            urgency="URGENT",
        )

    def step(
        self, cls: type[Event], referral: str, when: dt.datetime, by: str = "shop", **kw: Any
    ) -> Any:
        return self.make(cls, when, by, referral_id=referral, **kw)

    def training(self, when: dt.datetime, kind: str, audience: str, participants: int) -> Any:
        return self.make(
            m.TrainingCompleted,
            when,
            training_id=f"t-{len(self.events)}",
            audience_kind=kind,
            audience=audience,
            participants=participants,
            provider="comensha",
        )

    def campaign(self, when: dt.datetime, target: str, reach: int) -> Any:
        return self.make(
            m.CampaignHeld,
            when,
            campaign_id=f"c-{len(self.events)}",
            channel="PRINT",
            target_group=target,
            reach=reach,
        )

    def screening(self, when: dt.datetime, permit: str, outcome: str) -> Any:
        return self.make(
            m.BibobScreeningCompleted,
            when,
            screening_id=f"s-{len(self.events)}",
            permit_type=permit,
            outcome=outcome,
        )

    def control_day(
        self, day_id: str, when: dt.datetime, day: dt.date, kind: str, participants: list[str]
    ) -> Any:
        return self.make(
            m.ControlDayPlanned,
            when,
            "enforcement",
            control_day_id=day_id,
            day=day,
            kind=kind,
            participants=participants,
        )

    def visit(
        self,
        day_id: str,
        visit_id: str,
        when: dt.datetime,
        findings: list[str],
        people: int,
        raised: int = 0,
    ) -> Any:
        return self.make(
            m.ControlVisitLogged,
            when,
            "enforcement",
            control_day_id=day_id,
            visit_id=visit_id,
            address="psn-" + "a" * 32,
            area_code="2261",
            finding_codes=findings,
            people_encountered=people,
            signals_raised=[f"raised-{visit_id}-{n}" for n in range(raised)],
        )

    def meeting(self, meeting: str, when: dt.datetime, kind: str, cases: list[str]) -> Any:
        return self.make(
            m.MeetingHeld, when, meeting_id=meeting, meeting_type=kind, cases_discussed=cases
        )
