"""The pipeline's outbox on SQLite: a batch of effects and its positions commit together or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketenhub import topics
from ketenhub.core.input_ref import InputRef
from ketenhub.core.rejection import Rejection, RejectionCode
from ketenhub.pipeline.effects import (
    AppendCheckpoint,
    AppendRejected,
    AppendSealed,
    AppendView,
    CommitPosition,
    Effect,
)
from ketenhub.runtime.embedded.errors import WriterConflict
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from ketenhub.runtime.embedded.sqlite_outbox import SqliteOutbox

INGEST = "ingest.police"
TAG = (("ketenhub_input", b"ingest.police/0/0"),)
EFFECTS: list[Effect] = [
    AppendSealed(b"sealed", TAG, 0),
    CommitPosition(InputRef(INGEST, 0, 0)),
    AppendRejected(
        "police", b"refused", b"ingest.police/0/1", TAG, Rejection(RejectionCode.UNDECODABLE, "x")
    ),
    CommitPosition(InputRef(INGEST, 0, 1)),
    AppendCheckpoint(b"checkpoint"),
    AppendView("police", "case-1", None, (("ketenhub_sequence", b"0"),)),
]


def with_two_inputs(path: Path) -> SqliteTopicLog:
    """A log with two messages on ingest.police."""
    log = SqliteTopicLog(path)
    log.append(INGEST, b"first")
    log.append(INGEST, b"second")
    return log


def test_effects_are_written_to_their_topics_with_the_positions(tmp_path: Path) -> None:
    """Each effect lands on its topic with its key and headers; the last position is committed."""
    with with_two_inputs(tmp_path / "log.sqlite") as log:
        SqliteOutbox(log, "hub-sealer").commit(EFFECTS)
        (sealed,) = log.read(topics.AUDIT_LOG, 0)
        (refused,) = log.read(topics.rejected("police"), 0)
        (view,) = log.read(topics.view("police"), 0)
        assert (sealed.value, sealed.headers) == (b"sealed", TAG)
        assert (refused.value, refused.key) == (b"refused", b"ingest.police/0/1")
        assert log.read(topics.CHECKPOINTS, 0)[0].value == b"checkpoint"
        assert (view.key, view.value) == (b"case-1", None)
        assert log.committed("hub-sealer", INGEST) == 2


def test_a_guard_that_finds_another_writer_leaves_nothing_written(tmp_path: Path) -> None:
    """When the in-transaction re-check fails, no effect and no position is committed."""

    def moved() -> None:
        raise WriterConflict("the end of audit.log", 0, 1)

    with with_two_inputs(tmp_path / "log.sqlite") as log:
        with pytest.raises(WriterConflict):
            SqliteOutbox(log, "hub-sealer", moved).commit(EFFECTS)
        assert log.topics() == [INGEST]
        assert log.committed("hub-sealer", INGEST) == 0
