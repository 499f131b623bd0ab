"""A topic log whose stored records were removed or changed behind its back.

    LogError
    ├── RecordsMissing    a topic's recorded end lies beyond its records, or its offsets have a gap
    │                     (defined with the reading protocol, in ketenhub.topic_log)
    └── DamagedRecord     a stored row holds a value of the wrong type (text for bytes, ...)

Neither happens through the hub: its writes are transactions that keep offsets dense and types
right. Both mean the file was edited (or damaged) outside it; ``ketenhub verify`` reports them
as tampering, and the pipeline refuses to run on such a log rather than guess.
"""

from __future__ import annotations

from ketenhub.errors import LogError
from ketenhub.topic_log import RecordsMissing

__all__ = ["DamagedRecord", "RecordsMissing"]  # RecordsMissing is kept importable from here

_RESTORE = "run `ketenhub verify` and restore the data folder from a backup"


class DamagedRecord(LogError):
    """A stored record holds something the hub never writes: a value of the wrong type."""

    def __init__(self, topic: str, offset: object, detail: str) -> None:
        self.topic, self.offset, self.detail = topic, offset, detail
        super().__init__(f"topic {topic!r} offset {offset}: damaged record: {detail}; {_RESTORE}")
