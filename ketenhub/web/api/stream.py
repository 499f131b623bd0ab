"""``/views/stream``: the changes of the caller's view as server-sent events, resumable.

Each event carries, as its ``id``, the cursor after it (next offsets per partition of the
partner's view topic, e.g. ``"42"``); a client that reconnects with ``Last-Event-ID`` gets
every case that changed since, as it is now (a case changed twice comes once), then the
live changes. Without ``Last-Event-ID`` the stream starts at the end: a ``ready`` event
gives the cursor to resume from. ``case-changed`` carries the case as ``GET /cases/{id}``
does; ``case-removed`` only its id (the case left the view). A comment line keeps idle
connections open. Every case sent is a read, recorded through ``ketenhub.web.reads``. A
token revoked or rotated while its stream is open ends the stream before anything more is sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

import structlog
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from ketenhub.core.processing import ReadOperation
from ketenhub.web.api.cases import case_document
from ketenhub.web.auth import Caller, PartnerCaller, still_valid
from ketenhub.web.backend import ViewCursor, ViewEntry
from ketenhub.web.context import WebContext, WebContextDep
from ketenhub.web.problems import (
    INVALID_REQUEST,
    RATE_LIMITED,
    UNAUTHORIZED,
    Problem,
    problem_responses,
)
from ketenhub.web.reads import record_case_reads
from ketenhub.web.views import case_view

router = APIRouter(tags=["views"])
log = structlog.get_logger("ketenhub.web")
KEEP_ALIVE_S = 15.0
SERVER_EVENT_SCHEMA = {
    "type": "object",
    "description": "One server-sent event; `data` is JSON: the cursor (ready), the case as "
    "GET /cases/{case_id} shows it (case-changed), or its id (case-removed).",
    "required": ["id", "event", "data"],
    "properties": {
        "id": {"type": "string", "description": "The cursor after this event (Last-Event-ID)."},
        "event": {"type": "string", "enum": ["ready", "case-changed", "case-removed"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
}
MAX_PARTITIONS = 1024


def parse_cursor(text: str) -> ViewCursor:
    """A cursor from its text (``"17"``, ``"3.9"``); 400 for anything else."""
    parts = text.strip().split(".")
    valid = 0 < len(parts) <= MAX_PARTITIONS and all(
        p.isascii() and p.isdigit() and len(p) <= 18 for p in parts
    )
    if not valid:
        raise Problem(INVALID_REQUEST, "Last-Event-ID is not an id this stream sent")
    return ViewCursor(tuple(int(p) for p in parts))


def _event(kind: str, cursor: ViewCursor, data: object) -> str:
    return f"id: {cursor.encode()}\nevent: {kind}\ndata: {json.dumps(data, default=str)}\n\n"


def _change(entry: ViewEntry, cursor: ViewCursor) -> str:
    if entry.data is None:
        return _event("case-removed", cursor, {"case_id": entry.case_id})
    return _event("case-changed", cursor, case_document(entry).model_dump(mode="json"))


async def _changes(
    request: Request, caller: Caller, context: WebContext, resume: ViewCursor | None
) -> AsyncIterator[str]:
    backend, partner = context.hub.backend, caller.partner.id
    if resume is None:  # start at the end: the cursor after everything there is now
        _, cursor = await context.hub.call(backend.view_changes, partner, ViewCursor())
        yield _event("ready", cursor, {"cursor": cursor.encode()})
    else:
        cursor = resume
    quiet_since = time.monotonic()
    while not await request.is_disconnected():
        changed, after = await context.hub.call(backend.view_changes, partner, cursor)
        if not still_valid(request, context, caller):
            log.info("view_stream_token_refused", partner=partner, token_id=caller.token_id)
            return  # revoked or rotated while the stream was open: nothing more goes out
        for entry in changed:
            cursor = cursor.after(entry)
            if entry.data is not None:
                shown = {entry.case_id: case_view(entry.data)}
                await record_case_reads(
                    context.hub, caller.reader, shown, ReadOperation.API_VIEW_STREAM
                )
            yield _change(entry, cursor)
        cursor = after
        if changed:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= KEEP_ALIVE_S:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(context.settings.web_stream_poll_s)


@router.get(
    "/views/stream",
    summary="Your view's changes, live (server-sent events)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A text/event-stream of case-changed and case-removed events.",
            "content": {"text/event-stream": {"schema": SERVER_EVENT_SCHEMA}},
        },
        **problem_responses(INVALID_REQUEST, UNAUTHORIZED, RATE_LIMITED),
    },
)
async def stream_view(
    request: Request,
    caller: PartnerCaller,
    context: WebContextDep,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=20_000,
            description="Resume after the event with this id.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        Query(max_length=20_000, description="Resume from this cursor (as Last-Event-ID)."),
    ] = None,
) -> StreamingResponse:
    """Server-sent events of your view's changes; reconnect with Last-Event-ID to resume."""
    given = last_event_id if last_event_id is not None else since
    cursor = None if given is None else parse_cursor(given)
    return StreamingResponse(
        _changes(request, caller, context, cursor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
