"""``/website-reports``: the municipality's public website reporting form, without a token.

Anyone may report a suspicion of trafficking here; the hub keeps no reporter. A report
becomes one ``SignalReceived`` on the ``WEBSITE`` channel, recorded by the partner whose
role records website signals (the coordinator), through the same intake as every other
event. What protects the reporter and the people named:

- only a website signal can be made here: no other type, channel or partner;
- contact details (BSN, e-mail address, phone number) in the description are replaced by
  ``[removed]``, as for anonymous tips; the form has no field for a name or contact;
- the reporter's role (citizen, business, professional) is kept only when the reporter
  consents (``reporter.consent: true``); otherwise nothing about the reporter is kept;
- the case id and event id are random; the client's address is used only for the rate
  limit (per address, in memory) and never stored or logged.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ketenhub.contract.models import Channel, ExploitationForm
from ketenhub.core.partners import Partner, PartnerRegistry, Role
from ketenhub.core.personal_data import redact
from ketenhub.web.backend import Backend
from ketenhub.web.context import WebContextDep
from ketenhub.web.intake import json_event_on_hub, publish_on_hub
from ketenhub.web.problems import (
    HUB_UNAVAILABLE,
    INVALID_EVENT,
    PAYLOAD_TOO_LARGE,
    RATE_LIMITED,
    Problem,
    problem_responses,
)

router = APIRouter(tags=["website reports"])
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]


class ReporterRole(enum.StrEnum):
    """Who reports, in general terms (never who)."""

    CITIZEN = "CITIZEN"
    BUSINESS = "BUSINESS"
    EXTERNAL_PROFESSIONAL = "EXTERNAL_PROFESSIONAL"


class Reporter(BaseModel):
    """The reporter's role, kept only with consent."""

    model_config = ConfigDict(extra="forbid")

    consent: Literal[True] = Field(description="The reporter agrees that this role is kept.")
    role: ReporterRole


class WebsiteReport(BaseModel):
    """A suspicion of trafficking reported on the municipality's website."""

    model_config = ConfigDict(extra="forbid")

    exploitation_forms: list[ExploitationForm] = Field(min_length=1, max_length=7)
    indicators: list[Code] = Field(
        default_factory=list, max_length=20, description="Indicator codes (`ketenhub codes`)."
    )
    area_code: Annotated[str, StringConstraints(min_length=4, max_length=12)] = Field(
        description="A four-digit postcode area or a CBS district code; never an address."
    )
    description: Annotated[str, StringConstraints(min_length=1, max_length=4000)] = Field(
        description="What the reporter saw. Contact details are removed."
    )
    reporter: Reporter | None = Field(
        None, description="Leave out to stay anonymous; give only with the reporter's consent."
    )


class ReportReceived(BaseModel):
    """The report was received; the hub decides it as every other signal."""

    status: Literal["received"] = "received"
    removed_contact_details: int = Field(
        description="How many contact details were removed from the description."
    )


def website_recorder(registry: PartnerRegistry) -> Partner:
    """The partner whose role records website signals (503 when the registry has none)."""
    for partner in registry.with_role(Role.COORDINATOR):
        if Channel.WEBSITE in registry.policy(partner).signal_channels:
            return partner
    raise Problem(HUB_UNAVAILABLE, "this hub has no partner that records website signals")


def report_on_hub(backend: Backend, report: WebsiteReport, received_at: dt.datetime) -> int:
    """Publish the report as a website signal; return how many contact details were removed."""
    recorder = website_recorder(backend.registry)
    description, removed = redact(report.description)
    fields: dict[str, object] = {
        "type": "SignalReceived",
        "event_id": str(uuid.uuid4()),
        "occurred_at": received_at.isoformat(),
        "case_id": f"web-{uuid.uuid4()}",
        "channel": Channel.WEBSITE.value,
        "exploitation_forms": [form.value for form in report.exploitation_forms],
        "indicators": report.indicators,
        "location": {
            "municipality_code": backend.registry.municipality_code,
            "area_code": report.area_code,
        },
        "persons": [],
        "free_text": description,
    }
    if report.reporter is not None:
        fields["reporter_role"] = report.reporter.role.value
    body = json.dumps(fields, ensure_ascii=False).encode()
    prepared = json_event_on_hub(backend, recorder, body, anonymous=False)
    publish_on_hub(backend, recorder, prepared)
    return removed


@router.post(
    "/website-reports",
    status_code=202,
    response_model=ReportReceived,
    summary="Report a suspicion (the public website form; no token)",
    responses=problem_responses(INVALID_EVENT, PAYLOAD_TOO_LARGE, RATE_LIMITED, HUB_UNAVAILABLE),
)
async def report(request: Request, report: WebsiteReport, context: WebContextDep) -> ReportReceived:
    """Take in one website report as a signal; nothing about the reporter is kept without consent."""
    client = request.client.host if request.client is not None else "unknown"
    wait_s = context.report_limits.take(client)
    if wait_s:
        raise Problem(
            RATE_LIMITED,
            f"too many reports from your address; try again in {wait_s:.0f} s",
            headers={"Retry-After": f"{wait_s:.0f}"},
        )
    received_at = dt.datetime.now(dt.UTC)
    removed = await context.hub.call(report_on_hub, context.hub.backend, report, received_at)
    return ReportReceived(removed_contact_details=removed)
