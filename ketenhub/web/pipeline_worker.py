"""The embedded hub's pipeline, run by the web tier after accepted writes so that decisions follow.

On the embedded backend nobody else may be sealing: the web tier wakes this worker after
each write it accepts, and the worker runs the pipeline on its own thread as the data
folder's one writer (``EmbeddedHub.run`` takes the writer lock, as ``ketenhub publish``
does, waiting for another writer up to ``wait_s``). Writes that arrive during a run make
one more run follow. A run starts as long after it was asked for as the last run took (20 ms
to 1 s): a run costs more the longer the log (it restores the sealer from it), so under a
stream of writes each run takes in more of them, and a quiet hub decides within moments.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import structlog

from ketenhub.errors import KetenhubError
from ketenhub.runtime.embedded.hub import EmbeddedHub

log = structlog.get_logger("ketenhub.web")
MIN_GATHER_S, MAX_GATHER_S = 0.02, 1.0


class PipelineWorker:
    """A thread that seals and projects a data folder whenever it is woken."""

    def __init__(self, data_dir: Path, *, wait_s: float) -> None:
        self._data_dir, self._wait_s = data_dir, wait_s
        self._wanted = threading.Event()
        self._stopping = False
        self.runs = 0
        self._last_run_s = 0.0
        self._thread = threading.Thread(
            target=self._loop, name="ketenhub-web-pipeline", daemon=True
        )
        self._thread.start()

    @property
    def alive(self) -> bool:
        """Whether the thread is still there to run the pipeline."""
        return self._thread.is_alive()

    def wake(self) -> None:
        """Ask for a run (one more if a run is in progress)."""
        self._wanted.set()

    def stop(self) -> None:
        """Finish the run in progress, if any, and end the thread."""
        self._stopping = True
        self._wanted.set()
        self._thread.join()

    def _loop(self) -> None:
        hub = EmbeddedHub(self._data_dir)
        try:
            while True:
                self._wanted.wait()
                if self._stopping:
                    return
                # let a burst of writes gather into one run: as long as the last run took
                time.sleep(min(MAX_GATHER_S, max(MIN_GATHER_S, self._last_run_s)))
                self._wanted.clear()
                if self._stopping:  # asked to stop while gathering: that wake-up was just cleared
                    return
                started = time.monotonic()
                self._run(hub)
                self._last_run_s = time.monotonic() - started
        finally:
            hub.close()

    def _run(self, hub: EmbeddedHub) -> None:
        try:
            stats = hub.run(wait_s=self._wait_s, notify=self._tell_waiting)
        except KetenhubError as exc:  # e.g. WriterBusy: the next write wakes it again
            log.error("web_pipeline_failed", error=type(exc).__name__, detail=str(exc))
            return
        except Exception as exc:  # a bug must not end the thread: log it, try at the next write
            log.error("web_pipeline_failed", error=type(exc).__name__)
            return
        self.runs += 1
        log.info(
            "web_pipeline_ran",
            sealed=stats.sealed,
            rejected=stats.rejected,
            checkpoints=stats.checkpoints,
        )

    def _tell_waiting(self, message: str) -> None:
        log.info("web_pipeline_waiting", detail=message)
