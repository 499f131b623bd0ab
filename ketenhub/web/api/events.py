"""``/events`` and ``/decisions``: publish one event as the caller, and learn what the hub decided.

``POST /events`` takes the JSON of one ``ketenhub publish`` line (``application/json``) or
Avro single-object bytes with CloudEvents ``ce-*`` headers (``application/avro``), and
answers 202 with the event id and where to follow its decision. ``GET
/decisions/{event_id}`` answers sealed, rejected (with the code and reason) or pending.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from ketenhub.web.auth import PartnerCaller
from ketenhub.web.backend import PendingDecision, RejectedDecision, SealedDecision
from ketenhub.web.context import WebContextDep
from ketenhub.web.intake import accept_avro_on_hub, accept_json_on_hub
from ketenhub.web.openapi_document import API_PREFIX
from ketenhub.web.problems import (
    CONFLICTING_DUPLICATE,
    FORBIDDEN_EVENT_TYPE,
    INVALID_EVENT,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    RATE_LIMITED,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    Problem,
    problem_responses,
)

router = APIRouter(tags=["events"])

_EXAMPLE_EVENT = {
    "type": "SignalReceived",
    "occurred_at": "2025-11-03T09:15:00+01:00",
    "case_id": "case-example-0001",
    "channel": "INTERNAL_ROUTE",
    "reporter_role": "CASEWORKER_WMO",
    "exploitation_forms": ["LABOUR"],
    "indicators": ["LIVES_AT_WORK"],
    "location": {"municipality_code": "GM1916", "area_code": "2264"},
    "persons": ["example-person-1"],
    "free_text": "Workers say they sleep in the storage room.",
}


class DecisionStatus(enum.StrEnum):
    """Where an event stands."""

    PENDING = "pending"
    SEALED = "sealed"
    REJECTED = "rejected"


class AcceptedDocument(BaseModel):
    """The hub took the event in; it decides it next."""

    event_id: str = Field(description="The event's id (given, or the keyed id the hub made).")
    event_type: str = Field(description="The event type.")
    duplicate: bool = Field(
        description="True when you sent this event (same id, same content) before: it is not "
        "published twice."
    )
    decision: str = Field(description="Where to follow what the hub decides.")


class DecisionDocument(BaseModel):
    """What the hub decided on one of your events."""

    event_id: str
    status: DecisionStatus
    sequence: int | None = Field(None, description="Sealed: its position in audit.log.")
    sealed_at: dt.datetime | None = Field(None, description="Sealed: when.")
    case_id: str | None = Field(None, description="Sealed: the case it belongs to, if any.")
    code: str | None = Field(None, description="Rejected: the rule broken (stable code).")
    reason: str | None = Field(None, description="Rejected: why, naming the field and rule.")


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "One event: the JSON of one `ketenhub publish` line, or Avro "
        "single-object bytes with the CloudEvents attributes as `ce-*` headers "
        "(`ce-id`, `ce-source`, `ce-type`, `ce-specversion`, `ce-time`, `ce-subject`).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {"type": {"type": "string", "description": "Event type."}},
                    "additionalProperties": True,
                },
                "example": _EXAMPLE_EVENT,
            },
            "application/avro": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/events",
    status_code=202,
    response_model=AcceptedDocument,
    summary="Publish one event",
    openapi_extra=_BODY_DOC,
    responses=problem_responses(
        UNAUTHORIZED,
        FORBIDDEN_EVENT_TYPE,
        CONFLICTING_DUPLICATE,
        PAYLOAD_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        INVALID_EVENT,
        RATE_LIMITED,
    ),
)
async def publish_event(
    request: Request, response: Response, caller: PartnerCaller, context: WebContextDep
) -> AcceptedDocument:
    """Validate, protect and publish one event to your ingest topic; the hub decides it."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    backend = context.hub.backend
    if media_type == "application/json" or media_type.endswith("+json"):
        accepted = await context.hub.call(accept_json_on_hub, backend, caller.partner, body)
    elif media_type == "application/avro":
        headers = list(request.headers.items())
        accepted = await context.hub.call(
            accept_avro_on_hub, backend, caller.partner, body, headers
        )
    else:
        detail = "send the event as application/json or application/avro (with ce-* headers)"
        raise Problem(UNSUPPORTED_MEDIA_TYPE, detail)
    decision = f"{API_PREFIX}/decisions/{accepted.event_id}"
    response.headers["Location"] = decision
    return AcceptedDocument(
        event_id=accepted.event_id,
        event_type=accepted.event_type,
        duplicate=accepted.duplicate,
        decision=decision,
    )


@router.get(
    "/decisions/{event_id}",
    response_model=DecisionDocument,
    response_model_exclude_none=True,
    summary="The hub's decision on one of your events",
    responses=problem_responses(UNAUTHORIZED, NOT_FOUND, RATE_LIMITED),
)
async def get_decision(
    caller: PartnerCaller,
    context: WebContextDep,
    event_id: Annotated[uuid.UUID, Path(description="The event id.")],
) -> DecisionDocument:
    """Sealed, rejected (code and reason) or pending; 404 if you never sent this event.

    A sealed event shows in the views of the partners it concerns a moment later: the hub
    projects after it seals.
    """
    key = str(event_id)
    found = await context.hub.call(context.hub.backend.decision, caller.partner.id, key)
    if found is None:
        raise Problem(
            NOT_FOUND, f"you sent no event {key} (or it was refused before it was stored)"
        )
    if isinstance(found, SealedDecision):
        return DecisionDocument(
            event_id=key,
            status=DecisionStatus.SEALED,
            sequence=found.sequence,
            sealed_at=dt.datetime.fromtimestamp(found.sealed_at_us / 1_000_000, dt.UTC),
            case_id=found.case_id,
        )
    if isinstance(found, RejectedDecision):
        return DecisionDocument(
            event_id=key, status=DecisionStatus.REJECTED, code=found.code, reason=found.reason
        )
    assert isinstance(found, PendingDecision)
    return DecisionDocument(event_id=key, status=DecisionStatus.PENDING)
