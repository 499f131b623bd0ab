"""The writer lock: one process at a time seals and projects the embedded hub of a data folder.

An exclusive ``flock`` on ``writer.lock`` in the data folder. The operating system releases it
when its holder ends, however it ends (``kill -9`` included), so a lock is never stale. The
file holds the holder's process id and nothing else, and is created readable by its owner
only (0600). A second writer waits for the holder, saying so once on standard error, and
gives up with ``WriterBusy`` (naming the holder's pid) after ``wait_s`` seconds.

Publishing (appending to ``ingest.<partner>``) does not take the lock: SQLite serialises
those short writes, so partners can publish while the pipeline runs.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import structlog

from ketenhub.runtime.embedded.errors import WriterBusy

LOCK_FILE = "writer.lock"
DEFAULT_WAIT_S = 300.0
_POLL_S = 0.05
log = structlog.get_logger("ketenhub.runtime.embedded")

Notify = Callable[[str], None]


def tell_stderr(message: str) -> None:
    """Write one line to standard error (where a waiting command tells its user why)."""
    print(message, file=sys.stderr, flush=True)


class WriterLock:
    """The exclusive writer lock of one data folder; use ``with`` to hold it."""

    def __init__(
        self, data_dir: Path, *, wait_s: float = DEFAULT_WAIT_S, notify: Notify = tell_stderr
    ) -> None:
        self.path = data_dir / LOCK_FILE
        self._data_dir, self._wait_s, self._notify = data_dir, wait_s, notify
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``wait_s`` seconds for its holder; raise WriterBusy."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            self._wait_for(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (closing the file releases it)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def holder(self) -> int | None:
        """The process id written by the lock's current or last holder, if readable."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def _wait_for(self, fd: int) -> None:
        deadline = time.monotonic() + self._wait_s
        told, last = False, None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                holder = self.holder()
                if time.monotonic() >= deadline:
                    raise WriterBusy(self._data_dir, holder, self._wait_s) from None
                if not told or holder != last:
                    told, last = True, holder
                    self._tell_waiting(holder)
                time.sleep(_POLL_S)

    def _tell_waiting(self, holder: int | None) -> None:
        who = "another writer" if holder is None else f"the writer with pid {holder}"
        log.info("writer_lock_waiting", holder=holder)
        self._notify(
            f"waiting for {who} to finish sealing {self._data_dir} (up to {self._wait_s:g} s)…"
        )

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
