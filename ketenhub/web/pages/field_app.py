"""The control-day field app: a phone page that works offline, its data, and where its entries go.

``/veld/`` is the app (HTML shell, ``/static/field.js``, a service worker at
``/veld/sw.js`` that keeps the shell and the last day list for when the connection is
gone). ``/veld/dagen.json`` lists the control days the user's partner takes part in.
Entries made on the phone (visits, signals raised from a finding, proposed measures,
closing the day) are kept in the browser's IndexedDB with ids made on the device, and
posted one by one to ``/veld/boeking`` when there is a connection: an entry sent twice
is the same event (same event id), so a resend records nothing twice.

The day list carries, for the day's team only, the planned addresses of each open day
(pseudonym, display form, area, visited or not) and the notes of the visits, decrypted on
the server (``field_reading``); each such read is recorded. A visit logged against a
planned address carries that address's pseudonym; its note goes as text and is encrypted
by the hub when the entry arrives (the browser holds no key). A closed day's addresses are
no longer listed and its key is erased.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from ketenhub.config.labels import dutch_labels
from ketenhub.core.partners import Role
from ketenhub.core.processing import ReadOperation
from ketenhub.web.pages.access import SignedIn, SignedInDep, check_csrf_header, pages_state
from ketenhub.web.pages.choices import choices
from ketenhub.web.pages.control_days import ControlDay, control_days, days_of
from ketenhub.web.pages.field_reading import (
    DayReading,
    read_days_on_hub,
    shred_closed_days_on_hub,
)
from ketenhub.web.pages.recording import record
from ketenhub.web.pages.rendering import SECURITY_HEADERS, page, today_local
from ketenhub.web.reads import record_case_reads

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"
FIELD_TYPES = ("ControlVisitLogged", "SignalReceived", "MeasureImposed", "ControlDayClosed")
SIGNAL_SOURCE = {  # the channel and reporter role of a signal raised in the field, per role
    Role.COORDINATOR: ("INTERNAL_ROUTE", "ENFORCER"),
    Role.MUNICIPAL_STAFF: ("INTERNAL_ROUTE", "ENFORCER"),
    Role.POLICE: ("POLICE", "POLICE_OFFICER"),
    Role.INSPECTION: ("PARTNER", "PARTNER_ORGANISATION"),
    Role.RIEC: ("PARTNER", "PARTNER_ORGANISATION"),
}


@router.get("/veld")
async def field_redirect(user: SignedInDep) -> Response:
    """The app lives under /veld/ (the service worker's scope)."""
    return Response(status_code=308, headers={"Location": "/veld/"})


@router.get("/veld/")
async def field_page(request: Request, user: SignedInDep) -> Response:
    """The field app's shell; its data comes from /veld/dagen.json."""
    return page(request, "field.html", user=user)


@router.get("/veld/sw.js")
async def service_worker() -> Response:
    """The service worker (served under /veld/ so that its scope is the app)."""
    return FileResponse(
        STATIC / "field-sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/veld/"},
    )


@router.get("/veld/dagen.json")
async def field_days(request: Request, user: SignedInDep) -> Response:
    """The control days of the user's partner, their visits, and what the forms offer."""
    events = await pages_state(request).hub_events.all(user.context)
    every_day = control_days(events)
    days = days_of(user.partner.id, coordinator=user.is_coordinator, days=every_day)
    hub = user.context.hub
    await hub.call(lambda: shred_closed_days_on_hub(hub.backend.protector, every_day.values()))
    readings = await hub.call(lambda: read_days_on_hub(hub.backend.protector, days))
    read = {  # a day read, with the addresses whose display forms or notes were decrypted
        day.control_day_id: [stop.address for stop in day.planned] + [v.address for v in day.visits]
        for day in days
        if readings[day.control_day_id].stops or readings[day.control_day_id].notes
    }
    await record_case_reads(hub, user.reader, read, ReadOperation.PAGE_CONTROL_DAY)
    offered = choices(user.context.hub.backend.registry)
    labels = dutch_labels()
    body: dict[str, Any] = {
        "partner": user.partner.id,
        "partner_label": labels.label("partner", user.partner.id),
        "today": today_local().isoformat(),
        "municipality_code": user.context.hub.backend.registry.municipality_code,
        "may_raise_signal": user.role in SIGNAL_SOURCE,
        "may_impose": user.role in (Role.COORDINATOR, Role.INSPECTION),
        "may_close": user.role in (Role.COORDINATOR, Role.INSPECTION),
        "days": [_day_json(day, readings[day.control_day_id]) for day in days],
        "finding_codes": offered.finding_codes,
        "measures": offered.measures,
        "legal_bases": offered.legal_bases,
        "exploitation_forms": labels.options(
            "exploitation_form", labels.codes("exploitation_form")
        ),
    }
    return JSONResponse(body, headers=SECURITY_HEADERS)


