"""The JSON lines event format of ``ketenhub publish``: one event per line, identifiers in clear.

Each line is a JSON object with ``"type"`` (an event type, e.g. ``"SignalReceived"``) and the
fields of that type's schema in ``schemas/avro``. Times are ISO 8601 with a time zone, dates are
``YYYY-MM-DD``, enums are their symbols. Omitted: ``recorded_by`` (the publishing partner) and
``event_id`` (a keyed id of the protected event, so publishing the same file twice is idempotent
and the id reveals nothing of the clear line).

Personal data never leaves this module in clear: the identifier fields (``persons``, ``victim``,
``applicant``, ``employer``, ``address``) are replaced by keyed-HMAC pseudonyms (a value already
in the pseudonym format is kept), and the free-text fields (``free_text``, ``rationale``,
``summary``, ``note``) are encrypted under the key of their data subject: either a plain string
(subject: the event's first person, victim or visited address, else its case) or
``{"subject": ID, "text": TEXT}``. A control day's ``planned_addresses`` are given as
``{"address": CLEAR ADDRESS, "area_code": AREA}``: the address becomes its pseudonym (the one
a visit to it carries) and its display form is encrypted under the key of the control day
(``ketenhub.core.control_day_subject``), so that key can be erased after the day. Free
text that holds a BSN, e-mail address or phone number is refused before it is encrypted; for
the anonymous channel such values are removed instead and any reporter field is dropped, as
the anonymous-tips connector does.

Every way a line can be wrong ends as one :class:`InvalidEventLine` with the line number and
a reason that never repeats a value of the line (values may be personal data, and may hold
control characters that a terminal would obey).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from ketenhub.contract.base import Event
from ketenhub.contract.models import EVENT_MODELS, EncryptedField
from ketenhub.core.control_day_subject import PLANNED_ADDRESS_FIELD, control_day_identifier
from ketenhub.core.field_check import check_fields
from ketenhub.core.identifier_form import canonical_identifier
from ketenhub.core.identifiers import is_pseudonym
from ketenhub.core.keyed_ids import PLACEHOLDER_EVENT_ID
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.personal_data import find_personal_data, redact
from ketenhub.core.privacy import associated_data
from ketenhub.core.reporter_fields import is_reporter_field
from ketenhub.errors import KetenhubError

IDENTIFIER_FIELDS = ("persons", "victim", "applicant", "employer", "address")
TEXT_FIELDS = ("free_text", "rationale", "summary", "note")
MAX_LINE_BYTES = 1 << 20
_SHOWN_NAME = 40
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]{1,40}")


class Protector(Protocol):
    """Turns identifiers into pseudonyms, texts into encrypted fields, events into keyed ids."""

    def pseudonym(self, identifier: str) -> str:
        """Return the pseudonym of an identifier."""

    def case_subject(self, case_id: str) -> str:
        """Return the data subject of texts keyed to a case."""

    def encrypt(self, subject: str, text: str, associated: bytes) -> EncryptedField:
        """Encrypt a text under the key of a subject pseudonym."""

    def with_event_id(self, event: Event) -> Event:
        """Return the protected event with its keyed deterministic id."""


class InvalidEventLine(KetenhubError):
    """A line of a JSON lines file is not a valid event; the message says where and why."""

    def __init__(self, line: int, detail: str) -> None:
        self.line = line
        self.detail = detail
        super().__init__(f"line {line}: {detail}")


@dataclass(frozen=True)
class ParsedLine:
    """One line turned into a protected event, with what was stripped from it on the way."""

    event: Event
    stripped_fields: tuple[str, ...] = ()
    redactions: int = 0


def shown(value: object) -> str:
    """A value safe to print in a one-line message: escaped, printable ASCII, cut short, and
    withheld when it holds a BSN, e-mail address or phone number."""
    if isinstance(value, str) and find_personal_data(value) is not None:
        return "(withheld: it holds personal data)"
    text = ascii(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= _SHOWN_NAME else text[: _SHOWN_NAME - 3] + "..."


def numbered_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a binary file with their numbers (from 1)."""
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield number, raw


