"""Rows of the embedded topic log: a record as stored in SQLite, and read back type-checked.

The hub writes integers for offsets and timestamps, blobs (or NULL) for keys and values, and
JSON text for headers. A row holding anything else was edited outside the hub (or damaged):
reading it raises ``DamagedRecord`` naming the topic and offset, never a stray TypeError.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

from ketenhub.runtime.embedded.damage import DamagedRecord
from ketenhub.topic_log import Headers, LogRecord, StoredValue

RECORD_COLUMNS = '"offset", timestamp_us, key, value, headers'

# Headers are stored as JSON text, readable with the sqlite3 shell: a list of [name, value],
# each value's bytes mapped one-to-one to the code points U+0000..U+00FF (Latin-1), so any
# bytes survive; JSON escapes everything outside ASCII.
_ascii = encode_basestring_ascii  # json's own string encoder for ensure_ascii=True


def encode_headers(headers: Sequence[tuple[str, bytes]]) -> str:
    """Encode headers losslessly as JSON: ``[[name, value decoded as Latin-1], ...]``.

    Written pair by pair with json's own ASCII string encoder: the same text as
    ``json.dumps`` of the list with ``separators=(",", ":")``, without building the list.
    """
    pairs = [f"[{_ascii(name)},{_ascii(value.decode('latin-1'))}]" for name, value in headers]
    return f"[{','.join(pairs)}]"


def _decode_headers(text: object) -> Headers:
    """Decode what ``encode_headers`` wrote; raise ValueError for anything else."""
    if not isinstance(text, str):
        msg = f"the headers are {sql_type(text)}, not JSON text"
        raise ValueError(msg)
    try:
        pairs = json.loads(text)
        if type(pairs) is list and all(map(_is_header, pairs)):
            return tuple([(name, value.encode("latin-1")) for name, value in pairs])
    except (ValueError, UnicodeEncodeError):
        pass
    msg = "the headers are not a JSON list of [name, value] pairs of Latin-1 text"
    raise ValueError(msg)


def _is_header(pair: object) -> bool:
    """Whether JSON read back is a header: a list of a name and a value, both text."""
    return (
        type(pair) is list  # what json.loads makes of an array: never a subclass
        and len(pair) == 2  # a name and a value
        and type(pair[0]) is str
        and type(pair[1]) is str
    )


def record_from_row(topic: str, row: Sequence[Any]) -> LogRecord:
    """Turn a stored row into a record, or raise DamagedRecord if it holds a wrong type."""
    offset, timestamp_us, key, value, headers = row
    problem = _wrong_type(offset, timestamp_us, key, value)
    if problem is not None:
        raise DamagedRecord(topic, offset, problem)
    try:
        decoded = _decode_headers(headers)
    except ValueError as exc:
        raise DamagedRecord(topic, offset, str(exc)) from exc
    return LogRecord(topic, offset, timestamp_us, key, value, decoded)


def value_from_row(topic: str, row: Sequence[Any]) -> StoredValue:
    """Turn a stored row's offset and value into ``(offset, value)``, checked as
    ``record_from_row`` checks them (``DamagedRecord`` for a wrong type)."""
    offset, value = row
    if isinstance(offset, int) and (value is None or isinstance(value, bytes)):
        return offset, value
    problem = _wrong_type(offset, 0, None, value)
    raise DamagedRecord(topic, offset, problem or "the row cannot be read")


def _wrong_type(offset: object, timestamp_us: object, key: object, value: object) -> str | None:
    """What is of the wrong SQLite type in a row (the hub writes integers and blobs), if any."""
    if (
        isinstance(offset, int)
        and isinstance(timestamp_us, int)
        and (key is None or isinstance(key, bytes))
        and (value is None or isinstance(value, bytes))
    ):
        return None  # every row the hub wrote: no need to name anything
    for name, stored in (("offset", offset), ("timestamp", timestamp_us)):
        if not isinstance(stored, int):
            return f"the {name} is {sql_type(stored)}, not an integer"
    for name, stored in (("key", key), ("value", value)):
        if stored is not None and not isinstance(stored, bytes):
            return f"the {name} is {sql_type(stored)}, not a blob (bytes)"
    return None


def sql_type(stored: object) -> str:
    """The SQLite storage class of a value read back."""
    kinds = {str: "text", int: "an integer", float: "a real number", bytes: "a blob"}
    return "null" if stored is None else kinds.get(type(stored), type(stored).__name__)
