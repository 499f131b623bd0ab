"""Taking in one event over the web: checked, protected, authorized, published once to the ingest topic.

The same path as every other publisher: a JSON event is read as one line of ``ketenhub
publish`` (identifiers pseudonymised, free text encrypted, the hub's field rules applied,
so a value the hub would refuse for what it holds is never stored); Avro single-object
bytes come with their CloudEvents attributes, checked as the hub checks them. Then:

- a role that may not record the type (or the signal channel) answers 403 naming the rule,
  and nothing is published;
- an event id this partner sent before with the same content is accepted again without a
  second message; with other content it answers 409;
- otherwise the message goes to ``ingest.<partner>``, and the hub decides it.

Functions named ``*_on_hub`` run on the hub's thread (``BackendThread``): they use the
backend and the key store. Errors are ``Problem``\\ s, whose details name fields and rules,
never a value sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ketenhub.codec.cloudevents import (
    CONTENT_TYPE,
    build_headers,
    check_agreement,
    parse_headers,
)
from ketenhub.codec.single_object import decode_event, encode_event
from ketenhub.contract.base import Event
from ketenhub.core.authorization import authorize
from ketenhub.core.field_check import check_fields
from ketenhub.core.partners import Partner, Role
from ketenhub.errors import CodecError
from ketenhub.json_events import InvalidEventLine, event_from_json
from ketenhub.web.backend import Backend, Headers, content_digest
from ketenhub.web.context import WebContext
from ketenhub.web.problems import (
    CONFLICTING_DUPLICATE,
    FORBIDDEN_EVENT_TYPE,
    INVALID_EVENT,
    Problem,
)

CE_HTTP_PREFIX = "ce-"
HttpHeaders = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Prepared:
    """An event ready to publish: the event, its encoded bytes and its Kafka headers."""

    event: Event
    value: bytes
    headers: Headers


@dataclass(frozen=True)
class Accepted:
    """An event the hub took in (or had taken in before: ``duplicate``)."""

    event_id: str
    event_type: str
    duplicate: bool


def json_event_on_hub(
    backend: Backend, partner: Partner, body: bytes, *, anonymous: bool | None = None
) -> Prepared:
    """Read one JSON event as ``partner`` publishes it; protect its identifiers and texts."""
    is_anonymous = partner.role is Role.ANONYMOUS_CHANNEL if anonymous is None else anonymous
    try:
        parsed = event_from_json(
            body,
            1,
            partner.id,
            backend.protector,
            anonymous=is_anonymous,
            registry=backend.registry,
        )
    except InvalidEventLine as exc:
        raise Problem(INVALID_EVENT, exc.detail) from None
    event = parsed.event
    try:
        value = encode_event(event)
    except CodecError as exc:
        raise Problem(INVALID_EVENT, f"the event cannot be encoded: {exc}") from None
    return Prepared(event, value, build_headers(event, partner.urn))


def avro_event(
    backend: Backend, partner: Partner, body: bytes, http_headers: HttpHeaders
) -> Prepared:
    """Read Avro single-object bytes with their CloudEvents HTTP headers (``ce-*``).

    ``ce-id`` becomes the Kafka header ``ce_id`` and so on (the CloudEvents HTTP and Kafka
    bindings); every ``ce-*`` header is kept, so one the hub does not know is refused.
    """
    attributes_given = [
        ("ce_" + name.lower()[len(CE_HTTP_PREFIX) :], value.encode())
        for name, value in http_headers
        if name.lower().startswith(CE_HTTP_PREFIX)
    ]
    headers = (*attributes_given, ("content-type", CONTENT_TYPE.encode()))
    try:
        attributes = parse_headers(headers)
        event = decode_event(body)
        check_agreement(attributes, event, partner.urn)
    except CodecError as exc:
        raise Problem(INVALID_EVENT, str(exc)) from None
    refusal = check_fields(backend.registry, event)
    if refusal is not None:
        raise Problem(INVALID_EVENT, str(refusal), extra={"rule": refusal.code.value})
    return Prepared(event, body, headers)


def check_authorized(backend: Backend, partner: Partner, event: Event) -> None:
    """403 when the partner's role may not record this event (the rule is named)."""
    refusal = authorize(backend.registry, partner, event)
    if refusal is not None:
        raise Problem(FORBIDDEN_EVENT_TYPE, refusal.reason, extra={"rule": refusal.code.value})


def publish_on_hub(backend: Backend, partner: Partner, prepared: Prepared) -> Accepted:
    """Publish once per event id: the same content again is accepted without a second message."""
    check_authorized(backend, partner, prepared.event)
    event_id = str(prepared.event.event_id)
    accepted = Accepted(event_id, prepared.event.EVENT_TYPE, duplicate=False)
    before = backend.ingested_digest(partner.id, event_id)
    if before == content_digest(prepared.value):
        return Accepted(event_id, prepared.event.EVENT_TYPE, duplicate=True)
    if before is not None:
        detail = f"you sent event {event_id} before with other content; give a new event a new id"
        raise Problem(CONFLICTING_DUPLICATE, detail)
    backend.publish(partner.id, prepared.value, prepared.headers)
    return accepted


def accept_json_on_hub(backend: Backend, partner: Partner, body: bytes) -> Accepted:
    """Read, check and publish one JSON event (on the hub's thread)."""
    return publish_on_hub(backend, partner, json_event_on_hub(backend, partner, body))


def accept_avro_on_hub(
    backend: Backend, partner: Partner, body: bytes, http_headers: HttpHeaders
) -> Accepted:
    """Read, check and publish one Avro event with its CloudEvents headers (on the hub's thread)."""
    return publish_on_hub(backend, partner, avro_event(backend, partner, body, http_headers))


async def accept_json_event(
    context: WebContext, partner_id: str, fields: Mapping[str, Any]
) -> Accepted:
    """Publish one event given as the fields of a JSON line, as ``partner_id`` (for the pages)."""
    partner = context.hub.backend.registry.get(partner_id)
    body = json.dumps(dict(fields), ensure_ascii=False).encode()
    return await context.hub.call(accept_json_on_hub, context.hub.backend, partner, body)
