"""The Kafka transport of the hub's Faust app: Faust's aiokafka consumer with two changes.

* A fetch request waits at most ``FETCH_MAX_WAIT_MS`` for new records (Faust fixes 1.5 s).
  aiokafka keeps one fetch request in flight per broker, and a partition whose buffered
  records were just handed over joins only the next request: with the hub's stages in one
  worker, a stage whose input was already written would otherwise wait for the request in
  flight, up to 1.5 s.
* Each partition's records are handed to the agents in order, from the first one not handed
  over yet. After a rebalance Faust positions the consumer at the committed offsets, but
  records fetched before that (when the partitions were assigned, before Faust paused them
  for table recovery, or while the seek was under way) could still reach it: handed over
  first, they made Faust skip the records fetched again behind them as already read (a gap,
  taken as acknowledged, so inputs could be committed without being decided) or left their
  offsets never acknowledged (no offset of that partition committed again). Such records are
  dropped, and the partition is fetched again from where Faust expects its next record.
"""

from __future__ import annotations

import asyncio
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka

FETCH_MAX_WAIT_MS = 50


class _PromptConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read once, when the consumer starts
        return consumer


class _InOrderConsumer(faust_aiokafka.Consumer):
    """Faust's consumer, handing over each partition's records in order, from where it stopped."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._seek_epoch = 0  # odd while the consumer is positioned at the committed offsets
        self._dropped_from: dict[Any, int] = {}  # partition -> first record not handed over

    def _new_consumer_thread(self) -> Any:
        return _PromptConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def perform_seek(self) -> None:
        self._seek_epoch += 1
        try:
            await super().perform_seek()
        finally:
            self._dropped_from.clear()  # every partition starts again at its committed offset
            self._seek_epoch += 1

    async def _wait_next_records(self, timeout: float) -> Any:
        epoch = self._seek_epoch
        records, active_partitions = await super()._wait_next_records(timeout)
        if not records:
            return records, active_partitions
        clean = epoch == self._seek_epoch and epoch % 2 == 0
        kept, changelogs = {}, self.app.tables.changelog_topics
        for tp, fetched in records.items():
            if tp.topic in changelogs:  # table recovery positions these itself
                kept[tp] = fetched
            elif not clean:  # perhaps fetched from where the consumer was before the seek
                await self._after_seek_fetch_again(tp, fetched[0].offset)
            elif tp in self._paused_partitions:  # fetched before the pause took effect
                self._dropped_from.setdefault(tp, fetched[0].offset)
            elif tp in self._dropped_from:  # resumed: continue with the first one dropped
                await self.seek(tp, self._dropped_from.pop(tp))
            else:
                kept[tp] = fetched
        return kept, active_partitions

    async def _after_seek_fetch_again(self, tp: Any, first_dropped: int) -> None:
        """Once the seek in progress is done, fetch ``tp`` again from where Faust expects it."""
        while self._seek_epoch % 2:
            await asyncio.sleep(0.01)
        expected = self._read_offset.get(tp)
        await self.seek(tp, first_dropped if expected is None else expected)


class HubTransport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the hub's consumer."""

    Consumer = _InOrderConsumer