def _day_json(day: ControlDay, reading: DayReading) -> dict[str, Any]:
    labels = dutch_labels()
    return {
        "control_day_id": day.control_day_id,
        "day": day.day.isoformat(),
        "kind": day.kind,
        "kind_label": labels.label("control_day_kind", day.kind),
        "participants": [labels.label("partner", p) for p in day.participants],
        "closed": day.closed,
        "planned": [
            {
                "address": stop.address,
                "display": stop.display,
                "area_code": stop.area_code,
                "visited": stop.visited,
            }
            for stop in reading.stops
        ],
        "visits": [
            {
                "visit_id": v.visit_id,
                "address": v.address,
                "area_code": v.area_code,
                "findings": [labels.label("finding_codes", c) for c in v.finding_codes],
                "people_encountered": v.people_encountered,
                "signals_raised": list(v.signals_raised),
                "note": reading.notes.get(v.visit_id),
            }
            for v in day.visits
        ],
    }


@router.post("/veld/boeking")
async def field_entry(request: Request, user: SignedInDep) -> Response:
    """Record one entry of the field app; answer what the hub decided (sent again: the same event)."""
    check_csrf_header(request, user)
    try:
        entry = await request.json()
    except ValueError:
        return _answer("invalid", "Dit is geen geldige boeking.", 400)
    problem = await _entry_problem(request, user, entry)
    if problem is not None:
        return _answer("invalid", problem, 422)
    fields = dict(entry)
    if fields["type"] == "SignalReceived":
        channel, reporter_role = SIGNAL_SOURCE[user.role]
        fields |= {"channel": channel, "reporter_role": reporter_role}
    outcome = await record(user, fields)
    if fields["type"] == "ControlDayClosed" and outcome.ok:
        events = await pages_state(request).hub_events.all(user.context)
        hub = user.context.hub
        every_day = control_days(events).values()
        await hub.call(lambda: shred_closed_days_on_hub(hub.backend.protector, every_day))
    return _answer(outcome.kind, outcome.message, 200, event_id=outcome.event_id, code=outcome.code)


async def _entry_problem(request: Request, user: SignedIn, entry: object) -> str | None:
    """Why an entry cannot be taken, in Dutch; None when it can."""
    if not isinstance(entry, dict) or entry.get("type") not in FIELD_TYPES:
        return "Dit soort boeking hoort niet bij een controledag."
    try:
        uuid.UUID(str(entry.get("event_id")))
    except ValueError:
        return "Een boeking heeft een id nodig dat op het toestel is gemaakt."
    if entry["type"] == "SignalReceived":
        return None if user.role in SIGNAL_SOURCE else "Uw organisatie kan hier geen signaal maken."
    day_id = entry.get("control_day_id")
    if entry["type"] == "MeasureImposed":
        return None
    events = await pages_state(request).hub_events.all(user.context)
    visible = days_of(user.partner.id, coordinator=user.is_coordinator, days=control_days(events))
    if not any(d.control_day_id == day_id for d in visible):
        return "Uw organisatie doet niet mee aan deze controledag."
    return None


def _answer(status: str, message: str, http_status: int, **extra: object) -> JSONResponse:
    return JSONResponse({"status": status, "message": message, **extra}, status_code=http_status)
