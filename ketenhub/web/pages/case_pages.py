"""The case pages: the coordinator's board by phase and case page with its forms, the partners' cases.

``/zaken`` is the coordinator's board of open cases by phase (with a form for a new
signal), or a partner's list of its cases. ``/zaken/{case}`` shows one case as the
partner's view holds it, its timeline, and the forms the role may use. Forms post to
``/zaken/{case}/stap/{step}`` (the coordinator) or ``/zaken/{case}/partner/{step}``
(police, RIEC, inspection, care); each is recorded as one event and answered with a
redirect back to the case, carrying the hub's decision as a message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketenhub.config.labels import dutch_labels
from ketenhub.contract.models import SourceOrganisationKind
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.partners import Role
from ketenhub.web.pages import coordinator_steps, partner_steps
from ketenhub.web.pages.access import CheckedForm, SignedIn, SignedInDep, require_role
from ketenhub.web.pages.case_views import CaseDocument, case_in_view, partner_case, partner_cases
from ketenhub.web.pages.choices import choices
from ketenhub.web.pages.form_values import FormIncomplete, required, text, texts
from ketenhub.web.pages.recording import Outcome, form_event_id, now_utc, record
from ketenhub.web.pages.rendering import page
from ketenhub.web.pages.timeline import timeline

router = APIRouter(include_in_schema=False)
CASE_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"
CaseId = Annotated[str, Path(pattern=CASE_ID)]
BOARD_PHASES = ("RECEIVED", "INTAKE", "SEVERITY", "SOURCE_RESEARCH", "ACTION_PLAN", "ACTION")
ENFORCING = (Role.POLICE, Role.RIEC, Role.INSPECTION)
SIGNAL_CHANNELS = ("INTERNAL_ROUTE", "EXTERNAL_ROUTE", "WEBSITE")


@router.get("/", response_class=HTMLResponse)
async def home(user: SignedInDep) -> Response:
    """The start page of a user: its cases, or the field app for a control-day team only."""
    return RedirectResponse("/zaken", status_code=303)


@router.get("/zaken", response_class=HTMLResponse)
async def cases(request: Request, user: SignedInDep) -> Response:
    """The coordinator's board of open cases by phase; a partner's list of its cases."""
    documents = await partner_cases(user)
    if user.is_coordinator:
        open_cases = [d for d in documents if d.get("status") != "CLOSED"]
        columns = {
            phase: [d for d in open_cases if d.get("phase") == phase] for phase in BOARD_PHASES
        }
        return page(
            request,
            "board.html",
            user=user,
            columns=columns,
            closed=sum(1 for d in documents if d.get("status") == "CLOSED"),
            choices=choices(user.context.hub.backend.registry),
            channels=dutch_labels().options("channel", SIGNAL_CHANNELS),
            reporter_roles=dutch_labels().options(
                "reporter_role", dutch_labels().codes("reporter_role")
            ),
            forms=dutch_labels().options(
                "exploitation_form", dutch_labels().codes("exploitation_form")
            ),
            organisations=dutch_labels().options(
                "source_organisation_kind", [k.value for k in SourceOrganisationKind]
            ),
            event_id=form_event_id(None),
        )
    if user.role is Role.CARE:
        return page(request, "care_cases.html", user=user, cases=documents)
    return page(request, "partner_cases.html", user=user, cases=documents)


@router.post("/zaken/nieuw")
async def new_signal(request: Request, user: SignedInDep, form: CheckedForm) -> Response:
    """The coordinator records a signal that reached the municipality (SignalReceived)."""
    require_role(user, Role.COORDINATOR)
    case_id = new_opaque_id("zaak")
    try:
        fields = {
            "type": "SignalReceived",
            "event_id": form_event_id(form.get("event_id")),
            "occurred_at": now_utc(),
            "case_id": case_id,
            "channel": required(form, "channel", "het kanaal"),
            "reporter_role": required(form, "reporter_role", "de rol van de melder"),
            "source_organisation": text(form, "source_organisation"),
            "exploitation_forms": texts(form, "exploitation_forms"),
            "indicators": texts(form, "indicators"),
            "location": {
                "municipality_code": user.context.hub.backend.registry.municipality_code,
                "area_code": required(form, "area_code", "het postcodegebied of de wijkcode"),
            },
            "persons": [],
            "free_text": text(form, "free_text"),
        }
        if not fields["exploitation_forms"]:
            msg = "Kies minstens één vorm van uitbuiting."
            raise FormIncomplete(msg)
    except FormIncomplete as missing:
        user.session.flash("error", missing.message)
        return RedirectResponse("/zaken", status_code=303)
    outcome = await record(user, fields, case_id=case_id)
    _tell(user, outcome)
    target = f"/zaken/{case_id}" if outcome.ok else "/zaken"
    return RedirectResponse(target, status_code=303)


@router.get("/zaken/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, user: SignedInDep, case_id: CaseId) -> Response:
    """One case as the partner's view holds it, its timeline, and the forms of the role."""
    case = await partner_case(user, case_id)
    template = {
        Role.COORDINATOR: "case_coordinator.html",
        Role.CARE: "case_care.html",
        Role.MUNICIPAL_STAFF: "case_status.html",
    }.get(user.role, "case_partner.html")
    return page(
        request,
        template,
        user=user,
        case=case,
        timeline=timeline(case),
        next_step=next_step(case) if user.is_coordinator else None,
        open_actions=_open_actions(case, None if user.is_coordinator else user.partner.id),
        open_forwards=_open_forwards(case, user.partner.id),
        sharing_in_force=_sharing_in_force(case),
        choices=choices(user.context.hub.backend.registry),
        event_id=form_event_id(None),
        may_impose=user.role in (Role.COORDINATOR, Role.INSPECTION),
    )


