"""Who read what: the one function through which every read of a case on the web is recorded.

Every read of a case through the API or a page calls ``record_case_reads`` with who read
(partner, and the token or the user), the cases as they are about to be shown, and how
(the operation). Before the answer goes out, one processing record per case — who, which
case, the data subjects in it (pseudonyms), when, the operation, the purpose of the
partner's role and its legal basis from the registry — is sealed into access.log through the
backend. If that fails, ``ReadNotRecorded`` propagates and the request fails: nothing is
shown that was not recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import structlog

from ketenhub.core.processing import (
    Actor,
    ActorKind,
    ProcessingRecord,
    ReadOperation,
    records_for,
)
from ketenhub.protection.interface import Protector
from ketenhub.web.backend import BackendThread

log = structlog.get_logger("ketenhub.web.reads")
SUBJECT_REFERENCE_PURPOSE = "access-record-subject"


@dataclass(frozen=True)
class Reader:
    """Who reads: a partner, through one of its tokens or as one of its users."""

    partner: str
    token_id: str | None = None
    user_id: str | None = None
    system: str = "web"  # "sdk" for reads a partner's SDK reports from its own view topic

    def actor(self) -> Actor:
        """The reader as the access log names it: a partner's system (token) or a person (user)."""
        if self.user_id is not None:
            return Actor(ActorKind.USER, self.system, partner=self.partner, actor_id=self.user_id)
        return Actor(ActorKind.PARTNER, self.system, partner=self.partner, actor_id=self.token_id)


async def record_case_reads(
    hub: BackendThread,
    reader: Reader,
    cases: Mapping[str, object],
    operation: ReadOperation,
) -> None:
    """Seal that ``reader`` reads ``cases`` (case id: what is shown) now, by ``operation``."""
    if not cases:
        return
    now = dt.datetime.now(dt.UTC)
    records = records_for(cases, reader.actor(), operation, _purpose(hub, reader), now)
    await _seal(hub, reader, operation, records)


async def record_processing(
    hub: BackendThread,
    reader: Reader,
    operation: ReadOperation,
    subjects: Iterable[str],
    case_id: str | None = None,
) -> None:
    """Seal that ``reader`` had the hub process ``subjects``' data (of ``case_id``, if one) now.

    For the protection service: pseudonymising an identifier, encrypting a text for a
    subject, naming a case's subject. One record, its subjects by pseudonym.
    """
    code, basis = _purpose(hub, reader)
    record = ProcessingRecord(
        dt.datetime.now(dt.UTC),
        reader.actor(),
        operation,
        code,
        basis,
        case_id,
        tuple(sorted(set(subjects))),
    )
    await _seal(hub, reader, operation, [record])


def _purpose(hub: BackendThread, reader: Reader) -> tuple[str, str]:
    registry = hub.backend.registry
    return registry.default_read_purpose(registry.get(reader.partner).role)


def subject_reference(protector: Protector, pseudonym: str) -> str:
    """How the server's log names a data subject: keyed, not even the pseudonym.

    access.log names subjects by pseudonym; the log line of a read names them by this keyed
    reference only, so the server's log can tell that calls concern one subject and no more.
    """
    return f"subject-{protector.digest(SUBJECT_REFERENCE_PURPOSE, pseudonym.encode())[:24]}"


async def _seal(
    hub: BackendThread, reader: Reader, operation: ReadOperation, records: list[ProcessingRecord]
) -> None:
    await hub.call(hub.backend.record_reads, records)
    subjects = sorted({s for record in records for s in record.subjects})
    backend = hub.backend  # its protector is used on the hub's thread only
    refs = await hub.call(lambda: [subject_reference(backend.protector, s) for s in subjects])
    log.info(
        "reads_recorded",
        partner=reader.partner,
        operation=operation.value,
        records=len(records),
        cases=[r.case_id for r in records if r.case_id is not None],
        subjects=refs,
    )
