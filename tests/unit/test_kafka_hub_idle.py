"""Waiting for an idle Kafka hub before views are compared: retried, bounded, explained."""

from __future__ import annotations

import pytest

from ketenhub.runtime.kafka.hub_idle import (
    PROJECTED,
    HubIdleState,
    HubNotIdle,
    Progress,
    wait_until_idle,
)


class ScriptedHub:
    """A hub whose progress and snapshots follow a script; time moves one second per poll."""

    def __init__(self, progress: list[Progress], snapshots: list[HubIdleState | None]) -> None:
        self.progress_left, self.snapshots_left = progress, snapshots
        self.now = 0.0

    def progress(self) -> Progress:
        return self.progress_left.pop(0) if len(self.progress_left) > 1 else self.progress_left[0]

    def snapshot(self, audit_end: int) -> HubIdleState | None:
        return self.snapshots_left.pop(0)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def wait(hub: ScriptedHub, timeout_s: float) -> HubIdleState:
    return wait_until_idle(hub, timeout_s, every_s=1.0, clock=hub.clock, sleep=hub.sleep)


def test_a_busy_hub_is_waited_for_and_compared_at_the_snapshot_that_held() -> None:
    idle = HubIdleState(12, {("view.police", 0): 3})
    hub = ScriptedHub(
        [Progress({"ingest.police": 2}, 10), Progress(None, -1), Progress({}, 12)],
        [None, idle],  # sealed more right after the first idle answer: wait on
    )
    assert wait(hub, 60) is idle


def test_a_hub_not_idle_in_time_names_what_is_still_to_be_handled() -> None:
    hub = ScriptedHub([Progress({"ingest.police": 2, PROJECTED: 5}, 10)], [])
    with pytest.raises(HubNotIdle) as raised:
        wait(hub, 3)
    message = str(raised.value)
    assert "not idle within 3 s" in message
    assert "2 record(s) of ingest.police" in message
    assert f"5 record(s) of {PROJECTED}" in message
    assert raised.value.lag == {"ingest.police": 2, PROJECTED: 5}


def test_unreadable_offsets_are_never_taken_for_idle() -> None:
    hub = ScriptedHub([Progress(None, -1)], [])
    with pytest.raises(HubNotIdle, match="committed offsets could not be read"):
        wait(hub, 2)
