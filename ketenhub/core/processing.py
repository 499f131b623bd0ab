"""Processing records: who read which case and whose data, when, how, why and on what basis.

Every read of personal case data becomes one ``ProcessingRecord`` per case read (the Logboek
Dataverwerkingen idea), sealed into access.log (``ketenhub.core.access_log``). A record
names data subjects by pseudonym only and readers by opaque ids (a token id, a web user id,
a client name, ``uid:N``): ``check_record`` refuses one with anything else where an id
belongs, so a record can never carry clear personal data. On the wire it is the Avro record
``nl.ketenhub.audit.ProcessingRecord``, single-object encoded, as the payload of a sealed
record. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ketenhub.codec.single_object import decode_datum, encode_datum, latest_schema
from ketenhub.contract.schemas import AUDIT_NAMESPACE, SchemaVersion
from ketenhub.core.identifiers import PSEUDONYM_PATTERN, is_opaque_id, is_pseudonym
from ketenhub.core.personal_data import find_personal_data
from ketenhub.errors import CodecError, IntegrityError

PROCESSING_RECORD_TYPE = "ProcessingRecord"


class ActorKind(enum.StrEnum):
    """Who reads: a partner's system, a person signed in for a partner, or the hub's own tooling."""

    PARTNER = "PARTNER"
    USER = "USER"
    SYSTEM = "SYSTEM"


class ReadOperation(enum.StrEnum):
    """Every way the hub lets personal case data be read (a closed list)."""

    CLI_VIEW = "cli.view"
    CLI_VIEW_LIST = "cli.view.list"
    CLI_REPLAY = "cli.replay"
    CLI_ARCHIVE = "cli.archive"
    CLI_SUBJECT_REPORT = "cli.subject-report"
    EVALUATION_DRILLDOWN = "evaluation.drilldown"
    SDK_VIEWS = "sdk.views"
    SDK_SNAPSHOT = "sdk.snapshot"
    API_CASE_LIST = "api.cases.list"
    API_CASE = "api.cases.get"
    API_VIEW_STREAM = "api.views.stream"
    PAGE_CASE_LIST = "page.cases.list"
    PAGE_CASE = "page.cases.get"
    PAGE_CONTROL_DAY = "page.control-days.get"
    PROTECT_PSEUDONYMS = "api.protection.pseudonyms"
    PROTECT_CASE_SUBJECTS = "api.protection.case-subjects"
    PROTECT_ENCRYPT = "api.protection.encryptions"
    PROTECT_EVENT_ID = "api.protection.event-ids"
    PROTECT_DIGEST = "api.protection.digests"


@dataclass(frozen=True)
class Actor:
    """Who reads: its kind, the partner it reads for, an opaque id of it and the component."""

    kind: ActorKind
    system: str
    partner: str | None = None
    actor_id: str | None = None


@dataclass(frozen=True)
class ProcessingRecord:
    """One read of one case's personal data (or of one data subject's, without a case)."""

    read_at: dt.datetime
    actor: Actor
    operation: ReadOperation
    purpose: str
    legal_basis: str
    case_id: str | None
    subjects: tuple[str, ...]


class ProcessingRecordInvalid(IntegrityError):
    """A processing record would carry something other than ids and codes: it is not written."""

    def __init__(self, field: str, rule: str) -> None:
        self.field, self.rule = field, rule
        super().__init__(f"processing record field {field!r}: {rule}; the read is refused")


def subjects_in(document: object) -> tuple[str, ...]:
    """Every pseudonym anywhere in a JSON-like document (a view, an event), sorted, once each."""
    found: set[str] = set()
    _collect(document, found)
    return tuple(sorted(found))


def _collect(value: object, found: set[str]) -> None:
    if isinstance(value, str):
        found.update(PSEUDONYM_PATTERN.findall(value))
    elif isinstance(value, Mapping):
        for name, item in value.items():  # victims and referrals are keyed by pseudonym
            _collect(name, found)
            _collect(item, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect(item, found)


def records_for(
    cases: Mapping[str, object],
    actor: Actor,
    operation: ReadOperation,
    purpose: tuple[str, str],
    read_at: dt.datetime,
) -> list[ProcessingRecord]:
    """One record per case read, its subjects taken from the document read (``purpose``: code, basis)."""
    code, basis = purpose
    return [
        ProcessingRecord(read_at, actor, operation, code, basis, case_id, subjects_in(document))
        for case_id, document in sorted(cases.items())
    ]


def check_record(record: ProcessingRecord) -> None:
    """Raise ``ProcessingRecordInvalid`` unless every id is opaque and every subject a pseudonym."""
    ids: Iterable[tuple[str, str | None]] = (
        ("partner", record.actor.partner),
        ("actor_id", record.actor.actor_id),
        ("system", record.actor.system),
        ("case_id", record.case_id),
    )
    for field, value in ids:
        if value is not None and not _is_plain_id(value):
            raise ProcessingRecordInvalid(field, "must be an opaque id (letters, digits, -, :)")
    for subject in record.subjects:
        if not is_pseudonym(subject):
            rule = "every data subject must be a pseudonym"
            field = "subjects"
            raise ProcessingRecordInvalid(field, rule)
    for field, value in (("purpose", record.purpose), ("legal_basis", record.legal_basis)):
        if not value or find_personal_data(value) is not None:
            raise ProcessingRecordInvalid(field, "must be a code of the registry")


def _is_plain_id(value: str) -> bool:
    """An opaque id, also with a ``kind:`` prefix (``uid:1000``): the hub's own ids and names.

    Only the format is checked: a random token or user id may hold a run of digits that
    looks like a number, and refusing it would refuse that reader's every read.
    """
    return is_opaque_id(value.replace(":", "-"))


def processing_record_schema() -> SchemaVersion:
    """The schema version processing records are written with."""
    return latest_schema(f"{AUDIT_NAMESPACE}.{PROCESSING_RECORD_TYPE}")


def encode_processing_record(record: ProcessingRecord) -> bytes:
    """A record as single-object Avro (after ``check_record``)."""
    check_record(record)
    return encode_datum(processing_record_schema(), _datum(record))


def decode_processing_record(value: bytes) -> ProcessingRecord:
    """A record from its single-object Avro bytes (``CodecError`` if they are not one)."""
    writer, datum = decode_datum(value, processing_record_schema())
    if writer.name != PROCESSING_RECORD_TYPE:
        msg = f"the payload is a {writer.name}, not a {PROCESSING_RECORD_TYPE}"
        raise CodecError(msg)
    actor = Actor(
        kind=ActorKind(datum["actor_kind"]),
        system=datum["system"],
        partner=datum["partner"],
        actor_id=datum["actor_id"],
    )
    return ProcessingRecord(
        read_at=datum["read_at"],
        actor=actor,
        operation=ReadOperation(datum["operation"]),
        purpose=datum["purpose"],
        legal_basis=datum["legal_basis"],
        case_id=datum["case_id"],
        subjects=tuple(datum["subjects"]),
    )


def _datum(record: ProcessingRecord) -> dict[str, Any]:
    return {
        "read_at": record.read_at.astimezone(dt.UTC),
        "actor_kind": record.actor.kind.value,
        "partner": record.actor.partner,
        "actor_id": record.actor.actor_id,
        "system": record.actor.system,
        "operation": record.operation.value,
        "purpose": record.purpose,
        "legal_basis": record.legal_basis,
        "case_id": record.case_id,
        "subjects": list(record.subjects),
    }
