"""Recording the command line's reads of personal case data in access.log, before anything is shown.

A command that shows case data (``view``, ``replay``, ``archive``, ``subject-report``, the
drill-down of ``evaluate``) builds
one processing record per case it is about to show and has the hub seal them first; if that
fails the command stops with the reason and shows nothing. The reader is the hub's command
line (system ``cli``) acting on a partner's view, named by the operating-system user id
(``uid:N``), never a name; the purpose is ``--purpose``, else the default of the role whose
data is read, else ``ACCOUNTABILITY``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import click

from ketenhub.codec.single_object import decode_event
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.processing import (
    Actor,
    ActorKind,
    ProcessingRecord,
    ReadOperation,
    records_for,
)
from ketenhub.core.sealing import SealedRecord, decode_sealed

ACCOUNTABILITY = "ACCOUNTABILITY"


class ReadRecorder(Protocol):
    """A hub that seals processing records (both backends)."""

    registry: PartnerRegistry

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None: ...


purpose_option = click.option(
    "--purpose",
    metavar="PURPOSE",
    default=None,
    help="Why the data is read, from the registry's read purposes (recorded in access.log); "
    "default: the purpose of the role whose data is read.",
)


def cli_actor(partner: str | None) -> Actor:
    """The command line acting on ``partner``'s data, named by the operating-system user id."""
    return Actor(ActorKind.SYSTEM, "cli", partner=partner, actor_id=f"uid:{os.getuid()}")


def record_cli_reads(
    hub: ReadRecorder,
    partner: str | None,
    cases: Mapping[str, object],
    operation: ReadOperation,
    purpose: str | None,
) -> None:
    """Seal one processing record per case of ``cases`` (case id: the document shown)."""
    registry = hub.registry
    if purpose is not None:
        chosen = registry.read_purpose(purpose)
    elif partner is not None:
        chosen = registry.default_read_purpose(registry.get(partner).role)
    else:
        chosen = registry.read_purpose(ACCOUNTABILITY)
    now = dt.datetime.now(dt.UTC)
    hub.record_reads(records_for(cases, cli_actor(partner), operation, chosen, now))


def cases_sealed_in(stored: Iterable[tuple[int, bytes]], year: int) -> dict[str, object]:
    """The cases with records of ``audit.log`` sealed in ``year`` (UTC), each with its events."""
    return cases_of(stored, lambda record: record.sealed_at.year == year)


def cases_of(
    stored: Iterable[tuple[int, bytes]], keep: Callable[[SealedRecord], bool]
) -> dict[str, object]:
    """The cases of the records of ``audit.log`` that ``keep`` selects, each with its events."""
    cases: dict[str, list[object]] = {}
    for offset, value in stored:
        record = decode_sealed(value, offset)
        if record.case_id is None or not keep(record):
            continue
        event = decode_event(record.payload)
        cases.setdefault(record.case_id, []).append(event.model_dump())
    return dict(cases)
