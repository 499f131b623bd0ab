"""A case's timeline as a page shows it: what happened when, and who recorded it, oldest first.

The coordinator's view holds the case's history (every sealed event of the case); a
partner's view does not, so its timeline is made of the moments its own view holds
(signal, actions, measures, forwards, referrals): never more than the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ketenhub.config.labels import dutch_labels
from ketenhub.web.pages.case_views import CaseDocument


@dataclass(frozen=True)
class Moment:
    """One line of a timeline."""

    at: str
    what: str
    by: str | None = None


def timeline(case: CaseDocument) -> list[Moment]:
    """The case's moments, oldest first."""
    labels = dutch_labels()
    history = case.get("history")
    if isinstance(history, list):
        return [
            Moment(
                str(entry.get("occurred_at")),
                labels.label("event_type", entry.get("event_type")),
                labels.label("partner", entry.get("recorded_by")),
            )
            for entry in history
        ]
    return sorted(_from_view(case), key=lambda moment: moment.at)


def _from_view(case: CaseDocument) -> list[Moment]:
    labels = dutch_labels()
    found: list[Moment] = []
    signal = case.get("signal") or {}
    received = signal.get("received_at") or case.get("received_at")
    if received:
        found.append(Moment(str(received), labels.label("event_type", "SignalReceived")))
    for action_id, action in (case.get("actions") or {}).items():
        if action.get("ended_at"):
            what = f"Actie {action_id} ({labels.label('action_kinds', action.get('kind'))}): "
            what += labels.label("action_result", action.get("result"))
            found.append(
                Moment(str(action["ended_at"]), what, labels.label("partner", action.get("owner")))
            )
    for measure in case.get("measures") or []:
        what = f"Maatregel: {labels.label('measure_type', measure.get('measure'))}"
        found.append(
            Moment(
                str(measure.get("at")), what, labels.label("partner", measure.get("recorded_by"))
            )
        )
    for forward in (case.get("forwards") or {}).values():
        found.append(Moment(str(forward.get("at")), labels.label("event_type", "SignalForwarded")))
        for partner, at in (forward.get("acknowledged") or {}).items():
            found.append(
                Moment(
                    str(at),
                    labels.label("event_type", "SignalAcknowledged"),
                    labels.label("partner", partner),
                )
            )
    found += _referral_moments(case.get("referrals") or {})
    closed = case.get("closed")
    if closed:
        found.append(Moment(str(closed.get("at")), labels.label("event_type", "CaseClosed")))
    return found


def _referral_moments(referrals: dict[str, Any]) -> list[Moment]:
    labels = dutch_labels()
    found = []
    steps = (
        ("made_at", "ReferralMade"),
        ("decided_at", None),
        ("care_started_at", "CareStarted"),
        ("care_ended_at", "CareEnded"),
    )
    for referral_id, referral in referrals.items():
        for key, event_type in steps:
            at = referral.get(key)
            if not at:
                continue
            if event_type is None:
                declined = referral.get("status") == "DECLINED"
                event_type = "ReferralDeclined" if declined else "ReferralAccepted"
            found.append(
                Moment(str(at), f"{labels.label('event_type', event_type)} ({referral_id})")
            )
    return found
