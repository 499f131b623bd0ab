"""Generator of the typed event models from the Avro schema files (the single source of truth).

Run ``python -m ketenhub.contract.codegen`` after changing ``schemas/avro``; a unit test fails
while ``ketenhub/contract/models.py`` is out of date.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ketenhub.contract.schemas import EVENT_NAMESPACE, SchemaCatalogue, catalogue
from ketenhub.errors import ContractError

MODELS_PATH = Path(__file__).parent / "models.py"
COMMON_FIELDS = {
    "event_id": {"type": "string", "logicalType": "uuid"},
    "occurred_at": {"type": "long", "logicalType": "timestamp-micros"},
    "recorded_by": "string",
}
_PRIMITIVES = {
    "string": "str",
    "boolean": "StrictBool",
    "int": "AvroInt",
    "long": "AvroLong",
    "bytes": "bytes",
}
_LOGICAL = {"uuid": "UUID", "timestamp-micros": "AwareDatetime", "date": "dt.date"}


def cloudevent_type(event_type: str) -> str:
    """Return the reverse-DNS CloudEvents type of an event, e.g. nl.ketenhub.signal-received."""
    return "nl.ketenhub." + re.sub(r"(?<!^)(?=[A-Z])", "-", event_type).lower()


class _Generator:
    def __init__(self) -> None:
        self.named: dict[str, str] = {}  # short name -> generated source
        self.shapes: dict[str, Any] = {}  # short name -> schema, to detect conflicting reuse

    def annotation(self, schema: Any) -> str:
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return _PRIMITIVES[schema]
            return schema.rsplit(".", 1)[-1]
        if isinstance(schema, list):
            branches = [b for b in schema if b != "null"]
            if len(branches) != 1 or len(schema) != 2:
                msg = f"only [null, T] unions are supported, got {schema}"
                raise ContractError(msg)
            return f"{self.annotation(branches[0])} | None"
        kind = schema["type"]
        if "logicalType" in schema:
            return _LOGICAL[schema["logicalType"]]
        if kind == "array":
            return f"list[{self.annotation(schema['items'])}]"
        if kind == "enum":
            return self.define(schema, self.enum_source(schema))
        if kind == "record":
            return self.define(schema, self.record_source(schema, "ContractModel", skip=()))
        if kind in _PRIMITIVES:
            return _PRIMITIVES[kind]
        msg = f"unsupported Avro type {kind}"
        raise ContractError(msg)

    def define(self, schema: Mapping[str, Any], source: str) -> str:
        name = schema["name"]
        if name in self.shapes and self.shapes[name] != schema:
            msg = f"named type {name} is defined differently in two schema files"
            raise ContractError(msg)
        self.shapes[name] = schema
        self.named.setdefault(name, source)
        return str(name)

    def enum_source(self, schema: Mapping[str, Any]) -> str:
        lines = [f"class {schema['name']}(enum.StrEnum):", f'    """{schema["doc"]}"""', ""]
        lines += [f'    {symbol} = "{symbol}"' for symbol in schema["symbols"]]
        return "\n".join(lines)

    def field_line(self, field: Mapping[str, Any]) -> str:
        annotation = self.annotation(field["type"])
        doc = field["doc"].replace('"', "'")
        if "default" in field:
            return f'    {field["name"]}: {annotation} = Field({field["default"]!r}, description="{doc}")'
        return f'    {field["name"]}: {annotation} = Field(description="{doc}")'

    def record_source(self, schema: Mapping[str, Any], base: str, skip: tuple[str, ...]) -> str:
        lines = [f"class {schema['name']}({base}):", f'    """{schema["doc"]}"""', ""]
        if base == "Event":
            name = schema["name"]
            lines += [
                f'    EVENT_TYPE: ClassVar[str] = "{name}"',
                f'    SCHEMA_NAME: ClassVar[str] = "{EVENT_NAMESPACE}.{name}"',
                f'    CLOUDEVENT_TYPE: ClassVar[str] = "{cloudevent_type(name)}"',
                "",
            ]
        lines += [self.field_line(f) for f in schema["fields"] if f["name"] not in skip]
        return "\n".join(lines)


def _check_common_fields(schema: Mapping[str, Any]) -> None:
    fields = {f["name"]: f["type"] for f in schema["fields"]}
    for name, expected in COMMON_FIELDS.items():
        if fields.get(name) != expected:
            msg = f"event schema {schema['name']} must declare {name} as {expected}"
            raise ContractError(msg)


def generate(schemas: SchemaCatalogue) -> str:
    """Return the source of models.py for the newest version of every event type."""
    generator = _Generator()
    events: list[str] = []
    for name in schemas.names(EVENT_NAMESPACE):
        source = schemas.latest(f"{EVENT_NAMESPACE}.{name}").source
        _check_common_fields(source)
        events.append(generator.record_source(source, "Event", skip=tuple(COMMON_FIELDS)))
    names = schemas.names(EVENT_NAMESPACE)
    registry = "\n".join(f"    {n!r}: {n}," for n in names)
    body = [*generator.named.values(), *events]
    footer = f"EVENT_MODELS: dict[str, type[Event]] = {{\n{registry}\n}}\n"
    return "\n\n\n".join([_header("\n".join(body)), *body, footer])


def _header(body: str) -> str:
    """The module docstring and the imports the body uses."""
    stdlib = ["import datetime as dt"] if "dt." in body else []
    stdlib += ["import enum", "from typing import ClassVar"]
    stdlib += ["from uuid import UUID"] if "UUID" in body else []
    pydantic = ", ".join(n for n in ("AwareDatetime", "Field", "StrictBool") if n in body)
    contract = [n for n in ("AvroInt", "AvroLong") if n in body] + ["ContractModel", "Event"]
    imports = [
        *stdlib,
        "",
        f"from pydantic import {pydantic}",
        "",
        _CONTRACT_IMPORT + ", ".join(contract),
    ]
    return _DOCSTRING + "\n\nfrom __future__ import annotations\n\n" + "\n".join(imports)


_CONTRACT_IMPORT = "from ketenhub.contract.base import "
_DOCSTRING = '''"""Typed models of the event contract, generated from schemas/avro: do not edit.

Regenerate with ``python -m ketenhub.contract.codegen``.
"""'''


def main() -> None:
    """Write models.py from the schema files."""
    MODELS_PATH.write_text(generate(catalogue()), encoding="utf-8")
    sys.stdout.write(f"wrote {MODELS_PATH}\n")


if __name__ == "__main__":
    main()
