"""A Kafka write that fails while the cluster is away is retried after a recovery; anything else is raised."""

from __future__ import annotations

import asyncio

import aiokafka.errors
import kafka.errors
import pytest

from ketenhub.errors import ChainBroken
from ketenhub.runtime.kafka.sealer_fence import SealerFenced
from ketenhub.runtime.kafka.transient import transient, until_stored


@pytest.mark.parametrize(
    "error",
    [
        aiokafka.errors.KafkaTimeoutError(),
        aiokafka.errors.KafkaConnectionError("broker gone"),
        aiokafka.errors.NotLeaderForPartitionError(),
        aiokafka.errors.RequestTimedOutError(),
        kafka.errors.KafkaConnectionError("no broker"),
        kafka.errors.KafkaTimeoutError(),
        TimeoutError(),
    ],
    ids=type,
)
def test_a_cluster_away_is_transient(error: BaseException) -> None:
    assert transient(error)


@pytest.mark.parametrize(
    "error",
    [
        aiokafka.errors.MessageSizeTooLargeError(),
        aiokafka.errors.ProducerClosed(),
        SealerFenced(3, 7),
        ChainBroken(5, "a record does not link"),
        ValueError("a bug"),
    ],
    ids=type,
)
def test_a_lasting_failure_is_not_transient(error: BaseException) -> None:
    assert not transient(error)


def test_a_step_is_retried_after_each_recovery_until_it_is_stored() -> None:
    """Two timeouts, two recoveries, then the step's own result."""
    calls: list[str] = []

    async def step() -> str:
        calls.append("step")
        if calls.count("step") < 3:
            raise aiokafka.errors.KafkaTimeoutError()
        return "stored"

    async def recover() -> None:
        calls.append("recover")

    result = asyncio.run(until_stored("seal", step, recover, first_wait_s=0.001))
    assert result == "stored"
    assert calls == ["step", "recover", "step", "recover", "step"]


def test_a_lasting_failure_is_raised_at_once_without_recovery() -> None:
    """A fenced sealer must never write again: its error ends the agent, nothing retried."""
    calls: list[str] = []

    async def step() -> None:
        calls.append("step")
        raise SealerFenced(1, 2)

    async def recover() -> None:
        calls.append("recover")

    with pytest.raises(SealerFenced):
        asyncio.run(until_stored("seal", step, recover, first_wait_s=0.001))
    assert calls == ["step"]


def test_a_recovery_that_meets_the_cluster_still_away_is_tried_again() -> None:
    """The broker is still down when the sealer reads back: the next round tries both again."""
    calls: list[str] = []

    async def step() -> str:
        calls.append("step")
        if calls.count("step") == 1:
            raise aiokafka.errors.KafkaConnectionError("gone")
        return "stored"

    async def recover() -> None:
        calls.append("recover")
        if calls.count("recover") == 1:
            raise kafka.errors.KafkaConnectionError("no broker")

    assert asyncio.run(until_stored("seal", step, recover, first_wait_s=0.001)) == "stored"
    assert calls == ["step", "recover", "step"]
