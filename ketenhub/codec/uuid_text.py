"""The text of a UUID (``str(uuid)``), formatted once for an id the hub meets several times.

Admission compares an event's id with its ``ce_id`` header, writes it into the content
digest's encoding, the sealed record and the case history: four ``str`` calls of the same id,
each formatting 128 bits in Python. The text is kept for the most recent ids, by the id's
number (a UUID's text is a function of its number alone); a subclass of UUID, which may
format itself otherwise, is asked for its own ``str``.
"""

from __future__ import annotations

import functools
from uuid import UUID


def uuid_text(value: UUID) -> str:
    """``str(value)``: the canonical 8-4-4-4-12 lowercase hexadecimal form."""
    return _text_of(value.int) if type(value) is UUID else str(value)


@functools.lru_cache(maxsize=4096)
def _text_of(number: int) -> str:
    digits = f"{number:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
