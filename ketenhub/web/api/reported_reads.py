"""``POST /api/v1/reads``: a partner's system reports the views it read off its own Kafka topic.

On Kafka a partner's system reads ``view.<partner>`` straight from the broker, with no hub
in between and no key of the hub at hand (its partner folder). Before its SDK hands a view
out, it reports the read here; the hub seals a processing record per case into access.log —
who by the token, the data subjects from the hub's own copy of that view, never from the
partner — and only a 200 lets the SDK go on. A case outside the caller's view is a 404 (the
Kafka web tier's copy of the views is given up to 5 s in all to catch up first), and nothing
is recorded for that report.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ketenhub.core.processing import ReadOperation
from ketenhub.web.api.cases import CASE_ID_PATTERN
from ketenhub.web.auth import PartnerCaller
from ketenhub.web.backend import ViewEntry
from ketenhub.web.context import WebContext, WebContextDep
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

router = APIRouter(tags=["reads"])
CATCH_UP_S = 5.0  # how long the Kafka web tier's copy of the views may lag behind the topics
REPORTED = {"sdk.views": ReadOperation.SDK_VIEWS, "sdk.snapshot": ReadOperation.SDK_SNAPSHOT}


class ReadReport(BaseModel):
    """Views a partner's system read from its view topic and is about to hand out."""

    operation: Literal["sdk.views", "sdk.snapshot"]
    case_ids: list[Annotated[str, Field(pattern=CASE_ID_PATTERN)]] = Field(
        min_length=1, max_length=1000
    )


class ReadsRecorded(BaseModel):
    """How many processing records the hub sealed into access.log."""

    recorded: int


@router.post(
    "/reads",
    response_model=ReadsRecorded,
    summary="Report reads of your views",
    responses=problem_responses(INVALID_REQUEST, UNAUTHORIZED, NOT_FOUND, RATE_LIMITED),
)
async def report_reads(
    body: ReadReport, caller: PartnerCaller, context: WebContextDep
) -> ReadsRecorded:
    """Seal a processing record per case you read from your view topic; hand the views out after a 200."""
    deadline = time.monotonic() + CATCH_UP_S
    shown = {}
    for case_id in dict.fromkeys(body.case_ids):
        entry = await _in_view(context, caller.partner.id, case_id, deadline)
        if entry is None or entry.data is None:
            raise Problem(NOT_FOUND, f"case {shown_part(case_id)} is not in your view")
        shown[case_id] = case_view(entry.data)
    reader = dataclasses.replace(caller.reader, system="sdk")
    await record_case_reads(context.hub, reader, shown, REPORTED[body.operation])
    return ReadsRecorded(recorded=len(shown))


async def _in_view(
    context: WebContext, partner: str, case_id: str, deadline: float
) -> ViewEntry | None:
    """The partner's view of the case; on Kafka waiting until ``deadline`` for the copy to show it.

    The embedded backend reads the log on at every call, so it has no copy to wait for.
    """
    backend = context.hub.backend
    while True:
        entry = await context.hub.call(backend.view, partner, case_id)
        if entry is not None or backend.name == "embedded" or time.monotonic() >= deadline:
            return entry
        await asyncio.sleep(0.1)
