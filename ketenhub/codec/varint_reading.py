"""Reading Avro's zig-zag varints straight from bytes, for the direct readers of this codebase.

The direct readers (sealed records, compiled event readers) read values in place and hand
anything they do not take as it is to the generic decoder, which reads or refuses it as
before: ``Unusual`` says so.
"""

from __future__ import annotations

MAX_SHIFT = 63  # a long has at most 64 bits: a longer varint is left to the generic decoder


class Unusual(Exception):
    """Bytes a direct reader does not take as they are: the generic decoder decides."""


def read_long(value: bytes, pos: int) -> tuple[int, int]:
    """The zig-zag varint at ``pos`` and the position after it."""
    byte = value[pos]
    pos += 1
    folded, shift = byte & 0x7F, 7
    while byte & 0x80:
        if shift > MAX_SHIFT:
            raise Unusual
        byte = value[pos]
        pos += 1
        folded |= (byte & 0x7F) << shift
        shift += 7
    return (folded >> 1) ^ -(folded & 1), pos
