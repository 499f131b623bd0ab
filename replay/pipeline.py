"""Replay of a sealed log into the annual evaluation: verify, decode, fold, compute.

One pass over the source: each record is verified before its event is used, checkpoints
as they come due, and the evaluation is only computed once the whole source verified.
``evaluate_source`` is what both backends call, so the same history gives the same tables.
"""

from __future__ import annotations

import gc
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import ketenhub
from ketenhub.codec.event_reader import read_event
from ketenhub.codec.single_object import HEADER_SIZE
from ketenhub.contract.base import Event
from ketenhub.contract.schemas import SchemaVersion, catalogue
from ketenhub.core.sealing import SealedRecord, decode_sealed
from ketenhub.errors import CodecError, IntegrityError
from ketenhub.evaluation import Evaluation, EvaluationSettings, History, evaluate, history_for
from replay.sources import SealedLogSource
from replay.verify import LogVerifier, Verification, VerificationFailed

T = TypeVar("T")


class UndecodableEvent(CodecError):
    """A sealed record's event cannot be decoded with the schemas of this installation."""

    def __init__(self, offset: int, detail: str) -> None:
        self.offset = offset
        self.detail = detail
        super().__init__(
            f"audit.log offset {offset}: its event cannot be decoded ({detail}); install the "
            "ketenhub version whose schemas wrote it"
        )


@dataclass(frozen=True)
class Provenance:
    """What an evaluation was built on: the verification, the schemas read, the code."""

    verification: Verification | None
    failure: str | None
    schemas: tuple[SchemaVersion, ...]
    code_version: str
    skipped: int = 0

    @property
    def verified(self) -> bool:
        """Whether the whole history verified."""
        return self.failure is None


@dataclass(frozen=True)
class EvaluationRun:
    """An evaluation and what it was built on."""

    evaluation: Evaluation
    provenance: Provenance


class Replay:
    """One verified pass over a source, yielding each sealed record with its decoded event.

    Without ``allow_unverified`` the first fault raises ``VerificationFailed``. With it, the
    fault is kept in ``failure``, checking stops, and records that cannot be decoded are
    skipped and counted.
    """

    def __init__(self, source: SealedLogSource, *, allow_unverified: bool = False) -> None:
        self.source = source
        self.allow_unverified = allow_unverified
        self.failure: VerificationFailed | None = None
        self.verification: Verification | None = None
        self.fingerprints: set[bytes] = set()
        self.skipped = 0

    def events(self) -> Iterator[tuple[SealedRecord, Event]]:
        """Yield ``(record, event)`` in log order; verification ends when the source does."""
        verifier = self._guard(self._verifier)
        for offset, value in self.source.records():
            record = self._record(verifier, offset, value)
            if self.failure is not None:
                verifier = None
            if record is None:
                continue
            self.fingerprints.update((value[2:HEADER_SIZE], record.payload[2:HEADER_SIZE]))
            event = self._event(record.payload, record.sequence)
            if event is not None:
                yield record, event
        if verifier is not None and self.failure is None:
            self.verification = self._guard(lambda: verifier.finish(self.source.tail()))

    def only_events(self) -> Iterator[Event]:
        """Yield the events alone, in log order, checked as ``events`` checks them.

        A record is checked where it lies in its stored bytes (``LogVerifier.check``), and
        only its payload is taken out: what the evaluation folds needs no decoded record.
        """
        verifier = self._guard(self._verifier)
        seen = self.fingerprints
        for offset, value in self.source.records():
            payload: bytes | None
            if verifier is not None:
                try:  # as ``_guard`` does, without a closure per record
                    payload = verifier.check(offset, value)
                except IntegrityError as exc:
                    self._fault(exc)
                    verifier = None
                    payload = self._unverified_payload(offset, value)
            else:
                payload = self._unverified_payload(offset, value)
            if payload is None:
                continue
            seen.add(value[2:HEADER_SIZE])
            seen.add(payload[2:HEADER_SIZE])
            try:  # as ``_event`` does, without a call more per record
                event = read_event(payload)
            except CodecError as exc:
                if not self.allow_unverified:
                    raise UndecodableEvent(offset, str(exc)) from exc
                self.skipped += 1
                continue
            yield event
        if verifier is not None and self.failure is None:
            self.verification = self._guard(lambda: verifier.finish(self.source.tail()))

    def schemas(self) -> tuple[SchemaVersion, ...]:
        """The schema versions of everything read, by name and version."""
        found = [catalogue().by_fingerprint(f) for f in self.fingerprints]
        known = [s for s in found if s is not None]
        return tuple(sorted(known, key=lambda s: (s.full_name, s.version)))

    def _verifier(self) -> LogVerifier:
        source = self.source
        return LogVerifier(source.public_key(), source.checkpoints(), source.anchor())

    def _guard(self, step: Callable[[], T]) -> T | None:
        try:
            return step()
        except IntegrityError as exc:
            self._fault(exc)
            return None

    def _fault(self, exc: IntegrityError) -> None:
        """Raise ``exc`` unless unverified history is allowed; else keep the first fault."""
        if not self.allow_unverified:
            raise exc
        if self.failure is None:
            self.failure = _as_failure(exc)

    def _record(
        self, verifier: LogVerifier | None, offset: int, value: bytes
    ) -> SealedRecord | None:
        if verifier is not None:
            try:  # as ``_guard`` does, without a closure per record
                return verifier.feed(offset, value)
            except IntegrityError as exc:
                self._fault(exc)
        try:
            return decode_sealed(value, offset)
        except IntegrityError:
            self.skipped += 1
            return None

    def _unverified_payload(self, offset: int, value: bytes) -> bytes | None:
        """The payload of a record read after the first fault (None: undecodable, skipped)."""
        record = self._record(None, offset, value)
        return None if record is None else record.payload

    def _event(self, payload: bytes, sequence: int) -> Event | None:
        try:
            return read_event(payload)
        except CodecError as exc:
            if not self.allow_unverified:
                raise UndecodableEvent(sequence, str(exc)) from exc
            self.skipped += 1
            return None


