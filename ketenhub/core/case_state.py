"""The state of one case, folded from its sealed events: phase, history, actions, victims, referrals.

A state also keeps the canonical JSON text of its sections (``section_json``), so a view
built from them encodes only what the last event changed: each fold names the sections it
writes (``_FOLD``), and ``apply`` forgets their text. Sections change only through ``apply``;
history entries never change once appended, so the history text grows by the new ones.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from ketenhub.contract import models as m
from ketenhub.contract.base import Event

Json = dict[str, Any]

# Canonical JSON text: sorted keys, no whitespace, non-ASCII kept (views are UTF-8).
canonical_text = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def when(moment: dt.datetime) -> str:
    """Format a time for views: ISO 8601, UTC, microseconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def encrypted(field_value: m.EncryptedField | None) -> Json | None:
    """Render an encrypted field for a view (still encrypted; readers with the key decrypt it)."""
    if field_value is None:
        return None
    return {
        "subject": field_value.subject,
        "nonce": base64.b64encode(field_value.nonce).decode(),
        "ciphertext": base64.b64encode(field_value.ciphertext).decode(),
    }


@dataclass
class CaseState:
    """Everything known about one case, as plain JSON-able sections."""

    case_id: str
    last_sequence: int = -1
    phase: str = "RECEIVED"
    closed: Json | None = None
    signal: Json = field(default_factory=dict)
    intake: Json | None = None
    severity: Json | None = None
    research: Json | None = None
    plan: Json | None = None
    actions: dict[str, Json] = field(default_factory=dict)
    measures: list[Json] = field(default_factory=list)
    forwards: dict[str, Json] = field(default_factory=dict)
    sharing: dict[str, Json] = field(default_factory=dict)
    victims: dict[str, Json] = field(default_factory=dict)
    referrals: dict[str, Json] = field(default_factory=dict)
    meetings: list[Json] = field(default_factory=list)
    history: list[Json] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._texts: dict[str, str] = {}  # canonical JSON of sections unchanged since encoded
        self._history_of: list[Json] = self.history  # the list _history_texts encodes
        self._history_texts: list[str] = []  # canonical JSON of its first entries

    def section_json(self, name: str) -> str:
        """``canonical_text`` of section ``name``, encoded again only after a fold wrote it."""
        if name == "history":
            return self._history_json()
        text = self._texts.get(name)
        if text is None:
            text = self._texts[name] = canonical_text(getattr(self, name))
        return text

    def _history_json(self) -> str:
        if self._history_of is not self.history or len(self._history_texts) > len(self.history):
            self._history_of, self._history_texts = self.history, []
        texts = self._history_texts
        texts.extend(canonical_text(entry) for entry in self.history[len(texts) :])
        return f"[{','.join(texts)}]"

    def to_json(self) -> bytes:
        """Serialise the state (for a changelog-backed table)."""
        fields_ = {f.name: getattr(self, f.name) for f in fields(self)}  # values are JSON already
        return json.dumps(fields_, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> CaseState:
        """Restore a state serialised by ``to_json``."""
        return cls(**json.loads(data))

    def apply(self, sequence: int, event: Event, addressees: frozenset[str] = frozenset()) -> None:
        """Fold one sealed event into the state; ``addressees`` are the partners a forward reaches."""
        self.last_sequence = sequence
        self.history.append(
            {
                "sequence": sequence,
                "event_type": event.EVENT_TYPE,
                "event_id": str(event.event_id),
                "occurred_at": when(event.occurred_at),
                "recorded_by": event.recorded_by,
            }
        )
        fold = _FOLD.get(type(event))
        if fold is not None:
            handler, writes = fold
            for name in writes:
                self._texts.pop(name, None)
            handler(self, event, addressees)


_Fold = Callable[
    [CaseState, Any, frozenset[str]], None
]  # each takes the event type it is registered for


def _signal(s: CaseState, e: m.SignalReceived, _: frozenset[str]) -> None:
    s.signal = {
        "received_at": when(e.occurred_at),
        "reported_by": e.recorded_by,
        "channel": e.channel.value,
        "reporter_role": e.reporter_role.value if e.reporter_role else None,
        "exploitation_forms": [f.value for f in e.exploitation_forms],
        "indicators": list(e.indicators),
        "location": e.location.to_datum(),
        "persons": list(e.persons),
        "free_text": encrypted(e.free_text),
    }


def _forward(s: CaseState, e: Event, to: frozenset[str], reason: str) -> None:
    s.forwards[str(e.event_id)] = {
        "to": sorted(to),
        "reason": reason,
        "at": when(e.occurred_at),
        "acknowledged": {},
    }


def _intake(s: CaseState, e: m.IntakeAssessed, to: frozenset[str]) -> None:
    s.phase = "INTAKE"
    s.intake = {
        "at": when(e.occurred_at),
        "is_undermining_crime": e.is_undermining_crime,
        "is_municipal_task": e.is_municipal_task,
        "is_within_municipality": e.is_within_municipality,
        "outcome": e.outcome.value,
        "forward_to": e.forward_to,
        "rationale": encrypted(e.rationale),
    }
    if e.forward_to is not None:
        _forward(s, e, frozenset({e.forward_to}), "INTAKE_FORWARD")


def _severity(s: CaseState, e: m.SeverityAssessed, _: frozenset[str]) -> None:
    s.phase = "SEVERITY"
    s.severity = {
        "at": when(e.occurred_at),
        "outcome": e.outcome.value,
        "rationale": encrypted(e.rationale),
    }


def _research(s: CaseState, e: m.SourceResearchCompleted, _: frozenset[str]) -> None:
    s.phase = "SOURCE_RESEARCH"
    s.research = {
        "at": when(e.occurred_at),
        "registers_consulted": [r.value for r in e.registers_consulted],
        "finding_codes": list(e.finding_codes),
        "summary": encrypted(e.summary),
    }


def _plan(s: CaseState, e: m.ActionPlanAdopted, to: frozenset[str]) -> None:
    s.phase = "ACTION_PLAN"
    s.plan = {
        "at": when(e.occurred_at),
        "forward_to_police": e.forward_to_police,
        "escalate_to_riec": e.escalate_to_riec,
    }
    for action in e.actions:
        s.actions[action.action_id] = {
            "kind": action.kind,
            "owner": action.owner,
            "due_date": action.due_date.isoformat(),
            "result": None,
            "ended_at": None,
            "finding_codes": [],
        }
    if to:
        _forward(s, e, to, "ACTION_PLAN")


def _action(s: CaseState, e: m.ActionCompleted, _: frozenset[str]) -> None:
    s.phase = "ACTION"
    s.actions[e.action_id] |= {
        "result": e.result.value,
        "ended_at": when(e.occurred_at),
        "finding_codes": list(e.finding_codes),
    }


def _measure(s: CaseState, e: m.MeasureImposed, _: frozenset[str]) -> None:
    s.phase = "ACTION"
    s.measures.append(
        {
            "measure_id": e.measure_id,
            "measure": e.measure.value,
            "legal_basis": e.legal_basis,
            "at": when(e.occurred_at),
            "recorded_by": e.recorded_by,
        }
    )


def _forwarded(s: CaseState, e: m.SignalForwarded, _: frozenset[str]) -> None:
    _forward(s, e, frozenset({e.to_partner}), e.reason.value)


def _acknowledged(s: CaseState, e: m.SignalAcknowledged, _: frozenset[str]) -> None:
    s.forwards[str(e.forward_event_id)]["acknowledged"][e.recorded_by] = when(e.occurred_at)


def _closed(s: CaseState, e: m.CaseClosed, _: frozenset[str]) -> None:
    s.closed = {"at": when(e.occurred_at), "reason": e.reason.value, "phase": s.phase}


def _shared(s: CaseState, e: m.SharingDecided, _: frozenset[str]) -> None:
    s.sharing[e.decision_id] = {
        "partner": e.partner,
        "purpose": e.purpose,
        "legal_basis": e.legal_basis,
        "meeting_id": e.meeting_id,
        "decided_at": when(e.occurred_at),
        "revoked_at": None,
    }


def _revoked(s: CaseState, e: m.SharingRevoked, _: frozenset[str]) -> None:
    s.sharing[e.decision_id]["revoked_at"] = when(e.occurred_at)


def _victim(s: CaseState, e: m.VictimIdentified, _: frozenset[str]) -> None:
    s.victims[e.victim] = {
        "age_group": e.age_group.value,
        "gender": e.gender.value,
        "exploitation_form": e.exploitation_form.value,
        "residence_status": e.residence_status.value,
        "identified_at": when(e.occurred_at),
        "identified_by": e.recorded_by,
    }


def _referral(s: CaseState, e: m.ReferralMade, _: frozenset[str]) -> None:
    s.referrals[e.referral_id] = {
        "victim": e.victim,
        "provider": e.provider,
        "care_type": e.care_type.value,
        "urgency": e.urgency.value,
        "interpreter_needed": e.interpreter_needed,
        "status": "MADE",
        "made_at": when(e.occurred_at),
    }


def _referral_step(status: str, moment: str, detail: str | None = None) -> _Fold:
    def fold(s: CaseState, e: Any, _: frozenset[str]) -> None:
        referral = s.referrals[e.referral_id]
        referral |= {"status": status, moment: when(e.occurred_at)}
        if detail is not None:
            referral[detail] = getattr(e, detail).value

    return fold


def _meeting(s: CaseState, e: m.MeetingHeld, _: frozenset[str]) -> None:
    s.meetings.append(
        {"meeting_id": e.meeting_id, "type": e.meeting_type.value, "at": when(e.occurred_at)}
    )


# Each fold and the sections it writes (besides ``last_sequence`` and ``history``).
_FOLD: dict[type[Event], tuple[_Fold, frozenset[str]]] = {
    m.SignalReceived: (_signal, frozenset({"signal"})),
    m.IntakeAssessed: (_intake, frozenset({"phase", "intake", "forwards"})),
    m.SeverityAssessed: (_severity, frozenset({"phase", "severity"})),
    m.SourceResearchCompleted: (_research, frozenset({"phase", "research"})),
    m.ActionPlanAdopted: (_plan, frozenset({"phase", "plan", "actions", "forwards"})),
    m.ActionCompleted: (_action, frozenset({"phase", "actions"})),
    m.MeasureImposed: (_measure, frozenset({"phase", "measures"})),
    m.SignalForwarded: (_forwarded, frozenset({"forwards"})),
    m.SignalAcknowledged: (_acknowledged, frozenset({"forwards"})),
    m.CaseClosed: (_closed, frozenset({"closed"})),
    m.SharingDecided: (_shared, frozenset({"sharing"})),
    m.SharingRevoked: (_revoked, frozenset({"sharing"})),
    m.VictimIdentified: (_victim, frozenset({"victims"})),
    m.ReferralMade: (_referral, frozenset({"referrals"})),
    m.ReferralAccepted: (_referral_step("ACCEPTED", "decided_at"), frozenset({"referrals"})),
    m.ReferralDeclined: (
        _referral_step("DECLINED", "decided_at", "reason"),
        frozenset({"referrals"}),
    ),
    m.CareStarted: (_referral_step("CARE_STARTED", "care_started_at"), frozenset({"referrals"})),
    m.CareEnded: (
        _referral_step("CARE_ENDED", "care_ended_at", "outcome"),
        frozenset({"referrals"}),
    ),
    m.MeetingHeld: (_meeting, frozenset({"meetings"})),
}


def written_sections(event_type: type[Event]) -> frozenset[str]:
    """The sections a fold of ``event_type`` writes, besides ``last_sequence`` and ``history``."""
    fold = _FOLD.get(event_type)
    return frozenset() if fold is None else fold[1]
