"""The pipeline's outbox on the embedded log: a batch of effects and its positions in one SQLite transaction.

Before writing, inside the write transaction (``BEGIN IMMEDIATE``), the ``guard`` re-checks
that no other writer moved what the effects were decided from; if it raises, nothing is
written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ketenhub import topics
from ketenhub.pipeline.effects import (
    AppendCheckpoint,
    AppendRejected,
    AppendSealed,
    AppendView,
    CommitPosition,
    Effect,
)
from ketenhub.topic_log import TopicLog


def unguarded() -> None:
    """A guard that checks nothing."""


class SqliteOutbox:
    """Commits effects atomically with the consumer group's positions they name."""

    def __init__(
        self, topic_log: TopicLog, group: str, guard: Callable[[], None] = unguarded
    ) -> None:
        self._log, self._group, self._guard = topic_log, group, guard

    def commit(self, effects: Sequence[Effect]) -> None:
        """Write ``effects`` in order in one transaction, after the guard's re-check.

        Of the positions committed on one topic, only the last is written (after the
        records): inside one transaction, the earlier ones would be replaced before anyone
        could read them.
        """
        with self._log.transaction():
            self._guard()
            positions: dict[str, CommitPosition] = {}
            for effect in effects:
                if isinstance(effect, CommitPosition):
                    positions[effect.input.topic] = effect
                else:
                    self._write(effect)
            for position in positions.values():
                self._commit(position)

    def _write(self, effect: AppendSealed | AppendRejected | AppendCheckpoint | AppendView) -> None:
        if isinstance(effect, AppendSealed):
            self._log.append(topics.AUDIT_LOG, effect.record, headers=effect.headers)
        elif isinstance(effect, AppendRejected):
            topic = topics.rejected(effect.partner)
            self._log.append(topic, effect.value, key=effect.key, headers=effect.headers)
        elif isinstance(effect, AppendCheckpoint):
            self._log.append(topics.CHECKPOINTS, effect.checkpoint)
        else:
            key = effect.case_id.encode()
            self._log.append(
                topics.view(effect.partner), effect.value, key=key, headers=effect.headers
            )

    def _commit(self, effect: CommitPosition) -> None:
        self._log.commit(self._group, effect.input.topic, effect.input.offset + 1)
