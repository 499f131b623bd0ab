"""Loading synthetic years into an embedded hub as they happened: each day sealed on that day.

The hub's sealing step takes its time from one injected clock (``pipeline.sealing_step.Clock``),
as the tests do. Here that clock follows the story: the messages of each day are published
and sealed with the clock standing a few minutes after that day's last message, and the hub
signs a checkpoint when it falls idle at the end of the day. So sealing times run through the
years as the events do, and what depends on them shows history: ``replay --as-of`` a date,
``archive --year``, and the evaluation of a year against its baseline.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence

from ketenhub.demo.scenario import ScenarioMessage
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.runner import RunStats, SealerLoop, ViewProjector, run_until_idle
from ketenhub.runtime.embedded.writer_lock import WriterLock

SEALED_AFTER = dt.timedelta(minutes=3)
"""How long after a day's last message its messages are sealed."""


class StoryClock:
    """A clock standing at a moment of the story; the loader moves it forward, never back."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def move_to(self, moment: dt.datetime) -> None:
        """Stand at ``moment`` (or stay, if the clock already stands later)."""
        self.now = max(self.now, moment)


def seal_as_it_happened(
    hub: EmbeddedHub,
    messages: Sequence[ScenarioMessage],
    *,
    checkpoint_every: int = 64,
    progress: Callable[[dt.date], None] | None = None,
) -> RunStats:
    """Publish and seal ``messages`` (in story order) day by day at their own time; return totals."""
    if not messages:
        return RunStats()
    clock = StoryClock(messages[0].when)
    total = RunStats()
    with WriterLock(hub.data_dir):
        sealer = SealerLoop(
            hub.log, hub.registry, hub.signing_key, checkpoint_every=checkpoint_every, clock=clock
        )
        projector = ViewProjector(hub.log, hub.registry)
        for day, group in itertools.groupby(messages, key=lambda m: m.when.date()):
            today = list(group)
            for message in today:
                hub.publish_raw(message.partner, message.value, message.headers)
            clock.move_to(max(m.when for m in today) + SEALED_AFTER)
            total.add(run_until_idle(sealer, projector))
            if progress is not None:
                progress(day)
    return total