@router.post("/zaken/{case_id}/stap/{step}")
async def coordinator_step(
    user: SignedInDep, form: CheckedForm, case_id: CaseId, step: str
) -> Response:
    """A coordinator's step on the case, recorded as one event."""
    require_role(user, Role.COORDINATOR)
    case = await case_in_view(user, case_id)
    if step not in coordinator_steps.STEPS:
        user.session.flash("error", "Onbekende stap.")
        return _back(case_id)
    try:
        fields = coordinator_steps.event_fields(
            step, form, case, form_event_id(form.get("event_id"))
        )
    except FormIncomplete as missing:
        user.session.flash("error", missing.message)
        return _back(case_id)
    _tell(user, await record(user, fields, case_id=case_id))
    return _back(case_id)


PARTNER_STEPS = {
    "oppakken": (partner_steps.take_up, ENFORCING),
    "actie": (partner_steps.report_action, ENFORCING),
    "zorg": (partner_steps.care_step, (Role.CARE,)),
}


@router.post("/zaken/{case_id}/partner/{step}")
async def partner_step(
    user: SignedInDep, form: CheckedForm, case_id: CaseId, step: str
) -> Response:
    """A partner's step on a case in its view (take up, report an action, a referral's step)."""
    if step == "maatregel":
        require_role(user, Role.INSPECTION)
        build: Any = lambda f, c, p: coordinator_steps.measure(f, c)  # noqa: E731  # same form as the coordinator's
    elif step in PARTNER_STEPS:
        build, roles = PARTNER_STEPS[step]
        require_role(user, *roles)
    else:
        require_role(user)  # no such page
    case = await case_in_view(user, case_id)
    try:
        fields = partner_steps.with_common(
            build(form, case, user.partner.id), case, form_event_id(form.get("event_id"))
        )
    except FormIncomplete as missing:
        user.session.flash("error", missing.message)
        return _back(case_id)
    _tell(user, await record(user, fields, case_id=case_id))
    return _back(case_id)


def _tell(user: SignedIn, outcome: Outcome) -> None:
    user.session.flash(
        "success" if outcome.ok else "error" if outcome.kind != "pending" else "info",
        outcome.message,
    )


def _back(case_id: str) -> Response:
    return RedirectResponse(f"/zaken/{case_id}", status_code=303)


def next_step(case: CaseDocument) -> str | None:
    """The coordinator's next phase step on an open case (None: only closing or sharing remain)."""
    if case.get("status") == "CLOSED":
        return None
    phase = case.get("phase")
    intake = case.get("intake") or {}
    severity = case.get("severity") or {}
    if phase == "RECEIVED":
        return "intake"
    if phase == "INTAKE" and intake.get("outcome") == "ACCEPT":
        return "ernst"
    if phase == "SEVERITY" and severity.get("outcome") == "INVESTIGATE":
        return "bronnenonderzoek"
    if phase == "SOURCE_RESEARCH":
        return "plan"
    if phase in ("ACTION_PLAN", "ACTION"):
        return "actie" if _open_actions(case, None) else "sluiten"
    return "sluiten"


def _open_actions(case: CaseDocument, owner: str | None) -> dict[str, Any]:
    return {
        action_id: action
        for action_id, action in sorted((case.get("actions") or {}).items())
        if action.get("result") is None and (owner is None or action.get("owner") == owner)
    }


def _open_forwards(case: CaseDocument, partner_id: str) -> dict[str, Any]:
    return {
        forward_id: forward
        for forward_id, forward in sorted((case.get("forwards") or {}).items())
        if partner_id in forward.get("to", [])
        and partner_id not in (forward.get("acknowledged") or {})
    }


def _sharing_in_force(case: CaseDocument) -> dict[str, Any]:
    return {
        k: v for k, v in sorted((case.get("sharing") or {}).items()) if v.get("revoked_at") is None
    }
