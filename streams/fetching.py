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
* Stopping with the cluster out of reach ends promptly. aiokafka's ``Fetcher.close`` cancels
  and awaits its fetch requests; one waiting out its retry backoff after a failed request
  re-raises the cancellation, which escaped ``AIOKafkaConsumer.stop``: the consumer's thread
  then ended without telling the worker it had stopped, and the worker waited mode's
  ``shutdown_timeout`` (60 s) before it went on.
* A stopping worker waits at most ``STOP_GRACE_S`` for the batches in hand to be stored and
  acknowledged (Faust waits until they are, for ever: with the cluster out of reach, a batch
  retries its writes until the cluster is back). After that it commits nothing more: an
  abandoned batch's inputs, and any acknowledged since the last commit, stay uncommitted
  and are decided again after a restart (recognised as decided when they were). Faust's
  producer (the tables' changelogs) gets the same grace to flush and stop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, cast

import structlog
from faust.exceptions import NotReady
from faust.transport.drivers import aiokafka as faust_aiokafka

from ketenhub.runtime.kafka.idle_work import cancelling_itself
from ketenhub.runtime.kafka.transient import FIRST_WAIT_S, LONGEST_WAIT_S, transient

FETCH_MAX_WAIT_MS = 50
STOP_GRACE_S = 5.0
log = structlog.get_logger("ketenhub.streams")


class _PromptConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read once, when the consumer starts
        return consumer

    async def on_thread_stop(self) -> None:
        """Stop the consumer; a cancelled fetch request does not end the thread unannounced."""
        try:
            await super().on_thread_stop()
        except asyncio.CancelledError:
            if cancelling_itself():
                raise  # the thread itself is being cancelled
            log.info("consumer_fetch_cancelled_on_stop")
            consumer = self._consumer
            if consumer is not None:  # what the interrupted stop left: its connections
                await consumer._client.close()


class _InOrderConsumer(faust_aiokafka.Consumer):
    """Faust's consumer, handing over each partition's records in order, from where it stopped."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._seek_epoch = 0  # odd while the consumer is positioned at the committed offsets
        self._dropped_from: dict[Any, int] = {}  # partition -> first record not handed over
        self._left_in_hand = False  # a stop gave up waiting for a batch: commit nothing more

    def _new_consumer_thread(self) -> Any:
        return _PromptConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def wait_empty(self) -> None:
        """Wait until the batches in hand are acknowledged, then commit; give up after the grace.

        Faust's own wait commits on every round and waits for ever; a commit cannot be
        cancelled part-way, so the grace is kept by waiting beside it, not by cancelling it.
        """
        if self._left_in_hand:
            return
        stop = _grace(self.transport)
        while self._unacked_messages and stop.remaining() > 0:
            await self._wait_for_ack(timeout=min(1.0, stop.remaining()))
            self._clean_unacked_messages()
        if self._unacked_messages:
            self._left_in_hand = True
            log.warning("inputs_left_uncommitted", unacknowledged=len(self._unacked_messages))
        elif not await stop.within(self.commit_and_end_transactions()):
            self._left_in_hand = True
            log.warning("final_commit_abandoned")

    async def _commit_offsets(self, offsets: Any, start_new_transaction: bool = True) -> bool:
        if self._left_in_hand:
            return False
        return bool(await super()._commit_offsets(offsets, start_new_transaction))

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


class _StoppingProducer(faust_aiokafka.Producer):
    """Faust's producer (the tables' changelogs), flushing only within the stop's grace once the
    worker stops: what it still holds then belongs to batches left unacknowledged."""

    async def flush(self) -> None:
        if not self.app.should_stop:
            await super().flush()
        elif not await _grace(self.transport).within(super().flush()):
            log.warning("changelog_flush_abandoned")

    async def on_stop(self) -> None:
        if not await _grace(self.transport).within(super().on_stop()):
            log.warning("changelog_producer_abandoned")


class StopGrace:
    """The time a stopping worker gives Faust's consumer and producer, counted from first use."""

    def __init__(self, seconds: float = STOP_GRACE_S) -> None:
        self._seconds = seconds
        self._deadline: float | None = None

    def remaining(self) -> float:
        """Seconds left of the grace (it starts on the first call)."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self._seconds
        return max(0.0, self._deadline - time.monotonic())

    async def within(self, step: Coroutine[Any, Any, None]) -> bool:
        """Run ``step`` for what is left of the grace (then leave it to end with the event
        loop); whether it ended in time."""
        task = asyncio.ensure_future(step)
        await asyncio.wait({task}, timeout=max(0.01, self.remaining()))
        if not task.done():
            return False
        task.result()
        return True


def _grace(transport: Any) -> StopGrace:
    """The stop's grace, shared by the consumer and the producer of one app."""
    return cast(HubTransport, transport).stop_grace


class HubTransport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the hub's consumer and producer."""

    Consumer = _InOrderConsumer
    Producer = _StoppingProducer

    async def _create_topic(self, owner: Any, *args: Any, **kwargs: Any) -> None:
        """Faust's declaration of a topic (a table's changelog, when the table starts), tried
        again while the cluster is out of reach: a worker that started its tables while the
        broker restarted crashed (``NodeNotReadyError``) instead of waiting for it."""
        wait = FIRST_WAIT_S
        while True:
            try:
                await super()._create_topic(owner, *args, **kwargs)
                return
            except Exception as error:
                if owner.should_stop or not (transient(error) or isinstance(error, NotReady)):
                    raise
                log.warning("topic_declaration_retried", error=type(error).__name__, wait_s=wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT_S)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stop_grace = StopGrace()
