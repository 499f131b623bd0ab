"""The embedded data folder as a source of sealed history: its log opened for replay, read-only.

Composed here, above both: the data folder's layout comes from ``HubFolder``, the log is the
embedded runtime's ``SqliteTopicLog``, and replay reads it only through the ``TopicReader``
port (``replay.sources.LogSource``).
"""

from __future__ import annotations

from pathlib import Path

from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from replay.sources import LogSource


class EmbeddedSource(LogSource):
    """The audit.log and checkpoints of an embedded hub's data folder (``HubNotFound`` if none)."""

    def __init__(self, data_dir: Path, public_key_file: Path | None = None) -> None:
        folder = HubFolder(data_dir)
        self._log = SqliteTopicLog(folder.require_log())
        folder.warn_if_exposed()
        self.data_dir = data_dir
        key_file = public_key_file or folder.keys.public_key_file
        super().__init__(self._log, key_file, f"embedded hub {data_dir}")

    def close(self) -> None:
        """Close the log file."""
        self._log.close()

    def __enter__(self) -> EmbeddedSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
