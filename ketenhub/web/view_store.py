"""The partners' views kept locally: the last record per case of each ``view.<partner>`` topic.

Fed the records of the view topics in offset order per partition (``take``), it answers
what a partner sees now and which cases changed since a cursor. Cases that left a view
(a tombstone) are kept as removed entries, so that a reader resuming from an old cursor
learns that they left. The memory it needs grows with the number of cases, not of records.
"""

from __future__ import annotations

from ketenhub.topic_log import LogRecord
from ketenhub.web.backend import ViewCursor, ViewEntry


class ViewStore:
    """The current state of every case in one partner's view topic."""

    def __init__(self) -> None:
        self._entries: dict[str, ViewEntry] = {}
        self.cursor = ViewCursor()

    def take(self, partition: int, record: LogRecord) -> None:
        """Fold one record of the view topic (records without a key are not part of a view)."""
        if record.key is not None:
            case_id = record.key.decode(errors="replace")
            self._entries[case_id] = ViewEntry(
                case_id, record.value, partition, record.offset, record.timestamp_us
            )
        self.cursor = self.cursor.after(
            ViewEntry("", None, partition, record.offset, record.timestamp_us)
        )

    def current(self) -> dict[str, ViewEntry]:
        """Every case in the view now, by case id."""
        return {case: entry for case, entry in self._entries.items() if entry.data is not None}

    def get(self, case_id: str) -> ViewEntry | None:
        """One case in the view now, if it is there."""
        entry = self._entries.get(case_id)
        return entry if entry is not None and entry.data is not None else None

    def changes(self, since: ViewCursor) -> tuple[list[ViewEntry], ViewCursor]:
        """Every case whose last record lies at or after ``since``, in cursor order; the cursor after."""
        changed = sorted(
            (e for e in self._entries.values() if e.offset >= since.next_offset(e.partition)),
            key=lambda e: (e.partition, e.offset),
        )
        width = max(len(since.next_offsets), len(self.cursor.next_offsets))
        ahead = tuple(max(since.next_offset(p), self.cursor.next_offset(p)) for p in range(width))
        return changed, ViewCursor(ahead)
