"""Meetings of the demo year, and the sharing decisions the ondermijningsoverleg takes in them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ketenhub.contract import models as m
from ketenhub.contract.models import ExploitationForm, MeetingType
from ketenhub.core.ledger import Stage
from ketenhub.demo.script import CaseTrack, Script

MAX_DISCUSSED = 6
REVOCATIONS = 2
_SHARE_WITH: dict[ExploitationForm, tuple[str, str, str]] = {
    ExploitationForm.LABOUR: ("nla", "JOINT_CONTROL", "AVG art. 6(1)(e); Convenant RIEC"),
    ExploitationForm.SEXUAL: ("heit", "JOINT_CONTROL", "AVG art. 6(1)(e); Convenant RIEC"),
    ExploitationForm.CRIMINAL: ("police", "CRIMINAL_INVESTIGATION", "Wpg art. 20"),
    ExploitationForm.FORCED_MARRIAGE: ("police", "CRIMINAL_INVESTIGATION", "Wpg art. 20"),
}


_NAMES = {
    MeetingType.ONDERMIJNINGSOVERLEG: "Ondermijningsoverleg",
    MeetingType.MENSENHANDELTAFEL: "Mensenhandeltafel (care and safety)",
    MeetingType.JOSO: "JOSO youth consultation",
}


@dataclass
class _Decision:
    decision: m.SharingDecided
    revoked: bool = False


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def hold(s: Script) -> None:
    """Hold the year's meetings: monthly ondermijningsoverleg, quarterly table, JOSO."""
    decisions: list[_Decision] = []
    meetings: list[tuple[dt.datetime, MeetingType]] = [
        (_at(_nth_weekday(s.year, month, 3, 2), 12), MeetingType.ONDERMIJNINGSOVERLEG)
        for month in range(1, 13)
    ]
    meetings += [
        (_at(_nth_weekday(s.year, month, 1, 3), 9), MeetingType.MENSENHANDELTAFEL)
        for month in (3, 6, 9, 12)
    ]
    meetings += [
        (_at(_nth_weekday(s.year, month, 0, 4), 13), MeetingType.JOSO) for month in (4, 9, 12)
    ]
    for when, kind in sorted(meetings):
        held_at = when + dt.timedelta(minutes=s.rng.randint(0, 59))
        meeting = m.MeetingHeld(
            **s.stamp("municipality", held_at),
            meeting_id=s.label("meeting"),
            meeting_type=kind,
            cases_discussed=_agenda(s, kind, held_at),
        )
        s.send(meeting, f"{_NAMES[kind]} held, {len(meeting.cases_discussed)} case(s) discussed")
        if kind is MeetingType.ONDERMIJNINGSOVERLEG:
            _revoke(s, meeting, decisions)
            decisions += _share(s, meeting, decisions)


def _agenda(s: Script, kind: MeetingType, when: dt.datetime) -> list[str]:
    def relevant(track: CaseTrack) -> bool:
        if kind is MeetingType.ONDERMIJNINGSOVERLEG:
            return track.open_between(when, when) and (track.stage_at(when) or 0) >= Stage.SEVERITY
        recent = track.closed is None or track.closed > when - dt.timedelta(days=90)
        wanted = (
            track.victims
            if kind is MeetingType.MENSENHANDELTAFEL
            else (track.youth or ExploitationForm.CRIMINAL in track.forms)
        )
        return wanted and recent and track.opened + dt.timedelta(days=7) < when

    found = sorted(case_id for case_id, track in s.cases.items() if relevant(track))
    return sorted(s.rng.sample(found, MAX_DISCUSSED)) if len(found) > MAX_DISCUSSED else found


def _share(s: Script, meeting: m.MeetingHeld, earlier: list[_Decision]) -> list[_Decision]:
    """Share researched cases the meeting discussed with the partner their form calls for."""
    when, made = meeting.occurred_at, []
    shared = {(d.decision.case_id, d.decision.partner) for d in earlier}
    for case_id in meeting.cases_discussed:
        track = s.cases[case_id]
        partner, purpose, basis = _SHARE_WITH[track.forms[0]]
        researched = (track.stage_at(when) or 0) >= Stage.SOURCE_RESEARCH
        lasting = track.open_between(when, when + dt.timedelta(days=1))
        if not researched or not lasting or (case_id, partner) in shared:
            continue
        decided_at = when + dt.timedelta(minutes=s.rng.randint(20, 90))
        decision = m.SharingDecided(
            **s.stamp("municipality", decided_at),
            case_id=case_id,
            decision_id=s.label("sharing"),
            partner=partner,
            purpose=purpose,
            legal_basis=basis,
            meeting_id=meeting.meeting_id,
        )
        s.send(
            decision,
            f"Overleg decided to share a case with {partner} ({purpose.lower().replace('_', ' ')})",
        )
        made.append(_Decision(decision))
    return made


def _revoke(s: Script, meeting: m.MeetingHeld, decisions: list[_Decision]) -> None:
    """Revoke the oldest sharing whose purpose has been served (at most a few a year)."""
    when = meeting.occurred_at
    if sum(d.revoked for d in decisions) >= REVOCATIONS:
        return
    served = [
        d
        for d in decisions
        if not d.revoked and d.decision.occurred_at < when - dt.timedelta(days=60)
    ]
    if not served:
        return
    old = served[0].decision
    revoked = m.SharingRevoked(
        **s.stamp("municipality", when + dt.timedelta(minutes=s.rng.randint(5, 15))),
        case_id=old.case_id,
        decision_id=old.decision_id,
        partner=old.partner,
        purpose=old.purpose,
        legal_basis="AVG art. 5(1)(b): the purpose of sharing has been served",
        meeting_id=meeting.meeting_id,
    )
    s.send(revoked, f"Overleg revoked the sharing of a case with {old.partner}")
    served[0].revoked = True