def _as_failure(exc: IntegrityError) -> VerificationFailed:
    if isinstance(exc, VerificationFailed):
        return exc
    return VerificationFailed("the history read", str(exc))


def evaluate_source(
    source: SealedLogSource,
    year: int,
    baseline: int | None = None,
    *,
    settings: EvaluationSettings | None = None,
    allow_unverified: bool = False,
) -> EvaluationRun:
    """Verify ``source`` and compute the evaluation of ``year`` (beside ``baseline``) from it."""
    history = history_for(year, baseline)
    provenance = fold_source(source, history, allow_unverified=allow_unverified)
    with _history_frozen():
        evaluation = evaluate(history, year, baseline, settings)
    return EvaluationRun(evaluation, provenance)


def fold_source(
    source: SealedLogSource, history: History, *, allow_unverified: bool = False
) -> Provenance:
    """Verify ``source`` while folding its events into ``history``; return what it rested on."""
    replay = Replay(source, allow_unverified=allow_unverified)
    with _collections_paused():
        add = history.add
        for event in replay.only_events():
            add(event)
    return Provenance(
        verification=replay.verification,
        failure=None if replay.failure is None else str(replay.failure),
        schemas=replay.schemas(),
        code_version=code_version(),
        skipped=replay.skipped,
    )


@contextmanager
def _collections_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the history grows.

    The fold keeps a compact fact per event and frees almost nothing (and what it frees has
    no cycles: reference counting frees it at once), so each collection would walk the facts
    kept so far for nothing. Afterwards everything made meanwhile is handed to the oldest
    generation without being walked (``gc.freeze`` then ``gc.unfreeze``), and the collector
    runs again as it did before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


@contextmanager
def _history_frozen() -> Iterator[None]:
    """Leave what exists now (the folded history above all) out of collections for a while.

    Computing the tables allocates many short-lived objects; each full collection they cause
    would walk the millions of facts kept, none of them garbage. ``gc.freeze`` sets the
    objects alive now aside for the collector and ``gc.unfreeze`` hands them back after; what
    the tables allocate is collected as usual.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def code_version() -> str:
    """``ketenhub <version>`` and the git commit of the checkout it runs from, else ``unknown``."""
    return f"ketenhub {ketenhub.__version__}, git commit {_git_commit()}"


def _git_commit() -> str:
    root = Path(ketenhub.__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return "unknown"
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else "unknown"
