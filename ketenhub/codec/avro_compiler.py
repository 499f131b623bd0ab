"""Compiling an Avro schema (its JSON) into nodes, named types resolved to given classes."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping

from ketenhub.codec.avro_nodes import LOGICAL, PRIMITIVES, EnumNode, Node
from ketenhub.codec.avro_records import (
    ArrayNode,
    MapNode,
    NullableNode,
    RecordNode,
    RecordUnionNode,
)
from ketenhub.errors import ContractError


class SchemaCompiler:
    """Compiles schema JSON into nodes, resolving named types to ``types`` by full name."""

    def __init__(self, types: Mapping[str, type]) -> None:
        self.types = types
        self.named: dict[str, Node] = {}

    def compile(self, schema: object, namespace: str = "") -> Node:
        """The node of one schema (a name, a union, or a complex type)."""
        if isinstance(schema, str):
            return PRIMITIVES.get(schema) or self.named[self._full(schema, namespace)]
        if isinstance(schema, list):
            return self._union(schema, namespace)
        if not isinstance(schema, dict):
            msg = f"not an Avro schema: {json.dumps(schema)[:80]}"
            raise ContractError(msg)
        kind, logical = schema["type"], schema.get("logicalType")
        if isinstance(logical, str) and logical in LOGICAL:
            return LOGICAL[logical]
        if kind == "array":
            return ArrayNode(self.compile(schema["items"], namespace))
        if kind == "map":
            return MapNode(self.compile(schema["values"], namespace))
        if kind in ("record", "enum"):
            return self._named(schema, namespace)
        return self.compile(kind, namespace)

    def _union(self, branches: list[object], namespace: str) -> Node:
        nodes = [self.compile(b, namespace) for b in branches if b != "null"]
        if len(nodes) == 1 and len(branches) == 2 and branches[0] == "null":
            return NullableNode(nodes[0])
        if len(nodes) == len(branches) and all(isinstance(n, RecordNode) for n in nodes):
            return RecordUnionNode([n for n in nodes if isinstance(n, RecordNode)])
        msg = f"only [null, T] and unions of records are supported, got {json.dumps(branches)}"
        raise ContractError(msg)

    def _named(self, schema: dict[str, object], namespace: str) -> Node:
        namespace = str(schema.get("namespace", namespace))
        name = self._full(str(schema["name"]), namespace)
        cls = self.types.get(name)
        if cls is None:
            msg = f"no class is given for the named type {name}"
            raise ContractError(msg)
        if schema["type"] == "enum":
            symbols = schema["symbols"]
            if not issubclass(cls, enum.StrEnum) or not isinstance(symbols, list):
                msg = f"{name} is an enum; {cls.__name__} is no StrEnum"
                raise ContractError(msg)
            node = self.named[name] = EnumNode(name, cls, [str(s) for s in symbols])
            return node
        record = RecordNode(name, cls)
        self.named[name] = record
        fields = schema["fields"]
        if not isinstance(fields, list):
            msg = f"record {name} has no list of fields"
            raise ContractError(msg)
        record.define_fields([(str(f["name"]), self.compile(f["type"], namespace)) for f in fields])
        return record

    @staticmethod
    def _full(name: str, namespace: str) -> str:
        return name if "." in name or not namespace else f"{namespace}.{name}"
