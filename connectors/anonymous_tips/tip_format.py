"""The drop-folder format of anonymous tips, and how reporter identity is stripped from it.

Meld Misdaad Anoniem forwards tips as ``.json`` or ``.csv`` files (UTF-8). One tip has:

=====================  ========  ==========================================================
field                  required  value
=====================  ========  ==========================================================
``tip_id``             yes       MMA's reference of the tip: letters, digits, dashes (<= 40)
``received_at``        yes       ISO 8601 time with a time zone, e.g. 2025-11-03T09:15:00+01:00
``exploitation_forms`` yes       one or more of SEXUAL, CRIMINAL, LABOUR, ORGAN_REMOVAL,
                                 FORCED_MARRIAGE, ILLEGAL_ADOPTION, SURROGACY
``area_code``          yes       four-digit postcode area (2261) or CBS district code (WK191601)
``municipality_code``  no        CBS code, default: the hub's municipality (GM1916)
``indicators``         no        indicator codes from the signalling card (NO_ID_PAPERS, ...)
``persons``            no        identifiers of the people the tip is about (pseudonymised)
``description``        no        the tip's text (e-mail addresses and phone numbers are
                                 removed, the rest is encrypted per data subject)
=====================  ========  ==========================================================

JSON: a list of tip objects, or ``{"tips": [...]}``; list fields are JSON lists. CSV: a
header row with these column names, one tip per row, list fields separated by ``;``,
empty cells are absent.

Reporter identity is **stripped**, never stored: a field or column that names the reporter
(``reporter``, ``reporter_*``, ``melder*``, ``caller*``, ``contact*``, ``name``, ``phone``,
``telephone``, ``mobile``, ``email``, ``e-mail``) is dropped as it is read, and e-mail
addresses (also written ``name [at] domain.nl``), phone numbers (also ``(06) 12345678``,
``06 - 12 34 56 78``, ``+31 6-1234-5678``) and citizen service numbers in a description are
replaced by ``[removed]`` (see ``ketenhub.core.personal_data``). Only the
names of stripped fields and counts are reported, never their values. Any other unknown
field refuses the whole file (it might hold an identity nobody thought of).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from connectors.sdk.errors import InputRefused
from ketenhub.contract.models import ExploitationForm
from ketenhub.core.identifier_form import canonical_identifier
from ketenhub.core.identifiers import normal_case_id
from ketenhub.core.personal_data import REDACTED, redact
from ketenhub.core.reporter_fields import is_reporter_field
from ketenhub.json_events import shown_key

LIST_FIELDS = ("exploitation_forms", "indicators", "persons")
REMOVED = REDACTED
_Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,40}$")]


class Tip(BaseModel):
    """One anonymous tip as read from a file, reporter identity already stripped."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tip_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")]
    received_at: AwareDatetime
    exploitation_forms: list[ExploitationForm] = Field(min_length=1)
    area_code: Annotated[str, StringConstraints(pattern=r"^([0-9]{4}|WK[0-9]{6}|BU[0-9]{8})$")]
    municipality_code: Annotated[str, StringConstraints(pattern=r"^GM[0-9]{4}$")] | None = None
    indicators: list[_Code] = Field(default_factory=list)
    persons: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list
    )
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None

    @field_validator("persons")
    @classmethod
    def _visible(cls, persons: list[str]) -> list[str]:
        """Refuse an identifier with nothing visible: every such one would be one person."""
        if any(not canonical_identifier(p) for p in persons):
            msg = "an identifier has nothing visible (only spaces or invisible characters)"
            raise ValueError(msg)
        return persons

    @property
    def case_id(self) -> str:
        """The opaque case id the tip opens (MMA's reference is no personal data)."""
        return normal_case_id(f"tip-{self.tip_id}")

    @property
    def received_utc(self) -> dt.datetime:
        """When MMA received the tip, in UTC."""
        return self.received_at.astimezone(dt.UTC)


@dataclass
class TipFile:
    """The tips of one file, and what was stripped from it (names and counts only)."""

    tips: list[Tip]
    stripped_fields: set[str] = field(default_factory=set)
    stripped_values: int = 0
    redactions: int = 0


def parse_tip_file(name: str, data: bytes) -> TipFile:
    """Read a .json or .csv tip file; strip reporter identity; raise InputRefused naming the problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputRefused(where=name, detail=f"not UTF-8 (byte {exc.start})") from None
    suffix = name.rsplit(".", 1)[-1].lower()
    rows = _json_rows(name, text) if suffix == "json" else _csv_rows(name, text)
    parsed = TipFile(tips=[])
    for number, row in enumerate(rows, start=1):
        parsed.tips.append(_tip(name, number, row, parsed))
    if not parsed.tips:
        raise InputRefused(where=name, detail="holds no tips")
    ids = [t.tip_id for t in parsed.tips]
    if len(set(ids)) != len(ids):
        raise InputRefused(where=name, detail="a tip_id occurs more than once in the file")
    return parsed


def _json_rows(name: str, text: str) -> list[Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputRefused(
            where=name, detail=f"not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    if isinstance(document, dict) and set(document) == {"tips"}:
        document = document["tips"]
    if not isinstance(document, list):
        raise InputRefused(
            where=name, detail='a JSON tip file is a list of tips or {"tips": [...]}'
        )
    return document


def _csv_rows(name: str, text: str) -> list[Any]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        rows: list[Any] = []
        for row in reader:
            if None in row:
                raise InputRefused(
                    where=name, detail=f"row {len(rows) + 1} has more cells than the header"
                )
            rows.append(_csv_cells(row))
    except csv.Error as exc:
        raise InputRefused(where=name, detail=f"not valid CSV ({exc})") from None
    return rows


def _csv_cells(row: dict[str, str]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for column, value in row.items():
        key, cell = column.strip().lower(), (value or "").strip()
        if not cell:
            continue
        cells[key] = (
            [p.strip() for p in cell.split(";") if p.strip()] if key in LIST_FIELDS else cell
        )
    return cells


def _tip(name: str, number: int, row: Any, parsed: TipFile) -> Tip:
    where = f"{name} tip {number}"
    if not isinstance(row, dict):
        raise InputRefused(where=where, detail="each tip is an object of fields")
    kept: dict[str, Any] = {}
    for key, value in row.items():
        if is_reporter_field(str(key)):
            parsed.stripped_fields.add(str(key))
            parsed.stripped_values += 1
        else:
            kept[str(key)] = value
    if isinstance(kept.get("description"), str):
        kept["description"], count = redact(kept["description"])
        parsed.redactions += count
    try:
        return Tip.model_validate(kept)
    except ValidationError as exc:
        raise InputRefused(where=where, detail=_problems(exc)) from None


def _problems(exc: ValidationError) -> str:
    """Name each field and the rule it broke, never the value (it may be personal data)."""
    return "; ".join(
        f"{'.'.join(shown_key(str(p)) for p in e['loc']) or 'tip'}: "
        + ("is not part of the tip format" if e["type"] == "extra_forbidden" else e["msg"])
        for e in exc.errors()
    )
