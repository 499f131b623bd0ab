"""Telling a passing Kafka failure (a broker restarting, a leader moving) from a lasting one,
and retrying a step until it is stored.

The hub's agents write each batch's outputs and wait until they are stored before the batch
is acknowledged. When the broker goes away for longer than a producer's request timeout, that
wait ends with an error; an agent that let it escape would stop for good, its inputs never
acknowledged. ``until_stored`` retries instead, after a recovery step that makes a retry safe
(the sealer reads back what landed), waiting longer each time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiokafka.errors
import kafka.errors
import structlog

T = TypeVar("T")
log = structlog.get_logger("ketenhub.streams")

FIRST_WAIT_S, LONGEST_WAIT_S = 0.5, 10.0
_TIMEOUTS = (
    aiokafka.errors.KafkaTimeoutError,
    aiokafka.errors.KafkaConnectionError,
    kafka.errors.KafkaTimeoutError,
    kafka.errors.KafkaConnectionError,
    TimeoutError,
)


def transient(error: BaseException) -> bool:
    """Whether ``error`` is a Kafka failure that passes when the cluster is reachable again."""
    if isinstance(error, _TIMEOUTS):
        return True
    kafka_error = isinstance(error, aiokafka.errors.KafkaError | kafka.errors.KafkaError)
    return kafka_error and bool(getattr(error, "retriable", False))


async def until_stored(
    what: str,
    step: Callable[[], Awaitable[T]],
    recover: Callable[[], Awaitable[None]],
    *,
    first_wait_s: float = FIRST_WAIT_S,
) -> T:
    """Run ``step`` until it succeeds; after each transient failure wait, then ``recover``.

    Any other error is raised at once. Each failure is logged (``kafka_write_retried``) with
    the error's type and the wait, never with the data being written.
    """
    wait = first_wait_s
    while True:
        try:
            return await step()
        except Exception as error:
            if not transient(error):
                raise
            log.warning("kafka_write_retried", step=what, error=type(error).__name__, wait_s=wait)
        await asyncio.sleep(wait)
        wait = min(wait * 2, LONGEST_WAIT_S)
        try:
            await recover()
        except Exception as error:
            if not transient(error):
                raise
            log.warning("kafka_recovery_retried", step=what, error=type(error).__name__)
