"""The sealed events the field app and the dashboard read, decoded once and kept in log order.

They come from the web tier's copy of audit.log (``HubMirror.sealed``, read on to its end
first), on the hub's thread. Only new events are decoded on each call. The pages that use
them apply their own need-to-know: the field app shows a partner only the control days it
takes part in, the dashboard only aggregates with small counts suppressed.
"""

from __future__ import annotations

import asyncio

from ketenhub.codec.single_object import decode_event
from ketenhub.contract.base import Event
from ketenhub.web.backend import Backend
from ketenhub.web.context import WebContext
from ketenhub.web.mirror import HubMirror
from ketenhub.web.sealed_events import SealedEvent


class HubEventsUnavailable(RuntimeError):
    """The backend keeps no copy of audit.log that the pages can read."""


def _sealed_after_on_hub(backend: Backend, count: int) -> list[SealedEvent]:
    backend.sealed_count()  # the embedded backend reads audit.log on to its end here
    mirror = getattr(backend, "mirror", None)
    if not isinstance(mirror, HubMirror):
        msg = f"the {backend.name} backend keeps no copy of audit.log for the pages"
        raise HubEventsUnavailable(msg)
    return mirror.sealed.after(count)


class HubEvents:
    """Every sealed event, decoded, in log order; extended on each read."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._read = 0
        self._lock = asyncio.Lock()

    async def all(self, context: WebContext) -> list[Event]:
        """Every event sealed so far."""
        async with self._lock:
            hub = context.hub
            new = await hub.call(_sealed_after_on_hub, hub.backend, self._read)
            self._events.extend(decode_event(sealed.payload) for sealed in new)
            self._read += len(new)
            return list(self._events)