def event_from_json(
    line: bytes | str,
    number: int,
    partner: str,
    protector: Protector,
    *,
    anonymous: bool = False,
    registry: PartnerRegistry | None = None,
) -> ParsedLine:
    """Parse one line into a typed, protected event recorded by ``partner``.

    ``anonymous``: the publisher is the anonymous channel; reporter fields are dropped and
    personal data in free text is removed rather than refused. ``registry``: also apply the
    hub's field rules (pseudonym and id formats, code lists, no BSN, e-mail address or phone
    number in any string), so that a line the hub would refuse for what it holds is never
    stored, not even in the partner's own ingest and rejected topics.
    """
    fields = _json_object(line, number)
    event_type = fields.pop("type", None)
    model = EVENT_MODELS.get(event_type) if isinstance(event_type, str) else None
    if model is None:
        raise InvalidEventLine(
            number,
            f"unknown event type {shown(event_type)}; known types: {', '.join(EVENT_MODELS)}",
        )
    if fields.setdefault("recorded_by", partner) != partner:
        raise InvalidEventLine(
            number, f"recorded_by is {shown(fields['recorded_by'])} but you publish as {partner!r}"
        )
    stripped = _strip_reporter(fields) if anonymous else ()
    given_id = "event_id" in fields
    fields.setdefault("event_id", str(PLACEHOLDER_EVENT_ID))
    try:
        _protect_identifiers(fields, protector)
        _protect_planned_addresses(model.EVENT_TYPE, fields, protector)
        redactions = _protect_texts(model.EVENT_TYPE, fields, protector, anonymous=anonymous)
        event = model.model_validate(fields)
    except ValidationError as exc:
        raise InvalidEventLine(number, f"{model.EVENT_TYPE}: {_problems(exc)}") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidEventLine(number, str(exc)) from None
    if registry is not None and (refusal := check_fields(registry, event)) is not None:
        raise InvalidEventLine(number, str(refusal))
    if not given_id:
        event = protector.with_event_id(event)
    return ParsedLine(event, stripped, redactions)


