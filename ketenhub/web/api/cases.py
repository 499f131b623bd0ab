"""``/cases``: the caller's own view of the cases, paged and filtered; one case in full.

Every case read here is recorded through ``ketenhub.web.reads``. A case outside the
caller's view answers 404 exactly as a case that does not exist: the API never tells a
partner that a case it may not see exists.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from ketenhub.core.processing import ReadOperation
from ketenhub.web.auth import PartnerCaller
from ketenhub.web.backend import ViewEntry
from ketenhub.web.context import WebContextDep
from ketenhub.web.openapi_document import API_PREFIX
from ketenhub.web.problems import (
    INVALID_REQUEST,
    NOT_FOUND,
    RATE_LIMITED,
    UNAUTHORIZED,
    Problem,
    problem_responses,
    shown_part,
)
from ketenhub.web.reads import record_case_reads
from ketenhub.web.views import case_view

router = APIRouter(tags=["cases"])
CASE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
MAX_PAGE = 500


class Phase(enum.StrEnum):
    """The phase a case is in."""

    RECEIVED = "RECEIVED"
    INTAKE = "INTAKE"
    SEVERITY = "SEVERITY"
    SOURCE_RESEARCH = "SOURCE_RESEARCH"
    ACTION_PLAN = "ACTION_PLAN"
    ACTION = "ACTION"


class Status(enum.StrEnum):
    """Whether a case is still being handled."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class CaseDocument(BaseModel):
    """One case as the caller's role may see it."""

    case_id: str = Field(description="Opaque case id.")
    phase: str | None = Field(description="The phase the case is in.")
    status: str | None = Field(description="OPEN or CLOSED.")
    changed_at: dt.datetime = Field(description="When the hub last changed this view of the case.")
    view: dict[str, Any] = Field(
        description="The caller's view of the case (need-to-know: only what its role may see)."
    )


class CasePage(BaseModel):
    """One page of the caller's cases, in case id order."""

    cases: list[CaseDocument]
    next: str | None = Field(description="The URL of the next page, if there is one.")


def case_document(entry: ViewEntry) -> CaseDocument:
    """A case of a view as the API shows it."""
    view = case_view(entry.data or b"{}")
    return CaseDocument(
        case_id=entry.case_id,
        phase=view.get("phase"),
        status=view.get("status"),
        changed_at=dt.datetime.fromtimestamp(entry.changed_at_us / 1_000_000, dt.UTC),
        view=view,
    )


@router.get(
    "/cases",
    response_model=CasePage,
    summary="Your cases",
    responses=problem_responses(INVALID_REQUEST, UNAUTHORIZED, RATE_LIMITED),
)
async def list_cases(
    caller: PartnerCaller,
    context: WebContextDep,
    response: Response,
    phase: Annotated[Phase | None, Query(description="Only cases in this phase.")] = None,
    status: Annotated[Status | None, Query(description="Only open or only closed cases.")] = None,
    changed_since: Annotated[
        dt.datetime | None,
        Query(description="Only cases whose view changed at or after this time (RFC 3339)."),
    ] = None,
    after: Annotated[
        str | None,
        Query(description="Start after this case id (from the previous page).", max_length=64),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Cases per page.")] = 100,
) -> CasePage:
    """The cases in your view, in case id order, with the filters given."""
    entries = await context.hub.call(context.hub.backend.views, caller.partner.id)
    since_us = None if changed_since is None else _micros(changed_since)
    selected = []
    for case_id in sorted(entries):
        if after is not None and case_id <= after:
            continue
        entry = entries[case_id]
        if since_us is not None and entry.changed_at_us < since_us:
            continue
        document = case_document(entry)
        if phase is not None and document.phase != phase.value:
            continue
        if status is not None and document.status != status.value:
            continue
        selected.append(document)
        if len(selected) > limit:
            break
    page, more = selected[:limit], len(selected) > limit
    shown = {c.case_id: c.view for c in page}
    await record_case_reads(context.hub, caller.reader, shown, ReadOperation.API_CASE_LIST)
    next_url = None
    if more:
        query = {"phase": phase, "status": status, "changed_since": changed_since}
        given = {k: str(v) for k, v in query.items() if v is not None}
        given |= {"after": page[-1].case_id, "limit": str(limit)}
        next_url = f"{API_PREFIX}/cases?{urlencode(given)}"
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return CasePage(cases=page, next=next_url)


@router.get(
    "/cases/{case_id}",
    response_model=CaseDocument,
    summary="One of your cases",
    responses=problem_responses(UNAUTHORIZED, NOT_FOUND, RATE_LIMITED),
)
async def get_case(
    caller: PartnerCaller,
    context: WebContextDep,
    case_id: Annotated[str, Path(pattern=CASE_ID_PATTERN, description="Opaque case id.")],
) -> CaseDocument:
    """One case in your view; 404 when it is not in your view (or does not exist)."""
    entry = await context.hub.call(context.hub.backend.view, caller.partner.id, case_id)
    if entry is None:
        raise Problem(NOT_FOUND, f"case {shown_part(case_id)} is not in your view")
    document = case_document(entry)
    await record_case_reads(
        context.hub, caller.reader, {case_id: document.view}, ReadOperation.API_CASE
    )
    return document


def _micros(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise Problem(INVALID_REQUEST, "changed_since needs a time zone (RFC 3339, e.g. ...Z)")
    return int(moment.timestamp() * 1_000_000)
