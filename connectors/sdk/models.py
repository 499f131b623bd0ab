"""What the SDK hands a partner's system: receipts, case views, removals and rejected messages."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, SkipValidation

from ketenhub.codec.views import decode_view, view_document
from ketenhub.contract import view_records as views
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.errors import CodecError

_HEADER_FIELDS = ("case_id", "phase", "status", "visible_because")
_EVENT_TYPES = {model.CLOUDEVENT_TYPE: name for name, model in EVENT_MODELS.items()}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Position(_Frozen):
    """Where a message sits: topic, partition and offset."""

    topic: str
    partition: int
    offset: int


class Receipt(_Frozen):
    """Proof that the hub's ingest topic stored an event (it is decided later, by the hub)."""

    event_id: UUID
    event_type: str
    case_id: str | None
    position: Position


class CaseView(_Frozen):
    """A partner's current view of one case, as the hub projected it for that partner's role.

    ``record`` is the typed view record (``ketenhub.contract.view_records.CaseView``, whose
    ``content`` is the role's record type). ``phase`` and ``status`` are absent from roles that
    do not see them (care providers); ``sections`` holds the rest of the view as JSON-able
    data (signal, forwards, actions, referrals, ... depending on the role).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    partner: str
    case_id: str
    phase: str | None
    status: str | None
    visible_because: tuple[str, ...]
    sections: dict[str, Any]
    position: Position
    record: Annotated[views.CaseView, SkipValidation]

    def section(self, name: str) -> dict[str, Any]:
        """One section of the view as a dict (empty when the role does not see it)."""
        value = self.sections.get(name)
        return value if isinstance(value, dict) else {}


class CaseRemoved(_Frozen):
    """The partner lost sight of a case (its reason was revoked): a tombstone on its view topic."""

    partner: str
    case_id: str
    position: Position


ViewUpdate = CaseView | CaseRemoved


class RejectedMessage(_Frozen):
    """A message of this partner that the hub refused, with the rule broken and the original bytes."""

    partner: str
    code: str
    reason: str
    event_id: str | None
    event_type: str | None
    case_id: str | None
    source: Position | None
    value: bytes
    position: Position


def view_update(
    partner: str, key: bytes | None, value: bytes | None, position: Position
) -> ViewUpdate:
    """Turn one record of ``view.<partner>`` into a case view, or a removal for a tombstone."""
    if key is None:
        msg = f"record at {position.topic}@{position.offset} has no case id key"
        raise CodecError(msg)
    case_id = key.decode()
    if value is None:
        return CaseRemoved(partner=partner, case_id=case_id, position=position)
    try:
        record = decode_view(value)
    except CodecError as exc:
        msg = f"view of case {case_id!r} at {position.topic}@{position.offset} is not a view record: {exc}"
        raise CodecError(msg) from exc
    content = record.content
    header = None if isinstance(content, views.CareView) else content
    return CaseView(
        partner=partner,
        case_id=record.case_id,
        phase=None if header is None else header.phase,
        status=None if header is None else str(header.status),
        visible_because=record.visible_because,
        sections={k: v for k, v in view_document(record).items() if k not in _HEADER_FIELDS},
        position=position,
        record=record,
    )


def rejected_message(
    partner: str, value: bytes | None, headers: tuple[tuple[str, bytes], ...], position: Position
) -> RejectedMessage:
    """Turn one record of ``rejected.<partner>`` into a rejected message with its code and reason."""
    found = {name: data.decode("utf-8", errors="replace") for name, data in headers}
    ce_type = found.get("ce_type")
    return RejectedMessage(
        partner=partner,
        code=found.get("ketenhub_rejection_code", "UNKNOWN"),
        reason=found.get("ketenhub_rejection_reason", "(no reason recorded)"),
        event_id=found.get("ce_id"),
        event_type=_EVENT_TYPES.get(ce_type, ce_type) if ce_type is not None else None,
        case_id=found.get("ce_subject"),
        source=_source(found),
        value=value or b"",
        position=position,
    )


def _source(headers: dict[str, str]) -> Position | None:
    """Where the refused message was ingested (``ketenhub_input`` is topic/partition/offset)."""
    parts = headers.get("ketenhub_input", "").rsplit("/", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return Position(topic=parts[0], partition=int(parts[1]), offset=int(parts[2]))
    topic, offset = headers.get("ketenhub_source_topic"), headers.get("ketenhub_source_offset")
    if topic is not None and offset is not None and offset.isdigit():
        return Position(topic=topic, partition=0, offset=int(offset))
    return None
