"""Taking up forwarded cases and reporting back on owned actions (police, RIEC, inspection)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from connectors.sdk.client import PartnerClient
from connectors.sdk.errors import InputRefused
from connectors.sdk.models import CaseView, Receipt
from connectors.vocabularies import checked_codes
from ketenhub.contract.models import ActionCompleted, ActionResult, SignalAcknowledged
from ketenhub.json_events import shown


@dataclass(frozen=True)
class OpenForward:
    """A forward of a case to this partner that it has not acknowledged yet."""

    case_id: str
    forward_event_id: uuid.UUID
    reason: str
    at: str


@dataclass(frozen=True)
class OpenAction:
    """A planned action this partner owns that has not been reported as ended."""

    case_id: str
    action_id: str
    kind: str
    due_date: str


def open_forwards(views: Iterable[CaseView], partner_id: str) -> list[OpenForward]:
    """The forwards addressed to the partner in its views that it has not acknowledged."""
    found = []
    for view in views:
        for forward_id, forward in sorted(view.section("forwards").items()):
            if partner_id in forward.get("to", []) and partner_id not in forward.get(
                "acknowledged", {}
            ):
                found.append(
                    OpenForward(
                        view.case_id,
                        uuid.UUID(forward_id),
                        str(forward.get("reason")),
                        str(forward.get("at")),
                    )
                )
    return found


def open_actions(views: Iterable[CaseView], partner_id: str) -> list[OpenAction]:
    """The actions the partner owns in its views that are not reported as ended."""
    return [
        OpenAction(view.case_id, action_id, str(action.get("kind")), str(action.get("due_date")))
        for view in views
        for action_id, action in sorted(view.section("actions").items())
        if action.get("owner") == partner_id and action.get("result") is None
    ]


def acknowledge_forwards(
    client: PartnerClient, at: dt.datetime
) -> list[tuple[OpenForward, Receipt]]:
    """Acknowledge every forward addressed to this partner that it has not acknowledged yet."""
    pending = open_forwards(client.snapshot().values(), client.partner.id)
    events = [
        SignalAcknowledged(
            event_id=uuid.uuid4(),
            occurred_at=at,
            recorded_by=client.partner.id,
            case_id=forward.case_id,
            forward_event_id=forward.forward_event_id,
        )
        for forward in pending
    ]
    return list(zip(pending, client.publish_all(events), strict=True))


def report_action(
    client: PartnerClient,
    case_id: str,
    action_id: str,
    findings: Iterable[str],
    at: dt.datetime,
    *,
    cancelled: bool = False,
    any_owner: bool = False,
) -> Receipt:
    """Report that an action this partner owns (any action, for the coordinator) ended, with findings."""
    codes = checked_codes(client, "finding_codes", findings, "--finding")
    view = client.snapshot().get(case_id)
    if view is None:
        raise InputRefused(
            where=f"case {shown(case_id)}",
            detail=f"{client.partner.id} has no view of it (unknown, or no reason to see it)",
        )
    action = view.section("actions").get(action_id)
    if action is None:
        raise InputRefused(where=f"case {case_id!r}", detail=f"has no planned action {action_id!r}")
    if not any_owner and action.get("owner") != client.partner.id:
        raise InputRefused(
            where=f"action {action_id!r}",
            detail=f"is owned by {action.get('owner')!r}, not {client.partner.id!r}",
        )
    if action.get("result") is not None:
        raise InputRefused(
            where=f"action {action_id!r}", detail=f"was already reported as {action['result']}"
        )
    event = ActionCompleted(
        event_id=uuid.uuid4(),
        occurred_at=at,
        recorded_by=client.partner.id,
        case_id=case_id,
        action_id=action_id,
        result=ActionResult.CANCELLED if cancelled else ActionResult.COMPLETED,
        finding_codes=codes,
    )
    return client.publish(event)