def _json_object(line: bytes | str, number: int) -> dict[str, Any]:
    if isinstance(line, bytes):
        if len(line) > MAX_LINE_BYTES:
            raise InvalidEventLine(number, f"longer than {MAX_LINE_BYTES} bytes")
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEventLine(
                number, f"not UTF-8 text (invalid byte at column {exc.start + 1})"
            ) from None
    try:
        fields = json.loads(line, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InvalidEventLine(
            number, f"not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    except RecursionError:
        raise InvalidEventLine(number, "JSON nested too deeply") from None
    except DuplicateKey as exc:
        raise InvalidEventLine(
            number, f"the key {shown(exc.key)} occurs twice in one object"
        ) from None
    if not isinstance(fields, dict):
        raise InvalidEventLine(number, "each line must be one JSON object")
    try:
        json.dumps(fields, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEventLine(number, "a string holds an unpaired surrogate escape") from None
    return fields


class DuplicateKey(ValueError):
    """A JSON object names the same key twice (which one would count is a guess)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__("a key occurs twice in one object")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def _problems(exc: ValidationError) -> str:
    """Pydantic's complaints by field path, without the offending values (an unknown key is
    shown escaped, or withheld when it holds personal data)."""
    return "; ".join(f"{_path(e['loc']) or 'event'}: {e['msg']}" for e in exc.errors()[:5])


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(shown_key(str(part)) for part in loc)


def shown_key(text: str) -> str:
    """A key or field name safe to print: as is when plain, else escaped, or withheld when it
    holds a BSN, e-mail address or phone number."""
    plain = _PLAIN_KEY.fullmatch(text) is not None and find_personal_data(text) is None
    return text if plain else shown(text)


def _strip_reporter(fields: dict[str, Any]) -> tuple[str, ...]:
    """Drop every field that names the reporter (as the tips connector does); return their names."""
    named = [name for name in fields if is_reporter_field(name)]
    return tuple(name for name in named if fields.pop(name) is not None)


def _pseudonym(protector: Protector, value: str) -> str:
    if not canonical_identifier(value):
        msg = "an identifier is empty or invisible: leave it out instead (every empty one would be one person)"
        raise ValueError(msg)
    return value if is_pseudonym(value) else protector.pseudonym(value)


def _protect_identifiers(fields: dict[str, Any], protector: Protector) -> None:
    for name in IDENTIFIER_FIELDS:
        value = fields.get(name)
        if isinstance(value, str):
            fields[name] = _pseudonym(protector, value)
        elif isinstance(value, list):
            fields[name] = [_pseudonym(protector, v) if isinstance(v, str) else v for v in value]


def _protect_planned_addresses(
    event_type: str, fields: dict[str, Any], protector: Protector
) -> None:
    """Each planned address as its pseudonym, its display form encrypted under the day's key."""
    planned = fields.get("planned_addresses")
    if planned is None or event_type != "ControlDayPlanned":
        return  # another type has no such field: the model refuses it, nothing is encrypted
    if not isinstance(planned, list):
        msg = 'planned_addresses must be a list of {"address": ..., "area_code": ...}'
        raise ValueError(msg)
    day_id = fields.get("control_day_id")
    if not isinstance(day_id, str) or not day_id:
        msg = "planned addresses need the control_day_id whose key encrypts them"
        raise ValueError(msg)
    subject = protector.pseudonym(control_day_identifier(day_id))
    bound = associated_data(event_type, PLANNED_ADDRESS_FIELD)
    fields["planned_addresses"] = [
        _planned_address(n, item, subject, bound, protector) for n, item in enumerate(planned)
    ]


def _planned_address(
    n: int, item: object, subject: str, bound: bytes, protector: Protector
) -> dict[str, Any]:
    where = f"planned_addresses[{n}]"
    if not isinstance(item, dict) or set(item) != {"address", "area_code"}:
        msg = f'{where} must be {{"address": ..., "area_code": ...}} with the address in clear'
        raise ValueError(msg)
    address = item["address"]
    if not isinstance(address, str) or not canonical_identifier(address) or is_pseudonym(address):
        msg = f"{where}.address must be the address in clear: the day's team is shown it"
        raise ValueError(msg)
    display = " ".join(address.split())
    if (kind := find_personal_data(display)) is not None:
        msg = f"{where}.address holds a {kind.value}; give the street address only"
        raise ValueError(msg)
    return {
        "address": protector.pseudonym(address),
        "display": protector.encrypt(subject, display, bound),
        "area_code": item["area_code"],
    }


def _default_subject(fields: dict[str, Any], protector: Protector) -> str:
    persons = fields.get("persons")
    if isinstance(persons, list) and persons and isinstance(persons[0], str):
        return persons[0]
    for name in ("victim", "address"):
        if isinstance(fields.get(name), str):
            return str(fields[name])
    case_id = fields.get("case_id")
    if not isinstance(case_id, str) or not case_id:
        msg = "a free text needs a subject: a person, a victim or a case_id"
        raise ValueError(msg)
    return protector.case_subject(case_id)


def _protect_texts(
    event_type: str, fields: dict[str, Any], protector: Protector, *, anonymous: bool
) -> int:
    removed = 0
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            subject, text = _default_subject(fields, protector), value
        elif isinstance(value, dict) and set(value) == {"subject", "text"}:
            if not isinstance(value["subject"], str) or not isinstance(value["text"], str):
                msg = f"{name}: subject and text must be strings"
                raise ValueError(msg)
            subject, text = _pseudonym(protector, value["subject"]), value["text"]
        else:
            msg = f'{name} must be a string or {{"subject": ..., "text": ...}}'
            raise ValueError(msg)
        if anonymous:
            text, count = redact(text)
            removed += count
        elif (kind := find_personal_data(text)) is not None:
            msg = (
                f"{name} holds a {kind.value} (personal data in clear); refer to people by "
                "the identifier fields, which are pseudonymised, and leave contact details out"
            )
            raise ValueError(msg)
        fields[name] = protector.encrypt(subject, text, associated_data(event_type, name))
    return removed
