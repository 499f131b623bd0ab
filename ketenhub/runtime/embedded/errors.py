"""The errors of the embedded runtime's writers: a data folder that another process is sealing.

    LogError
    ├── WriterBusy        another process holds the data folder's writer lock (waited for it)
    └── WriterConflict    another writer moved audit.log, a checkpoint or a position under us

Both name what to do next; neither leaves anything half written.
"""

from __future__ import annotations

from pathlib import Path

from ketenhub.errors import LogError


class WriterBusy(LogError):
    """Another process seals and projects this data folder, and did not finish in time."""

    def __init__(self, data_dir: Path, holder: int | None, waited_s: float) -> None:
        self.data_dir = data_dir
        self.holder = holder
        self.waited_s = waited_s
        who = "another ketenhub process" if holder is None else f"ketenhub process {holder}"
        super().__init__(
            f"data folder {data_dir} is being sealed by {who} (it holds the writer lock); "
            f"waited {waited_s:g} s for it to finish: run again when it has finished, or stop it"
        )


class WriterConflict(LogError):
    """What this writer last saw of the log was changed by another writer: the batch was refused.

    Raised inside the write transaction, before anything of the batch is stored, so that a
    stale writer can never fork the chain or decide an input twice.
    """

    def __init__(self, what: str, expected: object, found: object) -> None:
        self.what = what
        self.expected = expected
        self.found = found
        super().__init__(
            f"another writer changed {what} since this process read it (expected {expected}, "
            f"found {found}); nothing of this batch was written: only one process may seal "
            "and project a data folder at a time"
        )
