"""Synthetic events for unit tests, and the real application pipeline in memory to push them through."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from typing import Any

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.config import load_registry
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.admission import Admission, Admitted, Duplicate, Inspected, content_digest
from ketenhub.core.checkpoints import generate_hub_key
from ketenhub.core.input_ref import InputRef
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import ViewChange
from ketenhub.core.sealing import SealedRecord, decode_sealed
from ketenhub.pipeline.effects import AppendRejected, AppendSealed, AppendView
from ketenhub.pipeline.sealing_step import Input, SealingStep
from ketenhub.pipeline.view_step import ViewStep
from ketenhub.topic_log import LogRecord
from ketenhub.topics import AUDIT_LOG

T0 = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LOCATION = {"municipality_code": "GM1916", "area_code": "2261"}


def pseudonym(label: str) -> str:
    """A synthetic pseudonym in the hub's strict format (``psn-`` + 32 hex), derived from a label."""
    return "psn-" + hashlib.sha256(label.encode()).hexdigest()[:32]


VICTIM = pseudonym("victim-1")


class Story:
    """Builds events one hour apart, with fresh ids, as the partners would record them."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def make(self, cls: type[Event], by: str, **fields: Any) -> Any:
        """Return an event of type ``cls`` recorded by ``by``, one hour after the previous one."""
        n = next(self._counter)
        fields.setdefault("event_id", uuid.UUID(int=n))
        fields.setdefault("occurred_at", T0 + dt.timedelta(hours=n))
        return cls(recorded_by=by, **fields)

    def signal(
        self,
        case: str = "case-1",
        by: str = "municipal-staff",
        channel: str = "INTERNAL_ROUTE",
        **kw: Any,
    ) -> m.SignalReceived:
        defaults: dict[str, Any] = {
            "reporter_role": None if channel == "ANONYMOUS_TIP" else "ENFORCER",
            "exploitation_forms": ["LABOUR"],
            "indicators": ["LIVES_AT_WORK"],
            "location": LOCATION,
            "persons": ["psn-00000000000000000000000000000001"],
        }
        return self.make(m.SignalReceived, by, case_id=case, channel=channel, **(defaults | kw))

    def intake(
        self,
        case: str = "case-1",
        outcome: str = "ACCEPT",
        forward_to: str | None = None,
        by: str = "municipality",
    ) -> m.IntakeAssessed:
        return self.make(
            m.IntakeAssessed,
            by,
            case_id=case,
            is_undermining_crime=True,
            is_municipal_task=True,
            is_within_municipality=True,
            outcome=outcome,
            forward_to=forward_to,
        )

    def severity(self, case: str = "case-1", outcome: str = "INVESTIGATE") -> m.SeverityAssessed:
        return self.make(m.SeverityAssessed, "municipality", case_id=case, outcome=outcome)

    def research(self, case: str = "case-1") -> m.SourceResearchCompleted:
        return self.make(
            m.SourceResearchCompleted,
            "municipality",
            case_id=case,
            registers_consulted=["BRP", "KVK"],
            finding_codes=["OVERCROWDED_ADDRESS"],
        )

    def plan(
        self,
        case: str = "case-1",
        owners: tuple[str, ...] = ("police",),
        *,
        police: bool = False,
        riec: bool = False,
    ) -> m.ActionPlanAdopted:
        actions = [
            {
                "action_id": f"a{i}",
                "kind": "CONTROL_VISIT",
                "owner": owner,
                "due_date": dt.date(2025, 3, 1),
            }
            for i, owner in enumerate(owners, start=1)
        ]
        return self.make(
            m.ActionPlanAdopted,
            "municipality",
            case_id=case,
            actions=actions,
            forward_to_police=police,
            escalate_to_riec=riec,
        )

    def action_done(self, case: str, action_id: str, by: str) -> m.ActionCompleted:
        return self.make(
            m.ActionCompleted,
            by,
            case_id=case,
            action_id=action_id,
            result="COMPLETED",
            finding_codes=[],
        )

    def forward(self, case: str, to: str) -> m.SignalForwarded:
        return self.make(
            m.SignalForwarded,
            "municipality",
            case_id=case,
            to_partner=to,
            reason="CRIMINAL_INVESTIGATION",
        )

    def ack(self, case: str, forward: Event, by: str) -> m.SignalAcknowledged:
        return self.make(m.SignalAcknowledged, by, case_id=case, forward_event_id=forward.event_id)

    def close(self, case: str = "case-1", reason: str = "NOT_SEVERE") -> m.CaseClosed:
        return self.make(m.CaseClosed, "municipality", case_id=case, reason=reason)

    def share(
        self, case: str, partner: str, decision: str = "d1", meeting: str | None = None
    ) -> m.SharingDecided:
        return self.make(
            m.SharingDecided,
            "municipality",
            case_id=case,
            decision_id=decision,
            partner=partner,
            purpose="JOINT_CONTROL",
            legal_basis="Wpg art. 20",
            meeting_id=meeting,
        )

    def revoke(self, case: str, partner: str, decision: str = "d1") -> m.SharingRevoked:
        return self.make(
            m.SharingRevoked,
            "municipality",
            case_id=case,
            decision_id=decision,
            partner=partner,
            purpose="JOINT_CONTROL",
            legal_basis="Wpg art. 20",
        )

    def victim(
        self,
        case: str | None = "case-1",
        victim: str = VICTIM,
        by: str = "municipality",
        **kw: Any,
    ) -> m.VictimIdentified:
        defaults: dict[str, Any] = {
            "age_group": "UNDER_18",
            "gender": "FEMALE",
            "exploitation_form": "SEXUAL",
            "residence_status": "DUTCH",
        }
        return self.make(m.VictimIdentified, by, case_id=case, victim=victim, **(defaults | kw))

    def referral(
        self,
        victim: str = VICTIM,
        provider: str = "shop",
        referral: str = "r1",
        case: str | None = "case-1",
    ) -> m.ReferralMade:
        return self.make(
            m.ReferralMade,
            "municipality",
            case_id=case,
            referral_id=referral,
            victim=victim,
            provider=provider,
            care_type="CARE_COORDINATION",
            urgency="URGENT",
        )

    def referral_step(self, cls: type[Event], referral: str, by: str, **kw: Any) -> Any:
        return self.make(cls, by, referral_id=referral, **kw)

    def meeting(self, meeting: str = "m1", cases: tuple[str, ...] = ("case-1",)) -> m.MeetingHeld:
        return self.make(
            m.MeetingHeld,
            "municipality",
            meeting_id=meeting,
            meeting_type="ONDERMIJNINGSOVERLEG",
            cases_discussed=list(cases),
        )

    def through_research(self, case: str = "case-1") -> list[Event]:
        """The events that bring a new case to the end of source research."""
        return [self.signal(case), self.intake(case), self.severity(case), self.research(case)]


class PurePipeline:
    """The real application pipeline (sealing and views) in memory, without any log."""

    def __init__(self, registry: PartnerRegistry | None = None) -> None:
        self.registry = registry or load_registry()
        self._now = NOW
        self.sealing = SealingStep(self.registry, generate_hub_key(), 64, clock=lambda: self._now)
        self.views = ViewStep(self.registry)
        self.projector = self.views.projector
        self.records: list[SealedRecord] = []
        self.last_changes: list[ViewChange] = []
        self._offsets = itertools.count()

    def submit(self, event: Event, partner: str | None = None, now: dt.datetime = NOW) -> Admission:
        """Deliver one event on ``ingest.<partner>`` (default: its recorder); seal and project it if admitted."""
        source = self.registry.get(partner or event.recorded_by)
        value, self._now = encode_event(event), now
        where = InputRef(f"ingest.{source.id}", 0, next(self._offsets))
        effects = self.sealing.decide(
            [Input(where, source.id, value, build_headers(event, source.urn))]
        )
        for effect in effects:
            if isinstance(effect, AppendRejected):
                return effect.rejection
            if isinstance(effect, AppendSealed):
                self._project(effect)
                return Admitted(Inspected(event, value, content_digest(event)))
        return Duplicate(event.event_id)

    def submit_all(self, events: list[Event]) -> list[Admission]:
        """Deliver events in order."""
        return [self.submit(e) for e in events]

    def _project(self, sealed: AppendSealed) -> None:
        self.records.append(decode_sealed(sealed.record, sealed.sequence))
        stored = LogRecord(AUDIT_LOG, sealed.sequence, 0, None, sealed.record, sealed.headers)
        effects = self.views.project([stored])
        self.last_changes = [
            ViewChange(e.partner, e.case_id, e.value) for e in effects if isinstance(e, AppendView)
        ]
