"""A topic log whose stored records were removed or changed behind its back.

    LogError
    ├── RecordsMissing    a topic's recorded end lies beyond its records, or its offsets have a gap
    └── DamagedRecord     a stored row holds a value of the wrong type (text for bytes, ...)

Neither happens through the hub: its writes are transactions that keep offsets dense and types
right. Both mean the file was edited (or damaged) outside it; ``ketenhub verify`` reports them
as tampering, and the pipeline refuses to run on such a log rather than guess.
"""

from __future__ import annotations

from ketenhub.errors import LogError

_RESTORE = "run `ketenhub verify` and restore the data folder from a backup"


def offset_range(first: int, last: int) -> str:
    """``offset 4`` or ``offsets 4-7``."""
    return f"offset {first}" if first == last else f"offsets {first}-{last}"


class RecordsMissing(LogError):
    """Records of a topic are missing: deleted from its end, or a gap inside it."""

    def __init__(self, topic: str, first: int, last: int, end: int, *, at_end: bool) -> None:
        self.topic, self.first, self.last, self.end = topic, first, last, end
        one = first == last
        missing = f"the record{'' if one else 's'} at {offset_range(first, last)}"
        if at_end:
            detail = (
                f"its recorded end is offset {end} but its records stop before offset {first}: "
                f"{missing} {'was' if one else 'were'} removed"
            )
        else:
            detail = f"{missing} {'is' if one else 'are'} missing (a gap: later records are still stored)"
        super().__init__(f"topic {topic!r}: {detail}; {_RESTORE}")


class DamagedRecord(LogError):
    """A stored record holds something the hub never writes: a value of the wrong type."""

    def __init__(self, topic: str, offset: object, detail: str) -> None:
        self.topic, self.offset, self.detail = topic, offset, detail
        super().__init__(f"topic {topic!r} offset {offset}: damaged record: {detail}; {_RESTORE}")
