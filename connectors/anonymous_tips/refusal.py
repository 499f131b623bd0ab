"""What stays of a refused tip file: its reason, and a copy with no reporter data in it.

A tip file is refused whole when something in it is wrong; the file has to go somewhere a
person can look at it, but reporter identity must never be kept. So the file itself is not
moved aside: what ``refused/`` keeps is a sanitised copy — reporter fields dropped, the
identifiers of the persons the tip is about and the value of every field that is not part of
the tip format replaced (it might hold an identity nobody thought of), and e-mail addresses,
phone numbers and BSNs removed from every other text — or, when the file cannot even be read
as tips, nothing but the reason.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from connectors.anonymous_tips.tip_format import LIST_FIELDS, Tip
from ketenhub.core.personal_data import REDACTED, find_personal_data, redact
from ketenhub.core.reporter_fields import is_reporter_field

NOT_KEPT = (
    "The file could not be read as tips, so it was not kept (it may hold reporter data); "
    "ask Meld Misdaad Anoniem to send it again."
)


def sanitised_copy(name: str, data: bytes) -> bytes | None:
    """A copy of a refused tip file without reporter data, or None when it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if name.rsplit(".", 1)[-1].lower() == "json":
        return _json_copy(text)
    return _csv_copy(text)


def _json_copy(text: str) -> bytes | None:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    wrapped = isinstance(document, dict) and set(document) == {"tips"}
    rows = document["tips"] if wrapped else document
    if not isinstance(rows, list):
        return None
    cleaned = [_row(row) if isinstance(row, dict) else REDACTED for row in rows]
    out = {"tips": cleaned} if wrapped else cleaned
    return (json.dumps(out, ensure_ascii=False, indent=2) + "\n").encode()


def _csv_copy(text: str) -> bytes | None:
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None
    if not rows:
        return None
    columns = [c for c in rows[0] if c is not None and _kept(c)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        known = {k: v for k, v in row.items() if isinstance(k, str)}
        writer.writerow({k: _cell(k, v) for k, v in _row(known).items()})
    return out.getvalue().encode()


def _row(row: dict[Any, Any]) -> dict[str, Any]:
    return {str(key): _value(str(key), value) for key, value in row.items() if _kept(str(key))}


def _kept(key: str) -> bool:
    """Whether a field's name stays in the copy: not the reporter's, and no personal data itself."""
    return not is_reporter_field(key) and find_personal_data(key) is None


def _value(key: str, value: Any) -> Any:
    if key.strip().lower() not in Tip.model_fields or key.strip().lower() == "persons":
        return REDACTED
    if isinstance(value, str):
        return redact(value)[0]
    if isinstance(value, list) and key in LIST_FIELDS:
        return [redact(v)[0] if isinstance(v, str) else REDACTED for v in value]
    if isinstance(value, (dict, list)):
        return REDACTED
    return value


def _cell(key: str, value: Any) -> str:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return "" if value is None else str(value)
