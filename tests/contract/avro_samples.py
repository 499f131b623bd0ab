"""Random Avro datums for a schema, within the ranges Python's types can hold."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def sample(schema: Any, rng: random.Random, named: dict[str, Any] | None = None) -> Any:
    """Return a random datum valid for ``schema`` (a parsed or source Avro schema)."""
    named = _definitions(schema, {}) if named is None else named
    if isinstance(schema, str):
        return _primitive(named.get(schema, schema), rng, named)
    if isinstance(schema, list):
        return sample(rng.choice(schema), rng, named)
    kind = schema["type"]
    if "name" in schema and kind in ("record", "enum", "fixed"):
        named[schema["name"]] = schema
        if "namespace" in schema:
            named[f"{schema['namespace']}.{schema['name']}"] = schema
    logical = schema.get("logicalType")
    if logical == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if logical == "timestamp-micros":
        return _EPOCH + dt.timedelta(microseconds=rng.randrange(0, 4_102_444_800_000_000))
    if logical == "date":
        return dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(0, 47_000))
    if kind == "record":
        return {f["name"]: sample(f["type"], rng, named) for f in schema["fields"]}
    if kind == "enum":
        return rng.choice(schema["symbols"])
    if kind == "array":
        return [sample(schema["items"], rng, named) for _ in range(rng.randrange(0, 4))]
    if kind == "map":
        keys = {_primitive("string", rng, named) for _ in range(rng.randrange(0, 4))}
        return {key: sample(schema["values"], rng, named) for key in sorted(keys)}
    if kind == "fixed":
        return rng.randbytes(schema["size"])
    return _primitive(kind, rng, named)


def _primitive(kind: Any, rng: random.Random, named: dict[str, Any]) -> Any:
    if isinstance(kind, dict):
        return sample(kind, rng, named)
    return {
        "null": lambda: None,
        "boolean": lambda: rng.random() < 0.5,
        "int": lambda: rng.randrange(-(2**31), 2**31),
        "long": lambda: rng.randrange(-(2**63), 2**63),
        "string": lambda: "".join(
            rng.choice("abcdefghij-0123456789") for _ in range(rng.randrange(0, 12))
        ),
        "bytes": lambda: rng.randbytes(rng.randrange(0, 16)),
    }[kind]()


def _definitions(schema: Any, named: dict[str, Any], namespace: str = "") -> dict[str, Any]:
    """Every named type a schema defines, by short and full name (a union's branches may refer
    to a type that a branch not picked defines)."""
    if isinstance(schema, list):
        for branch in schema:
            _definitions(branch, named, namespace)
    elif isinstance(schema, dict):
        namespace = schema.get("namespace", namespace)
        if "name" in schema and schema.get("type") in ("record", "enum", "fixed"):
            named[schema["name"]] = named[f"{namespace}.{schema['name']}"] = schema
        for field in schema.get("fields", ()):
            _definitions(field["type"], named, namespace)
        for key in ("items", "values"):
            if key in schema:
                _definitions(schema[key], named, namespace)
    return named
