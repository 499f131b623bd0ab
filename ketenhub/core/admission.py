"""Admission: decide for one ingested message whether it is sealed, a duplicate, or rejected."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from ketenhub.codec.cloudevents import check_agreement, parse_headers
from ketenhub.codec.event_reader import read_event
from ketenhub.codec.event_writer import encode_event_compiled
from ketenhub.contract.base import Event
from ketenhub.core.authorization import authorize
from ketenhub.core.ledger import Ledger
from ketenhub.core.partners import Partner, PartnerRegistry
from ketenhub.core.rejection import Rejection, RejectionCode
from ketenhub.core.validation import validate
from ketenhub.errors import CodecError, InvalidCloudEventHeaders, UnknownSchemaFingerprint


@dataclass(frozen=True)
class Inspected:
    """A message that decoded, has agreeing headers and that its partner may record."""

    event: Event
    payload: bytes
    digest: bytes


@dataclass(frozen=True)
class Admitted:
    """An event to seal."""

    inspected: Inspected


@dataclass(frozen=True)
class Duplicate:
    """An event already sealed with exactly this content: delivering it twice changes nothing."""

    event_id: UUID


Admission = Admitted | Duplicate | Rejection


def content_digest(event: Event) -> bytes:
    """SHA-256 of the event encoded with the newest schema: equal for equal content."""
    return hashlib.sha256(encode_event_compiled(event)).digest()


def inspect(
    registry: PartnerRegistry, partner: Partner, value: bytes, headers: Sequence[tuple[str, bytes]]
) -> Inspected | Rejection:
    """Check what needs no history: the bytes decode, headers agree, the partner may record it."""
    try:
        event = read_event(value)
    except UnknownSchemaFingerprint as exc:
        return Rejection(RejectionCode.UNKNOWN_SCHEMA, str(exc))
    except CodecError as exc:
        return Rejection(RejectionCode.UNDECODABLE, str(exc))
    try:
        check_agreement(parse_headers(headers), event, partner.urn)
    except InvalidCloudEventHeaders as exc:
        return Rejection(RejectionCode.INVALID_HEADERS, exc.detail)
    refusal = authorize(registry, partner, event)
    if refusal is not None:
        return refusal
    return Inspected(event, value, content_digest(event))


def judge(
    ledger: Ledger, registry: PartnerRegistry, inspected: Inspected, now: dt.datetime
) -> Admission:
    """Check what needs the history in ``ledger``: duplicates, references, phase order, time."""
    event = inspected.event
    seen = ledger.event_digests.get(event.event_id)
    if seen == inspected.digest:
        return Duplicate(event.event_id)
    if seen is not None:
        return Rejection(
            RejectionCode.CONFLICTING_DUPLICATE,
            f"event id {event.event_id} was already sealed with different content; "
            "a correction is a new event with a new id",
        )
    refusal = validate(ledger, registry, event, now)
    return refusal if refusal is not None else Admitted(inspected)


def admit(
    ledger: Ledger,
    registry: PartnerRegistry,
    partner: Partner,
    value: bytes,
    headers: Sequence[tuple[str, bytes]],
    now: dt.datetime,
) -> Admission:
    """Inspect and judge one message from ``ingest.<partner>``."""
    inspected = inspect(registry, partner, value, headers)
    if isinstance(inspected, Rejection):
        return inspected
    return judge(ledger, registry, inspected, now)
