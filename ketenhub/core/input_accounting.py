"""Input accounting: every input the sealer consumed was decided exactly once, and nothing else.

The sealer's committed position on ``ingest.<partner>`` says which inputs it consumed. Each
of them must be accounted for exactly once: sealed (an audit.log record names it in its
``ketenhub_input`` header), refused (a ``rejected.<partner>`` record names it), or ignored as a
duplicate — its event has the same event id and content as a sealed or a refused event (the
sealer records a refused event once). An input accounted for nowhere, an input decided twice,
or a decision naming an input that does not exist or lies beyond the position is a history
that was cut or rewritten. Pure: the reading is the runtime's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from ketenhub import topics
from ketenhub.codec.single_object import decode_event
from ketenhub.core.admission import content_digest
from ketenhub.core.input_ref import INPUT_HEADER, InputRef, input_of
from ketenhub.core.sealing import SealedRecord
from ketenhub.errors import CodecError
from ketenhub.topic_log import Headers

Identity = tuple[UUID, bytes]
_INGEST, _REJECTED = topics.ingest(""), topics.rejected("")


@dataclass(frozen=True)
class IngestTopic:
    """One partner's ingest topic: its records (offset = index) and the sealer's position on it."""

    topic: str
    values: Sequence[bytes | None]
    position: int


@dataclass(frozen=True)
class AccountingFault:
    """An input (or a run of inputs) the decisions do not account for, or a decision gone astray."""

    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}"


@dataclass(frozen=True)
class InputAccounting:
    """How the consumed inputs were decided, and every fault found."""

    consumed: int
    sealed: int
    refused: int
    duplicates: int
    pending: int
    faults: tuple[AccountingFault, ...]


@dataclass
class _Tally:
    sealed: int = 0
    refused: int = 0
    duplicates: int = 0
    faults: list[AccountingFault] = field(default_factory=list)


@dataclass
class _Decisions:
    by_input: dict[InputRef, list[str]] = field(default_factory=dict)
    sealed_events: dict[str, list[bytes]] = field(default_factory=dict)
    refused: list[bytes | None] = field(default_factory=list)
    faults: list[AccountingFault] = field(default_factory=list)


class InputLedger:
    """Feed it the sealer's decisions (audit.log and rejected records); ask it to account."""

    def __init__(self, inputs: Iterable[IngestTopic]) -> None:
        self._ingest = {t.topic: t for t in inputs}
        self._decided = _Decisions()

    def add_sealed(self, offset: int, headers: Headers, record: SealedRecord) -> None:
        """Take in the audit.log record at ``offset``."""
        where = f"{topics.AUDIT_LOG} offset {offset}"
        value = self._decision(where, headers, topics.ingest(record.partner))
        if value is None:
            return
        if value != record.payload:
            self._fault(where, "its payload is not the bytes of the input it names")
        else:
            self._decided.sealed_events.setdefault(record.event_id, []).append(value)

    def add_refused(self, topic: str, offset: int, headers: Headers) -> None:
        """Take in the record of ``rejected.<partner>`` at ``offset``."""
        partner = topic.removeprefix(_REJECTED)
        value = self._decision(f"{topic} offset {offset}", headers, topics.ingest(partner))
        if value is not None:
            self._decided.refused.append(value)

    def account(self) -> InputAccounting:
        """Check every consumed input against the decisions taken in."""
        tally = _Tally(faults=list(self._decided.faults))
        known = _KnownEvents(self._decided.sealed_events, self._decided.refused)
        for ingest in self._ingest.values():
            self._account_topic(ingest, known, tally)
        return InputAccounting(
            consumed=sum(min(t.position, len(t.values)) for t in self._ingest.values()),
            sealed=tally.sealed,
            refused=tally.refused,
            duplicates=tally.duplicates,
            pending=sum(max(len(t.values) - t.position, 0) for t in self._ingest.values()),
            faults=tuple(tally.faults),
        )

    def _account_topic(self, ingest: IngestTopic, known: _KnownEvents, tally: _Tally) -> None:
        if ingest.position > len(ingest.values):
            detail = f"the sealer's position {ingest.position} lies beyond its last input"
            tally.faults.append(
                AccountingFault(f"{ingest.topic} offset {len(ingest.values)}", detail)
            )
        unaccounted: list[int] = []
        for offset in range(min(ingest.position, len(ingest.values))):
            wheres = self._decided.by_input.get(InputRef(ingest.topic, 0, offset), [])
            if len(wheres) > 1:
                detail = f"decided {len(wheres)} times: " + ", ".join(wheres)
                tally.faults.append(AccountingFault(f"{ingest.topic} offset {offset}", detail))
            elif wheres and wheres[0].startswith(topics.AUDIT_LOG):
                tally.sealed += 1
            elif wheres:
                tally.refused += 1
            elif known.holds(ingest.values[offset]):
                tally.duplicates += 1
            else:
                unaccounted.append(offset)
        tally.faults += _unaccounted_faults(ingest, unaccounted)

    def _decision(self, where: str, headers: Headers, own_topic: str) -> bytes | None:
        """Record that ``where`` decides the input it names; return that input's bytes if sound."""
        if not any(name == INPUT_HEADER for name, _ in headers):
            self._fault(where, "it names no input (no ketenhub_input header)")
            return None
        origin = input_of(headers)
        if origin is None or origin.partition != 0 or not origin.topic.startswith(_INGEST):
            self._fault(where, "it names no input on an ingest topic (a damaged ketenhub_input)")
            return None
        self._decided.by_input.setdefault(origin, []).append(where)
        ingest = self._ingest.get(origin.topic)
        where = f"{where} (input {origin})"
        problem = None
        if origin.topic != own_topic:
            problem = f"the input is not on the partner's own topic {own_topic}"
        elif ingest is None or origin.offset >= len(ingest.values):
            problem = "the input does not exist on the ingest topic"
        elif origin.offset >= ingest.position:
            problem = f"the input lies beyond the sealer's committed position {ingest.position}"
        if problem is not None or ingest is None:
            self._fault(where, problem or "the input does not exist")
            return None
        return ingest.values[origin.offset]

    def _fault(self, where: str, detail: str) -> None:
        self._decided.faults.append(AccountingFault(where, detail))


