"""The coordinator's steps on a case, as forms: each makes the event the case-handling connector makes.

Intake (three questions and an outcome), severity, source research, plan of action with
owners and due dates, an action reported, a measure, a forward, a sharing decision and
its revocation, and closing the case. Each form's fields become one JSON event (as a line
of ``ketenhub publish``): free texts are encrypted under the case's data subject by the
intake; the hub then decides, and the page shows its decision in plain words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData

from ketenhub.core.identifiers import new_opaque_id
from ketenhub.web.pages.case_views import CaseDocument
from ketenhub.web.pages.form_values import (
    FormIncomplete,
    checked,
    required,
    text,
    texts,
    yes_no,
)
from ketenhub.web.pages.recording import now_utc

Fields = dict[str, Any]
MAX_PLANNED_ACTIONS = 6


def intake(form: FormData, case: CaseDocument) -> Fields:
    """Phase 1: the three intake questions and the outcome (IntakeAssessed)."""
    outcome = required(form, "outcome", "de uitkomst van de intake")
    forward_to = text(form, "forward_to") if outcome == "FORWARD" else None
    if outcome == "FORWARD" and forward_to is None:
        msg = "Kies de partner waarnaar het signaal gaat."
        raise FormIncomplete(msg)
    return {
        "type": "IntakeAssessed",
        "is_undermining_crime": yes_no(form, "is_undermining_crime", "is het ondermijning?"),
        "is_municipal_task": yes_no(form, "is_municipal_task", "is het een taak van de gemeente?"),
        "is_within_municipality": yes_no(
            form, "is_within_municipality", "speelt het in de gemeente?"
        ),
        "outcome": outcome,
        "forward_to": forward_to,
        "rationale": text(form, "rationale"),
    }


def severity(form: FormData, case: CaseDocument) -> Fields:
    """Phase 2: concrete and weighty enough? (SeverityAssessed)."""
    return {
        "type": "SeverityAssessed",
        "outcome": required(form, "outcome", "de uitkomst van de weging"),
        "rationale": text(form, "rationale"),
    }


def research(form: FormData, case: CaseDocument) -> Fields:
    """Phase 3: registers consulted and what they showed (SourceResearchCompleted)."""
    registers = texts(form, "registers")
    if not registers:
        msg = "Kies minstens één geraadpleegde bron."
        raise FormIncomplete(msg)
    return {
        "type": "SourceResearchCompleted",
        "registers_consulted": registers,
        "finding_codes": texts(form, "finding_codes"),
        "summary": text(form, "summary"),
    }


def plan(form: FormData, case: CaseDocument) -> Fields:
    """Phase 4: actions with owners and due dates, forward to police, escalate to RIEC."""
    actions = []
    for row in range(1, MAX_PLANNED_ACTIONS + 1):
        kind = text(form, f"action_{row}_kind")
        if kind is None:
            continue
        owner = required(form, f"action_{row}_owner", f"de eigenaar van actie {row}")
        due = required(form, f"action_{row}_due", f"de uiterste datum van actie {row}")
        actions.append({"action_id": f"a{row}", "kind": kind, "owner": owner, "due_date": due})
    if not actions:
        msg = "Plan minstens één actie met soort, eigenaar en datum."
        raise FormIncomplete(msg)
    return {
        "type": "ActionPlanAdopted",
        "actions": actions,
        "forward_to_police": checked(form, "forward_to_police"),
        "escalate_to_riec": checked(form, "escalate_to_riec"),
    }


def action_completed(form: FormData, case: CaseDocument) -> Fields:
    """Phase 5: an action of the plan ended, with its findings (ActionCompleted)."""
    return {
        "type": "ActionCompleted",
        "action_id": required(form, "action_id", "de actie"),
        "result": required(form, "result", "het resultaat"),
        "finding_codes": texts(form, "finding_codes"),
    }


def measure(form: FormData, case: CaseDocument) -> Fields:
    """An administrative measure on the case (MeasureImposed)."""
    return {
        "type": "MeasureImposed",
        "measure_id": new_opaque_id("maatregel"),
        "measure": required(form, "measure", "de maatregel"),
        "legal_basis": required(form, "legal_basis", "de grondslag"),
    }


def forward(form: FormData, case: CaseDocument) -> Fields:
    """Forward the signal to a named partner (SignalForwarded)."""
    return {
        "type": "SignalForwarded",
        "to_partner": required(form, "to_partner", "de partner"),
        "reason": required(form, "reason", "de reden"),
    }


def share(form: FormData, case: CaseDocument) -> Fields:
    """Share the case with a partner for a purpose, on a legal basis (SharingDecided)."""
    return {
        "type": "SharingDecided",
        "decision_id": new_opaque_id("delen"),
        "partner": required(form, "partner", "de partner"),
        "purpose": required(form, "purpose", "het doel"),
        "legal_basis": required(form, "legal_basis", "de grondslag"),
        "meeting_id": text(form, "meeting_id"),
    }


def revoke(form: FormData, case: CaseDocument) -> Fields:
    """Revoke a sharing decision in force (SharingRevoked): the partner loses sight of the case."""
    decision_id = required(form, "decision_id", "het besluit")
    decision = (case.get("sharing") or {}).get(decision_id)
    if decision is None or decision.get("revoked_at") is not None:
        msg = "Dit besluit tot delen is niet (meer) van kracht."
        raise FormIncomplete(msg)
    return {
        "type": "SharingRevoked",
        "decision_id": decision_id,
        "partner": decision["partner"],
        "purpose": decision["purpose"],
        "legal_basis": required(form, "legal_basis", "de grondslag"),
        "meeting_id": text(form, "meeting_id"),
    }


def close(form: FormData, case: CaseDocument) -> Fields:
    """Close the case with a reason (CaseClosed)."""
    return {"type": "CaseClosed", "reason": required(form, "reason", "de reden")}


STEPS: dict[str, Callable[[FormData, CaseDocument], Fields]] = {
    "intake": intake,
    "ernst": severity,
    "bronnenonderzoek": research,
    "plan": plan,
    "actie": action_completed,
    "maatregel": measure,
    "doorsturen": forward,
    "delen": share,
    "intrekken": revoke,
    "sluiten": close,
}


def event_fields(step: str, form: FormData, case: CaseDocument, event_id: str) -> Fields:
    """The JSON event of a coordinator's step on ``case`` (KeyError for an unknown step)."""
    fields = STEPS[step](form, case)
    return fields | {"event_id": event_id, "occurred_at": now_utc(), "case_id": case["case_id"]}
