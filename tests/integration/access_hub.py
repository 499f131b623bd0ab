"""A hub worker serving access.log on Kafka, and what the access-log tests do against it:
run the `ketenhub` command as an operator, and make a case the police may read."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.sdk import PartnerClient
from connectors.sdk.kafka_transport import KafkaTransport
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.runtime.kafka.log_reader import KafkaLogReader
from tests.e2e.test_connectors_sdk import FreshStory
from tests.integration.hub_harness import HubUnderTest, wait_for


@contextmanager
def access_hub(bootstrap: str, folder: Path, prefix: str) -> Iterator[HubUnderTest]:
    """One hub worker on uuid-named topics (``<prefix>-<uuid>``), its keys made as `ketenhub
    init` makes them, serving until the block ends."""
    hub = HubUnderTest(bootstrap, folder, f"{prefix}-{uuid.uuid4().hex[:12]}")
    hub.start_worker()
    hub.wait_until_serving()
    try:
        yield hub
    finally:
        hub.stop_all()


def ketenhub(hub: HubUnderTest, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the `ketenhub` command against the hub on Kafka, as an operator would."""
    where = ["--kafka", hub.bootstrap, "--data-dir", str(hub.data_dir)]
    done = subprocess.run(
        [sys.executable, "-m", "ketenhub", *args, *where],
        env=hub.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def shared_case(hub: HubUnderTest) -> str:
    """A new case forwarded to the police at intake, once its view reached the police."""
    story, case = FreshStory(), new_opaque_id("acc")
    with hub.client() as client, KafkaLogReader(hub.settings) as reader:
        # two partners' topics: the hub decides in arrival order, so the intake waits until
        # the signal it refers to is sealed
        sealed = reader.end_offset(hub.names.audit_log)
        client.publish(story.signal(case=case))
        client.flush()
        wait_for(
            lambda: reader.end_offset(hub.names.audit_log) > sealed,
            120,
            f"the signal of {case} sealed",
            hub.worker_logs,
        )
        client.publish(story.intake(case, outcome="FORWARD", forward_to="police"))
        client.flush()
    with PartnerClient("police", KafkaTransport(hub.settings), name="police-wait") as police:
        wait_for(
            lambda: case in police.snapshot(), 120, f"the police's view of {case}", hub.worker_logs
        )
    return case