class _KnownEvents:
    """The identities of sealed and refused events, decoded only when an input needs them."""

    def __init__(self, sealed: dict[str, list[bytes]], refused: list[bytes | None]) -> None:
        self._sealed, self._refused_values = sealed, refused
        self._refused: set[Identity] | None = None

    def holds(self, value: bytes | None) -> bool:
        """Whether ``value`` is an event with the id and content of a sealed or refused one."""
        identity = _identity(value)
        if identity is None:
            return False
        same_id = self._sealed.get(str(identity[0]), [])
        if any(_identity(sealed) == identity for sealed in same_id):
            return True
        if self._refused is None:
            self._refused = {i for v in self._refused_values if (i := _identity(v)) is not None}
        return identity in self._refused


def _identity(value: bytes | None) -> Identity | None:
    """The event id and content digest of a message, if it decodes to an event."""
    try:
        event = decode_event(value or b"")
    except CodecError:
        return None
    return event.event_id, content_digest(event)


def _unaccounted_faults(ingest: IngestTopic, offsets: list[int]) -> list[AccountingFault]:
    """One fault per run of consecutive unaccounted offsets."""
    detail = (
        f"consumed by the sealer (its position is {ingest.position}) but neither sealed, refused, "
        "nor a duplicate of a sealed or refused event: its decision was removed"
    )
    runs: list[list[int]] = []
    for offset in offsets:
        if runs and runs[-1][1] == offset - 1:
            runs[-1][1] = offset
        else:
            runs.append([offset, offset])
    return [
        AccountingFault(f"{ingest.topic} {_offsets(first, last)}", detail) for first, last in runs
    ]


def _offsets(first: int, last: int) -> str:
    return f"offset {first}" if first == last else f"offsets {first}-{last}"
