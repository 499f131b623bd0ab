"""Recording a step from a page: publish it as the user's partner, then wait for the hub's decision.

A page's event goes through the web tier's intake (``accept_json_event``: the same checks,
protection and authorization as the API). Then the page waits, bounded, for the hub to
decide: sealed (and the partner's view of the case caught up), refused with a reason, or
still pending. The outcome reads in plain Dutch; the hub's own reason follows it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import structlog

from ketenhub.config.labels import dutch_labels
from ketenhub.web.backend import PendingDecision, RejectedDecision, SealedDecision
from ketenhub.web.intake import accept_json_event
from ketenhub.web.pages.access import SignedIn
from ketenhub.web.problems import CONFLICTING_DUPLICATE, Problem

log = structlog.get_logger("ketenhub.web.pages")
DECISION_WAIT_S = 15.0
VIEW_WAIT_S = 5.0
POLL_S = 0.05
OutcomeKind = Literal["sealed", "refused", "pending", "invalid", "duplicate"]


@dataclass(frozen=True)
class Outcome:
    """What became of a step: its kind, a message in Dutch, and the event id."""

    kind: OutcomeKind
    message: str
    event_id: str | None = None
    code: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the step is (or was already) recorded."""
        return self.kind in ("sealed", "duplicate")


def now_utc() -> str:
    """The current moment, as the events' ``occurred_at``."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def form_event_id(given: object) -> str:
    """The event id a form carried (so a second submit is the same event), else a new one."""
    if isinstance(given, str):
        try:
            return str(uuid.UUID(given))
        except ValueError:
            pass
    return str(uuid.uuid4())


def refusal_text(code: str, reason: str) -> str:
    """The hub's refusal in plain Dutch, with the hub's own reason after it."""
    plain = dutch_labels().label("rejection_explanation", code)
    return f"De hub heeft dit geweigerd. {plain} (Toelichting van de hub: {reason})"


async def record(
    user: SignedIn, fields: Mapping[str, Any], *, case_id: str | None = None
) -> Outcome:
    """Publish one event as the user's partner and wait for the hub's decision on it."""
    context = user.context
    before = await _view_offset(user, case_id)
    try:
        accepted = await accept_json_event(context, user.partner.id, dict(fields))
    except Problem as problem:
        if problem.kind is CONFLICTING_DUPLICATE:
            return Outcome("duplicate", "Dit formulier was al verstuurd.")
        log.info("page_step_invalid", partner=user.partner.id, kind=problem.kind.slug)
        return Outcome("invalid", f"Niet verstuurd: {problem.detail}")
    event_id = accepted.event_id
    log.info(
        "page_step_published",
        partner=user.partner.id,
        user_id=user.session.user_id,
        event_type=accepted.event_type,
        event_id=event_id,
        duplicate=accepted.duplicate,
    )
    decision = await _decision(user, event_id)
    if isinstance(decision, SealedDecision):
        await _view_caught_up(user, case_id, before)
        return Outcome("sealed", "Vastgelegd.", event_id)
    if isinstance(decision, RejectedDecision):
        return Outcome(
            "refused", refusal_text(decision.code, decision.reason), event_id, decision.code
        )
    return Outcome(
        "pending",
        "Verstuurd; de hub heeft het nog niet verwerkt. Ververs de pagina straks.",
        event_id,
    )


async def _decision(user: SignedIn, event_id: str) -> object:
    hub = user.context.hub
    deadline = time.monotonic() + DECISION_WAIT_S
    while True:
        decision = await hub.call(hub.backend.decision, user.partner.id, event_id)
        if decision is not None and not isinstance(decision, PendingDecision):
            return decision
        if time.monotonic() > deadline:
            return decision
        await asyncio.sleep(POLL_S)


async def _view_offset(user: SignedIn, case_id: str | None) -> int | None:
    if case_id is None:
        return None
    hub = user.context.hub
    entries = await hub.call(hub.backend.views, user.partner.id)
    entry = entries.get(case_id)
    return None if entry is None else entry.offset


async def _view_caught_up(user: SignedIn, case_id: str | None, before: int | None) -> None:
    """Wait (bounded) until the partner's view of the case changed, so the next page shows it."""
    if case_id is None:
        return
    deadline = time.monotonic() + VIEW_WAIT_S
    while time.monotonic() < deadline:
        if await _view_offset(user, case_id) != before:
            return
        await asyncio.sleep(POLL_S)
