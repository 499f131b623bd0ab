"""The partners' steps on a case: take a forwarded case up, report an owned action, decide a referral.

Police, RIEC and inspection acknowledge a forward addressed to them (SignalAcknowledged,
as the connectors' ``acknowledge``/``take-up`` do) and report actions they own
(ActionCompleted); inspection also records measures. Care providers accept or decline a
referral addressed to them and start and end care (as ``care-coordination`` does). Each
step is checked against the partner's own view first; the hub decides the rest.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from ketenhub.web.pages.case_views import CaseDocument
from ketenhub.web.pages.form_values import FormIncomplete, required, texts
from ketenhub.web.pages.recording import now_utc

Fields = dict[str, Any]
CARE_STEPS: dict[str, tuple[str, str]] = {  # step -> (event type, status it needs)
    "aanvaarden": ("ReferralAccepted", "MADE"),
    "afwijzen": ("ReferralDeclined", "MADE"),
    "zorg-gestart": ("CareStarted", "ACCEPTED"),
    "zorg-beeindigd": ("CareEnded", "CARE_STARTED"),
}


def take_up(form: FormData, case: CaseDocument, partner_id: str) -> Fields:
    """Acknowledge a forward of the case addressed to this partner."""
    forward_id = required(form, "forward_id", "het doorgestuurde signaal")
    forward = (case.get("forwards") or {}).get(forward_id)
    if forward is None or partner_id not in forward.get("to", []):
        msg = "Dit signaal is niet naar uw organisatie doorgestuurd."
        raise FormIncomplete(msg)
    return {"type": "SignalAcknowledged", "forward_event_id": forward_id}


def report_action(form: FormData, case: CaseDocument, partner_id: str) -> Fields:
    """Report that an action this partner owns ended, with findings."""
    action_id = required(form, "action_id", "de actie")
    action = (case.get("actions") or {}).get(action_id)
    if action is None or action.get("owner") != partner_id:
        msg = "Deze actie is niet van uw organisatie."
        raise FormIncomplete(msg)
    return {
        "type": "ActionCompleted",
        "action_id": action_id,
        "result": required(form, "result", "het resultaat"),
        "finding_codes": texts(form, "finding_codes"),
    }


def care_step(form: FormData, case: CaseDocument, partner_id: str) -> Fields:
    """Accept, decline, start or end care on a referral addressed to this provider."""
    referral_id = required(form, "referral_id", "de doorverwijzing")
    step = required(form, "step", "de stap")
    referral = (case.get("referrals") or {}).get(referral_id)
    if referral is None or referral.get("provider") != partner_id:
        msg = "Deze doorverwijzing is niet aan uw organisatie gericht."
        raise FormIncomplete(msg)
    if step not in CARE_STEPS:
        msg = "Kies aanvaarden, afwijzen, zorg gestart of zorg beëindigd."
        raise FormIncomplete(msg)
    event_type, needs = CARE_STEPS[step]
    if referral.get("status") != needs:
        msg = "Deze stap past niet bij de huidige stand van de doorverwijzing."
        raise FormIncomplete(msg)
    fields: Fields = {"type": event_type, "referral_id": referral_id}
    if event_type == "ReferralDeclined":
        fields["reason"] = required(form, "reason", "de reden van afwijzen")
    if event_type == "CareEnded":
        fields["outcome"] = required(form, "outcome", "de afloop van de zorg")
    return fields


def with_common(fields: Fields, case: CaseDocument, event_id: str) -> Fields:
    """A partner's step with its id, moment and case."""
    return fields | {"event_id": event_id, "occurred_at": now_utc(), "case_id": case["case_id"]}
