"""What each string field of an event may hold: a pseudonym, an opaque id, a partner, a code, ...

Every string in an event, at any depth (nested records, arrays), has one kind, decided
from its record type and field name, so a field added to a schema is covered without
editing a list of paths:

- ``PSEUDONYM``: a keyed pseudonym (``persons``, ``victim``, ``applicant``, ``employer``,
  ``address``, the ``subject`` of an encrypted field);
- ``OPAQUE_ID``: an id chosen by a partner's system (every ``*_id`` field, and the case ids
  in ``signals_raised`` and ``cases_discussed``);
- ``PARTNER``: a partner id from the registry (``recorded_by``, ``owner``, ...);
- ``CODE``: a code from one of the registry's code lists (``finding_codes``, ...);
- ``AREA`` and ``MUNICIPALITY``: a postcode area or CBS district, a CBS municipality code;
- ``TEXT``: anything else, searched for direct identifiers (a BSN, an e-mail address, a
  phone number). Free text itself is never a string: it is an encrypted field.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class FieldKind(enum.StrEnum):
    """What a string field of an event holds, and so how it is checked."""

    PSEUDONYM = "PSEUDONYM"
    OPAQUE_ID = "OPAQUE_ID"
    PARTNER = "PARTNER"
    CODE = "CODE"
    AREA = "AREA"
    MUNICIPALITY = "MUNICIPALITY"
    TEXT = "TEXT"


@dataclass(frozen=True)
class FieldRule:
    """The kind of a string field and, for a code, the name of its code list."""

    kind: FieldKind
    code_list: str | None = None


AREA_PATTERN = re.compile(r"[0-9]{4}|WK[0-9]{6}|BU[0-9]{8}")
AREA_FORMAT = "a four-digit postcode area (2261) or a CBS district or neighbourhood code (WK191601)"
MUNICIPALITY_PATTERN = re.compile(r"GM[0-9]{4}")
MUNICIPALITY_FORMAT = "a CBS municipality code (GM1916)"

_PSEUDONYM = FieldRule(FieldKind.PSEUDONYM)
_ID = FieldRule(FieldKind.OPAQUE_ID)
_PARTNER = FieldRule(FieldKind.PARTNER)

_BY_RECORD_AND_NAME: dict[tuple[str, str], FieldRule] = {
    ("EncryptedField", "subject"): _PSEUDONYM,
    ("ProcessingRecord", "subjects"): _PSEUDONYM,  # access.log: whose data was read
    ("PlannedAction", "kind"): FieldRule(FieldKind.CODE, "action_kinds"),
    ("ReferralMade", "provider"): _PARTNER,
    ("TrainingCompleted", "provider"): FieldRule(FieldKind.CODE, "training_providers"),
}
_BY_NAME: dict[str, FieldRule] = {
    "persons": _PSEUDONYM,
    "victim": _PSEUDONYM,
    "applicant": _PSEUDONYM,
    "employer": _PSEUDONYM,
    "address": _PSEUDONYM,
    "signals_raised": _ID,
    "cases_discussed": _ID,
    "recorded_by": _PARTNER,
    "owner": _PARTNER,
    "forward_to": _PARTNER,
    "partner": _PARTNER,
    "to_partner": _PARTNER,
    "participants": _PARTNER,
    "finding_codes": FieldRule(FieldKind.CODE, "finding_codes"),
    "indicators": FieldRule(FieldKind.CODE, "indicators"),
    "purpose": FieldRule(FieldKind.CODE, "sharing_purposes"),
    "legal_basis": FieldRule(FieldKind.CODE, "legal_bases"),
    "area_code": FieldRule(FieldKind.AREA),
    "municipality_code": FieldRule(FieldKind.MUNICIPALITY),
}


def rule_for(record: str, name: str) -> FieldRule:
    """The rule of string field ``name`` of record type ``record`` (an event or nested record)."""
    rule = _BY_RECORD_AND_NAME.get((record, name)) or _BY_NAME.get(name)
    if rule is not None:
        return rule
    return _ID if name.endswith("_id") else FieldRule(FieldKind.TEXT)
