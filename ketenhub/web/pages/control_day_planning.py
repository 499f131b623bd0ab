"""The coordinator plans a control day: date, kind, team and the addresses to visit.

``/controledagen`` lists the control days (with how many addresses were planned and
visited, never the addresses themselves) and holds the form; ``/controledagen/nieuw``
records one ``ControlDayPlanned``. The addresses are typed one per line as ``address;
area``: the hub's intake turns each into its pseudonym and encrypts its display form under
the day's own key, so the clear address is never stored or logged.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketenhub.config.labels import dutch_labels
from ketenhub.contract import models as m
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.partners import Role
from ketenhub.web.pages.access import CheckedForm, SignedInDep, pages_state, require_role
from ketenhub.web.pages.choices import choices
from ketenhub.web.pages.control_days import control_days
from ketenhub.web.pages.form_values import FormIncomplete, required, texts
from ketenhub.web.pages.recording import form_event_id, now_utc, record
from ketenhub.web.pages.rendering import page

router = APIRouter(include_in_schema=False)
MAX_ADDRESSES = 200


@router.get("/controledagen", response_class=HTMLResponse)
async def planning(request: Request, user: SignedInDep) -> Response:
    """The control days and the form to plan one (the coordinator only)."""
    require_role(user, Role.COORDINATOR)
    events = await pages_state(request).hub_events.all(user.context)
    days = sorted(control_days(events).values(), key=lambda d: (d.day, d.control_day_id))
    labels = dutch_labels()
    return page(
        request,
        "control_days.html",
        user=user,
        days=days,
        kinds=labels.options("control_day_kind", [k.value for k in m.ControlDayKind]),
        partners=choices(user.context.hub.backend.registry).enforcement_partners,
        event_id=form_event_id(None),
    )


@router.post("/controledagen/nieuw")
async def plan_day(request: Request, user: SignedInDep, form: CheckedForm) -> Response:
    """Record a planned control day with its addresses (ControlDayPlanned)."""
    require_role(user, Role.COORDINATOR)
    try:
        fields = {
            "type": "ControlDayPlanned",
            "event_id": form_event_id(form.get("event_id")),
            "occurred_at": now_utc(),
            "control_day_id": new_opaque_id("controledag"),
            "day": required(form, "day", "de datum"),
            "kind": required(form, "kind", "het soort controle"),
            "participants": texts(form, "participants"),
            "planned_addresses": planned_addresses(str(form.get("addresses") or "")),
        }
        if not fields["participants"]:
            msg = "Kies minstens één deelnemende organisatie."
            raise FormIncomplete(msg)
    except FormIncomplete as missing:
        user.session.flash("error", missing.message)
        return RedirectResponse("/controledagen", status_code=303)
    outcome = await record(user, fields)
    kind = "success" if outcome.ok else "error" if outcome.kind != "pending" else "info"
    user.session.flash(kind, outcome.message)
    return RedirectResponse("/controledagen", status_code=303)


def planned_addresses(lines: str) -> list[dict[str, str]]:
    """``address; area`` per line as the intake takes them; ``FormIncomplete`` names a bad line."""
    planned = []
    for number, line in enumerate(lines.splitlines(), start=1):
        if not line.strip():
            continue
        address, separator, area = line.rpartition(";")
        if not separator or not address.strip() or not area.strip():
            msg = f"Regel {number} van de adressen: schrijf het als: adres; postcodegebied."
            raise FormIncomplete(msg)
        planned.append({"address": address.strip(), "area_code": area.strip()})
    if len(planned) > MAX_ADDRESSES:
        msg = f"Plan hoogstens {MAX_ADDRESSES} adressen op één dag."
        raise FormIncomplete(msg)
    return planned
