"""Erasing a closed control day's addresses as soon as the web tier sees it sealed, however it was closed.

The field app erases the key of a day it closes at once; a day closed otherwise (a partner
system's ``ControlDayClosed`` through the API, a connector, another web tier) is erased here:
``erase_closed_days`` runs beside the server and looks at the sealed events every few
seconds, so the addresses do not stay readable until someone opens the field app.
"""

from __future__ import annotations

import asyncio

import structlog

from ketenhub.web.backend import Backend
from ketenhub.web.context import WebContext
from ketenhub.web.pages.control_days import ControlDay, control_days
from ketenhub.web.pages.field_reading import shred_closed_days_on_hub
from ketenhub.web.pages.hub_events import HubEvents, HubEventsUnavailable

ERASE_EVERY_S = 2.0
log = structlog.get_logger("ketenhub.web.pages")


def _erase_on_hub(backend: Backend, days: list[ControlDay]) -> None:
    """On the hub's thread, where its protector is used: erase the closed days' keys."""
    shred_closed_days_on_hub(backend.protector, days)


async def erase_closed_days(context: WebContext, events: HubEvents) -> None:
    """Until cancelled: erase the addresses' key of every control day closed since the last look."""
    looked_at: set[str] = set()
    while True:
        try:
            every_day = control_days(await events.all(context)).values()
            fresh = [d for d in every_day if d.closed and d.control_day_id not in looked_at]
            if fresh:
                await context.hub.call(_erase_on_hub, context.hub.backend, fresh)
                looked_at.update(day.control_day_id for day in fresh)
        except HubEventsUnavailable:
            return  # this backend keeps no copy of audit.log: the field app erases what it closes
        except Exception as exc:  # the hub away for a moment: look again later
            log.warning("control_day_erasure_failed", error=type(exc).__name__)
        await asyncio.sleep(ERASE_EVERY_S)
