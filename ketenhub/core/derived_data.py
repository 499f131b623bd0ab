"""Derived data checked against audit.log: partner views and rejected-record indexes.

Views are a pure function of the sealed prefix the projector consumed, so the stored
``view.<partner>`` topics (latest record per case, a tombstone meaning "no view") must equal
the views rebuilt from that prefix, byte for byte. Rejections are the sealer's refusals: each
record of ``rejected.<partner>`` must name, in its ``ketenhub_input`` header, an input of that
partner's own ingest topic that exists, keep that input's original bytes (or, withheld, none:
a field may have held personal data in clear), and point at an input that was neither sealed
nor rejected before. Every difference is reported, not only the
first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ketenhub.core.input_ref import InputRef, input_of
from ketenhub.core.refused_inputs import withheld
from ketenhub.topic_log import LogRecord


@dataclass(frozen=True)
class Difference:
    """One stored view or rejection that the log does not account for."""

    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}"


def view_differences(
    view_topic: str, rebuilt: Mapping[str, bytes], stored: Mapping[str, bytes | None]
) -> list[Difference]:
    """Compare a partner's rebuilt views with its stored ones (``None``: a tombstone), by case."""
    found = []
    for case_id in sorted(set(rebuilt) | set(stored)):
        expected, actual = rebuilt.get(case_id), stored.get(case_id)
        if expected == actual:
            continue
        where = f"{view_topic} case {case_id}"
        if expected is None:
            detail = "the view exists but audit.log gives this partner no reason to see the case"
        elif actual is None:
            detail = (
                "the view is missing (deleted, or removed by a tombstone the log does not explain)"
            )
        else:
            detail = "the stored view differs from the view rebuilt from audit.log"
        found.append(Difference(where, detail))
    return found


@dataclass(frozen=True)
class Inputs:
    """What the sealer's outputs say about inputs: the ingested bytes and the sealed inputs."""

    ingested: Mapping[InputRef, bytes | None]
    sealed: frozenset[InputRef]


def sealed_inputs(audit: Iterable[LogRecord]) -> frozenset[InputRef]:
    """The input ids the records of audit.log were sealed from."""
    return frozenset(origin for r in audit if (origin := input_of(r.headers)) is not None)


def ingested_inputs(ingest: Iterable[LogRecord]) -> dict[InputRef, bytes | None]:
    """The records of an embedded ingest topic by input."""
    return {InputRef(r.topic, 0, r.offset): r.value for r in ingest}


def rejection_differences(
    rejected_topic: str, ingest_topic: str, rejected: Iterable[LogRecord], inputs: Inputs
) -> list[Difference]:
    """Check each rejected record against the partner's inputs and the sealer's other decisions."""
    found, seen = [], set[InputRef]()
    for record in rejected:
        where = f"{rejected_topic} offset {record.offset}"
        origin = input_of(record.headers)
        if origin is None:
            found.append(Difference(where, "it names no input (no valid ketenhub_input header)"))
            continue
        problem = _rejection_problem(origin, ingest_topic, record, inputs, seen)
        if problem is not None:
            found.append(Difference(f"{where} (input {origin})", problem))
        seen.add(origin)
    return found


def _rejection_problem(
    origin: InputRef, ingest_topic: str, record: LogRecord, inputs: Inputs, seen: set[InputRef]
) -> str | None:
    if origin.topic != ingest_topic:
        return f"the input is not on this partner's own topic {ingest_topic}"
    if origin not in inputs.ingested:
        return "the input does not exist on the ingest topic"
    if origin in inputs.sealed:
        return "the input was sealed into audit.log, yet it is listed as rejected"
    if origin in seen:
        return "the input is rejected twice"
    if inputs.ingested[origin] != record.value and not withheld(record):
        return "the rejected record does not keep the input's original bytes"
    return None
