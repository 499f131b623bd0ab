"""The web tier's pipeline worker seals what is ingested and always stops when asked."""

from __future__ import annotations

import threading
from pathlib import Path

from ketenhub import topics
from ketenhub.runtime.embedded.hub import EmbeddedHub, create_hub
from ketenhub.web.pipeline_worker import PipelineWorker
from tests.unit.synthetic import Story
from tests.web.conftest import wait_until


def test_a_wake_up_seals_what_was_ingested(tmp_path: Path) -> None:
    """Events appended to an ingest topic are sealed after one wake-up."""
    create_hub(tmp_path)
    with EmbeddedHub(tmp_path) as hub:
        hub.publish(Story().signal("case-worker-1"))
    worker = PipelineWorker(tmp_path, wait_s=30)
    try:
        worker.wake()
        with EmbeddedHub(tmp_path) as hub:
            wait_until(lambda: hub.log.end_offset(topics.AUDIT_LOG) == 1, "the seal")
    finally:
        worker.stop()


def test_stopping_right_after_a_wake_up_never_hangs(tmp_path: Path) -> None:
    """A stop that comes while a wake-up is being gathered ends the thread (again and again)."""
    create_hub(tmp_path)
    for _ in range(20):
        worker = PipelineWorker(tmp_path, wait_s=30)
        worker.wake()
        stopper = threading.Thread(target=worker.stop)
        stopper.start()
        stopper.join(timeout=60)
        assert not stopper.is_alive(), "stop() hung: the worker missed the request to stop"
        assert not worker.alive
