"""The JSON lines event format of ``ketenhub publish``: one event per line, identifiers in clear.

Each line is a JSON object with ``"type"`` (an event type, e.g. ``"SignalReceived"``) and the
fields of that type's schema in ``schemas/avro``. Times are ISO 8601 with a time zone, dates are
``YYYY-MM-DD``, enums are their symbols. Omitted: ``recorded_by`` (the publishing partner) and
``event_id`` (derived from the line's content, so publishing the same file twice is idempotent).
Personal data never leaves this module in clear: the identifier fields (``persons``, ``victim``,
``applicant``, ``employer``, ``address``) are replaced by keyed-HMAC pseudonyms (values that
already start with ``psn-`` are kept), and the free-text fields (``free_text``, ``rationale``,
``summary``) are encrypted under the key of their data subject: either a plain string (subject:
the event's first person or victim, else its case) or ``{"subject": ID, "text": TEXT}``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Protocol

from pydantic import ValidationError

from ketenhub.contract.base import Event
from ketenhub.contract.models import EVENT_MODELS, EncryptedField
from ketenhub.core.privacy import associated_data
from ketenhub.errors import KetenhubError

IDENTIFIER_FIELDS = ("persons", "victim", "applicant", "employer", "address")
TEXT_FIELDS = ("free_text", "rationale", "summary")
_EVENT_ID_NAMESPACE = uuid.UUID("3f1c7a52-6d7e-4e0b-9a51-6b1f0c2d9e11")


class Protector(Protocol):
    """Turns identifiers into pseudonyms and texts into encrypted fields."""

    def pseudonym(self, identifier: str) -> str:
        """Return the pseudonym of an identifier."""

    def encrypt(self, subject: str, text: str, associated: bytes) -> EncryptedField:
        """Encrypt a text under the key of a subject pseudonym."""


class InvalidEventLine(KetenhubError):
    """A line of a JSON lines file is not a valid event; the message says where and why."""

    def __init__(self, line: int, detail: str) -> None:
        self.line = line
        self.detail = detail
        super().__init__(f"line {line}: {detail}")


def _pseudonym(protector: Protector, value: str) -> str:
    return value if value.startswith("psn-") else protector.pseudonym(value)


def _protect_identifiers(fields: dict[str, Any], protector: Protector) -> None:
    for name in IDENTIFIER_FIELDS:
        value = fields.get(name)
        if isinstance(value, str):
            fields[name] = _pseudonym(protector, value)
        elif isinstance(value, list):
            fields[name] = [_pseudonym(protector, v) if isinstance(v, str) else v for v in value]


def _default_subject(fields: dict[str, Any], protector: Protector) -> str:
    persons = fields.get("persons") or []
    if persons:
        return str(persons[0])
    if isinstance(fields.get("victim"), str):
        return str(fields["victim"])
    return protector.pseudonym(f"case:{fields.get('case_id')}")


def _protect_texts(event_type: str, fields: dict[str, Any], protector: Protector) -> None:
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            subject, text = _default_subject(fields, protector), value
        elif isinstance(value, dict) and set(value) == {"subject", "text"}:
            subject, text = _pseudonym(protector, str(value["subject"])), str(value["text"])
        else:
            msg = f'{name} must be a string or {{"subject": ..., "text": ...}}'
            raise ValueError(msg)
        fields[name] = protector.encrypt(subject, text, associated_data(event_type, name))


def event_from_json(line: str, number: int, partner: str, protector: Protector) -> Event:
    """Parse one line into a typed, protected event recorded by ``partner``."""
    try:
        fields = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidEventLine(number, f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(fields, dict):
        raise InvalidEventLine(number, "each line must be one JSON object")
    event_type = fields.pop("type", None)
    model = EVENT_MODELS.get(str(event_type))
    if model is None:
        raise InvalidEventLine(
            number, f"unknown event type {event_type!r}; known types: {', '.join(EVENT_MODELS)}"
        )
    if fields.setdefault("recorded_by", partner) != partner:
        raise InvalidEventLine(
            number, f"recorded_by is {fields['recorded_by']!r} but you publish as {partner!r}"
        )
    if "event_id" not in fields:
        content = json.dumps([partner, event_type, fields], sort_keys=True, default=str)
        fields["event_id"] = str(uuid.uuid5(_EVENT_ID_NAMESPACE, content))
    try:
        _protect_identifiers(fields, protector)
        _protect_texts(model.EVENT_TYPE, fields, protector)
        return model.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidEventLine(number, f"{event_type}: {problems}") from None
    except ValueError as exc:
        raise InvalidEventLine(number, str(exc)) from None
