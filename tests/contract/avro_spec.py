"""The Avro specification's schema fingerprint, written from the specification alone.

Parsing Canonical Form (PRIMITIVES, FULLNAMES, STRIP, ORDER, WHITESPACE) and CRC-64-AVRO, as
Java's ``SchemaNormalization.parsingFingerprint64`` computes them: what a partner's Avro
library compares with the 8 bytes after C3 01 of a single-object-encoded value. (Apache avro
for Python keeps ``{"type": "long"}`` for logical types in its canonical form, so its own
fingerprint differs from Java's and fastavro's for such schemas.)
"""

from __future__ import annotations

import json
from typing import Any

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_EMPTY = 0xC15D213AA4D7A795


def _table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _table()


def crc64_avro(data: bytes) -> int:
    """The CRC-64-AVRO fingerprint of ``data``."""
    fp = _EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


def _full(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _canonical(schema: Any, namespace: str) -> Any:
    if isinstance(schema, str):
        return schema if schema in _PRIMITIVES else _full(schema, namespace)
    if isinstance(schema, list):
        return [_canonical(branch, namespace) for branch in schema]
    kind = schema["type"]
    if isinstance(kind, str) and kind in _PRIMITIVES:
        return kind  # PRIMITIVES: logicalType and other attributes go
    if kind in ("record", "error", "enum", "fixed"):
        name = _full(schema["name"], schema.get("namespace", namespace))
        inner = name.rsplit(".", 1)[0] if "." in name else ""
        out: dict[str, Any] = {"name": name, "type": kind}
        if kind in ("record", "error"):
            out["fields"] = [
                {"name": f["name"], "type": _canonical(f["type"], inner)} for f in schema["fields"]
            ]
        elif kind == "enum":
            out["symbols"] = schema["symbols"]
        else:
            out["size"] = int(schema["size"])
        return out
    if kind == "array":
        return {"type": "array", "items": _canonical(schema["items"], namespace)}
    if kind == "map":
        return {"type": "map", "values": _canonical(schema["values"], namespace)}
    return _canonical(kind, namespace)


def parsing_canonical_form(schema: Any) -> str:
    """The Parsing Canonical Form of a schema given as JSON data."""
    return json.dumps(_canonical(schema, ""), separators=(",", ":"), ensure_ascii=False)


def single_object_fingerprint(schema: Any) -> bytes:
    """The 8 bytes a single-object encoding puts after C3 01: the fingerprint, little-endian."""
    return crc64_avro(parsing_canonical_form(schema).encode()).to_bytes(8, "little")
