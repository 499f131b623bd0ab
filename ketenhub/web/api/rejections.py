"""``/rejections``: the caller's messages that the hub refused, each with its code and reason."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from ketenhub.web.auth import PartnerCaller
from ketenhub.web.backend import RejectionEntry
from ketenhub.web.context import WebContextDep
from ketenhub.web.openapi_document import API_PREFIX
from ketenhub.web.problems import RATE_LIMITED, UNAUTHORIZED, problem_responses

router = APIRouter(tags=["rejections"])
MAX_PAGE = 500


class RejectionDocument(BaseModel):
    """One refused message (its bytes stay in the hub, in rejected.<partner>)."""

    offset: int = Field(description="Its offset in your rejected topic (page with `after`).")
    event_id: str | None = Field(description="The event id it carried, if any could be read.")
    event_type: str | None = Field(description="The event type it claimed, if any.")
    code: str = Field(description="The rule broken (stable code).")
    reason: str = Field(description="Why, naming the field and the rule (never the value).")
    source_topic: str = Field(description="The topic the message came in on.")
    source_offset: int | None = Field(description="Its offset there.")
    rejected_at: dt.datetime


class RejectionPage(BaseModel):
    """One page of your rejected messages, oldest first."""

    rejections: list[RejectionDocument]
    next: str | None = Field(description="The URL of the next page, if there may be one.")


def rejection_document(entry: RejectionEntry) -> RejectionDocument:
    """A rejected message as the API shows it."""
    return RejectionDocument(
        offset=entry.offset,
        event_id=entry.event_id,
        event_type=entry.event_type,
        code=entry.code,
        reason=entry.reason,
        source_topic=entry.source_topic,
        source_offset=entry.source_offset,
        rejected_at=dt.datetime.fromtimestamp(entry.rejected_at_us / 1_000_000, dt.UTC),
    )


@router.get(
    "/rejections",
    response_model=RejectionPage,
    summary="Your rejected messages",
    responses=problem_responses(UNAUTHORIZED, RATE_LIMITED),
)
async def list_rejections(
    caller: PartnerCaller,
    context: WebContextDep,
    response: Response,
    after: Annotated[
        int,
        Query(ge=-1, le=2**62, description="Only those after this offset (-1: from the first)."),
    ] = -1,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rejections per page.")] = 100,
) -> RejectionPage:
    """Your refused messages, oldest first: what rule each broke and why."""
    backend = context.hub.backend
    found = await context.hub.call(backend.rejections, caller.partner.id, after, limit + 1)
    page = [rejection_document(e) for e in found[:limit]]
    next_url = None
    if len(found) > limit:
        next_url = f"{API_PREFIX}/rejections?after={page[-1].offset}&limit={limit}"
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return RejectionPage(rejections=page, next=next_url)
