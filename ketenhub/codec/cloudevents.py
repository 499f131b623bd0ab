"""CloudEvents attributes as Kafka headers (binary content mode, NL GOV profile)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ketenhub.codec.uuid_text import uuid_text
from ketenhub.contract.base import Event
from ketenhub.errors import InvalidCloudEventHeaders

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/avro"
SOURCE_URN = re.compile(r"^urn:nld:oin:[0-9]{20}:systeem:[a-z0-9][a-z0-9-]*$")
KNOWN_HEADERS = (
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_time",
    "ce_subject",
    "content-type",
)
Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class CloudEventAttributes:
    """The context attributes of one event; they carry no personal data."""

    id: str
    source: str
    type: str
    time: dt.datetime
    subject: str | None


def format_time(moment: dt.datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with microseconds (four-digit years)."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc.year:04d}-" + utc.strftime("%m-%dT%H:%M:%S.%fZ")


def build_headers(event: Event, source: str) -> Headers:
    """Return the CloudEvents Kafka headers of an event recorded by the partner at ``source``."""
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", str(event.event_id)),
        ("ce_source", source),
        ("ce_type", event.CLOUDEVENT_TYPE),
        ("ce_time", format_time(event.occurred_at)),
    ]
    if event.case_ref is not None:
        headers.append(("ce_subject", event.case_ref))
    headers.append(("content-type", CONTENT_TYPE))
    return tuple((name, value.encode()) for name, value in headers)


def _required(found: dict[str, str], name: str) -> str:
    if name not in found:
        msg = f"header {name} is missing"
        raise InvalidCloudEventHeaders(msg)
    return found[name]


_KNOWN = frozenset(KNOWN_HEADERS)


def _unknown(names: list[str]) -> list[int]:
    """The positions (from 1) of the header names the hub does not know."""
    return [n for n, name in enumerate(names, start=1) if name not in _KNOWN]


def _repeated(names: list[str]) -> set[str]:
    return {name for name in names if names.count(name) > 1}


@functools.lru_cache(maxsize=256)
def _is_source_urn(source: str) -> bool:
    """Whether ``source`` is a partner URN (a few partners send all messages: checked once each)."""
    return SOURCE_URN.match(source) is not None


def parse_headers(headers: Sequence[tuple[str, bytes]]) -> CloudEventAttributes:
    """Parse and check CloudEvents headers; raise InvalidCloudEventHeaders naming the problem.

    Only the CloudEvents attributes the hub knows are allowed, each once: any other header
    could carry personal data into audit.log's headers, which no erasure reaches. Messages
    name headers, never their values.
    """
    names = [name for name, _ in headers]
    unknown = [] if _KNOWN.issuperset(names) else _unknown(names)
    if unknown:
        msg = (
            f"header {unknown[0]} of {len(names)} is not a CloudEvents attribute the hub knows "
            f"(allowed, each once: {', '.join(KNOWN_HEADERS)})"
        )
        raise InvalidCloudEventHeaders(msg)
    repeated = [] if len(set(names)) == len(names) else sorted(_repeated(names))
    if repeated:
        msg = f"header {repeated[0]} occurs more than once"
        raise InvalidCloudEventHeaders(msg)
    try:
        found = {name: value.decode("utf-8") for name, value in headers}
    except UnicodeDecodeError as exc:
        msg = "a header value is not UTF-8"
        raise InvalidCloudEventHeaders(msg) from exc
    if _required(found, "ce_specversion") != SPEC_VERSION:
        msg = f"ce_specversion is not {SPEC_VERSION!r}"
        raise InvalidCloudEventHeaders(msg)
    source = _required(found, "ce_source")
    if not _is_source_urn(source):
        msg = "ce_source is not a URN of the form urn:nld:oin:<20 digits>:systeem:<name>"
        raise InvalidCloudEventHeaders(msg)
    raw_time = _required(found, "ce_time")
    try:
        moment = dt.datetime.fromisoformat(raw_time)
    except ValueError as exc:
        msg = "ce_time is not an RFC 3339 timestamp"
        raise InvalidCloudEventHeaders(msg) from exc
    if moment.tzinfo is None:
        msg = "ce_time has no time zone"
        raise InvalidCloudEventHeaders(msg)
    return CloudEventAttributes(
        id=_required(found, "ce_id"),
        source=source,
        type=_required(found, "ce_type"),
        time=moment,
        subject=found.get("ce_subject"),
    )


def check_agreement(attributes: CloudEventAttributes, event: Event, source: str) -> None:
    """Raise InvalidCloudEventHeaders where the headers disagree with the event or the partner."""
    case_ref = event.case_ref
    agree = (
        attributes.type == event.CLOUDEVENT_TYPE
        and attributes.source == source
        and attributes.subject == case_ref
        and attributes.id == uuid_text(event.event_id)
    )
    if not agree:
        expected = {
            "ce_id": (attributes.id, str(event.event_id)),
            "ce_type": (attributes.type, event.CLOUDEVENT_TYPE),
            "ce_source": (attributes.source, source),
            "ce_subject": (attributes.subject, case_ref),
        }
        for name, (found, wanted) in expected.items():
            if found != wanted:
                what = "is missing" if found is None else "differs from what the event says"
                msg = (
                    f"{name} {what}"
                    if wanted is not None
                    else f"{name} is set but the event has none"
                )
                raise InvalidCloudEventHeaders(msg)
    if attributes.time != event.occurred_at:
        msg = f"ce_time {format_time(attributes.time)} differs from the event's occurred_at"
        raise InvalidCloudEventHeaders(msg)
