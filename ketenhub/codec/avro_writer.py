"""Avro writers compiled from nodes: one Python function per record, the nodes' bytes exactly.

A node's ``write`` walks a value with a method call per field, per item and per primitive. The
writer compiled here from a node is Python source spelling out the same walk: each record a
function that appends its fields' encodings to one list, strings, longs, enums, nulls, arrays
and maps written in place. What it takes in place is only the common exact type of each field
(a ``str`` in a string, an ``int`` in a long, the record's own class in a record, a ``list`` or
``tuple`` in an array, a ``dict`` in a map); any other value is handed to the node's own
``write``, which writes it or refuses it exactly as before (a wrong type, a naive time, an enum
symbol the schema lacks). So a compiled writer gives the node's bytes and the node's errors;
tests compare both on the demo years' views and events and on values of every wrong kind.
"""

from __future__ import annotations

import datetime as dt
import keyword
from collections.abc import Callable, Mapping

from ketenhub.codec.avro_nodes import (
    _EPOCH,
    _MICROSECOND,
    _SMALL,
    STRING,
    BooleanNode,
    EnumNode,
    LongNode,
    Node,
    StringNode,
    TimestampNode,
    long_bytes,
    wrong_type,
)
from ketenhub.codec.avro_records import (
    ArrayNode,
    MapNode,
    NullableNode,
    RecordNode,
    RecordUnionNode,
)

Writer = Callable[[object], bytes]
FieldsWriter = Callable[[object, Mapping[int, bytes]], bytes]

_compiled: dict[int, tuple[Node, Writer]] = {}  # by the node's id (the node kept alive here)
_compiled_fields: dict[int, tuple[RecordNode, FieldsWriter]] = {}
# The function appending a record's fields, by its node's id: each record compiled once, and
# every later writer referring to it calls it.
_record_functions: dict[int, tuple[RecordNode, Callable[[object, Callable[[bytes], None]], None]]]
_record_functions = {}


def compiled_writer(node: Node) -> Writer:
    """A function writing what ``node.write`` writes (and refusing what it refuses), faster."""
    found = _compiled.get(id(node))
    if found is None or found[0] is not node:
        source = _Source()
        source.function("write", "value", node, known=False)
        found = _compiled[id(node)] = (node, source.build("write"))
    return found[1]


def compiled_fields_writer(node: RecordNode) -> FieldsWriter:
    """``node.write_fields`` compiled: a field value whose ``id`` is in ``known`` is written as
    the encoding found there."""
    found = _compiled_fields.get(id(node))
    if found is None or found[0] is not node:
        source = _Source()
        source.function("write_fields", "value, known", node, known=True)
        found = _compiled_fields[id(node)] = (node, source.build("write_fields"))
    return found[1]


class _Source:
    """The source of one compiled module: its functions, and the objects they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, object] = {
            "SMALL": _SMALL,
            "long_bytes": long_bytes,
            "wrong_type": wrong_type,
            "DATETIME": dt.datetime,
            "EPOCH": _EPOCH,
            "MICROSECOND": _MICROSECOND,
        }
        self._names: dict[int, str] = {}
        self._records: dict[int, str] = {}  # record node id -> its function's name
        self._pending: list[tuple[str, RecordNode]] = []
        self._count = 0

    def build(self, name: str) -> Callable[..., bytes]:
        emitted = []
        while self._pending:
            function, record = self._pending.pop()
            self._record_function(function, record)
            emitted.append((function, record))
        namespace = dict(self.env)
        # The source is made above from the schema's nodes alone: no outside text in it.
        exec(compile("\n".join(self.lines), "<compiled avro writer>", "exec"), namespace)
        for function, record in emitted:
            _record_functions[id(record)] = (record, namespace[function])  # type: ignore[assignment]  # defined by the source above
        built = namespace[name]
        if not callable(built):  # pragma: no cover  # defined just above
            raise TypeError(name)
        return built

    def const(self, value: object) -> str:
        """The global name under which the compiled code refers to ``value``."""
        name = self._names.get(id(value))
        if name is None:
            name = self._names[id(value)] = f"k{len(self._names)}"
            self.env[name] = value
        return name

    def local(self) -> str:
        self._count += 1
        return f"v{self._count}"

    def function(self, name: str, arguments: str, node: Node, *, known: bool) -> None:
        """``name(arguments)``: the encoding of ``value`` by ``node``, as one bytes."""
        self.lines += [f"def {name}({arguments}):", "    parts = []", "    a = parts.append"]
        if known and isinstance(node, RecordNode):
            cls, label = self.const(node.cls), self.const(f"record {node.name}")
            self.lines += [
                f"    if not isinstance(value, {cls}):",
                f"        raise wrong_type(value, {label})",
                "    get = known.get",
            ]
            for field, field_node in node.fields:
                got = self.local()
                self.lines += [
                    f"    {got} = {_attribute('value', field)}",
                    f"    e = get(id({got}))",
                ]
                self.lines += ["    if e:", "        a(e)", "    else:"]
                self.emit(field_node, got, "        ")
        else:
            self.emit(node, "value", "    ")
        self.lines += ['    return b"".join(parts)', ""]

    def _record_function(self, function: str, node: RecordNode) -> None:
        self.lines += [f"def {function}(value, a):"]
        if not node.fields:
            self.lines += ["    return", ""]
            return
        for field, field_node in node.fields:
            got = self.local()
            self.lines.append(f"    {got} = {_attribute('value', field)}")
            self.emit(field_node, got, "    ")
        self.lines.append("")

    def record(self, node: RecordNode) -> str:
        """The name of the function appending the fields of a ``node`` record."""
        name = self._records.get(id(node))
        compiled = _record_functions.get(id(node))
        if name is None and compiled is not None and compiled[0] is node:
            name = self._records[id(node)] = self.const(compiled[1])
        elif name is None:
            name = self._records[id(node)] = f"r{len(self._records)}"
            self.const(node)  # keep the node alive with the code referring to it
            self._pending.append((name, node))
        return name

    def emit(self, node: Node, v: str, at: str) -> None:
        """Lines appending the encoding of the value in local ``v`` by ``node``."""
        kind, fallback = type(node), f"a({self.const(node)}.write({v}))"
        if kind is StringNode:
            self.lines += [
                f"{at}if {v}.__class__ is str:",
                f"{at}    d = {v}.encode()",
                f"{at}    n = len(d)",
                f"{at}    a(SMALL[n] if n < 1024 else long_bytes(n))",
                f"{at}    a(d)",
            ]
        elif kind is LongNode:
            self.lines += [f"{at}if {v}.__class__ is int:", f"{at}    a(long_bytes({v}))"]
        elif kind is BooleanNode:
            self.lines += [
                f"{at}if {v} is True:",
                f'{at}    a(b"\\x01")',
                f"{at}elif {v} is False:",
                f'{at}    a(b"\\x00")',
            ]
        elif kind is TimestampNode:
            self.lines += [
                f"{at}if {v}.__class__ is DATETIME:",
                f"{at}    a(long_bytes(({v} - EPOCH) // MICROSECOND))",
            ]
        elif isinstance(node, EnumNode):
            index = self.const(node._index)  # the node's own symbol encodings
            self.lines += [
                f"{at}e = {index}.get({v}) if isinstance({v}, str) else None",
                f"{at}if e is not None:",
                f"{at}    a(e)",
            ]
        elif isinstance(node, NullableNode):
            self.lines += [f"{at}if {v} is None:", f'{at}    a(b"\\x00")', f"{at}else:"]
            self.lines.append(f'{at}    a(b"\\x02")')
            self.emit(node.inner, v, at + "    ")
            return
        elif isinstance(node, RecordNode):
            cls = self.const(node.cls)
            self.lines += [
                f"{at}if {v}.__class__ is {cls}:",
                f"{at}    {self.record(node)}({v}, a)",
            ]
        elif isinstance(node, RecordUnionNode):
            self.lines.append(f"{at}c = {v}.__class__")
            for i, branch in enumerate(node.branches):
                test = "if" if i == 0 else "elif"
                index = self.const(long_bytes(i))
                self.lines += [
                    f"{at}{test} c is {self.const(branch.cls)}:",
                    f"{at}    a({index})",
                    f"{at}    {self.record(branch)}({v}, a)",
                ]
        elif isinstance(node, ArrayNode):
            item = self.local()
            self.lines += [
                f"{at}if {v}.__class__ is tuple or {v}.__class__ is list:",
                f"{at}    if {v}:",
                f"{at}        a(long_bytes(len({v})))",
                f"{at}        for {item} in {v}:",
            ]
            self.emit(node.items, item, at + "            ")
            self.lines.append(f'{at}    a(b"\\x00")')
        elif isinstance(node, MapNode):
            key, item = self.local(), self.local()
            self.lines += [
                f"{at}if {v}.__class__ is dict:",
                f"{at}    if {v}:",
                f"{at}        a(long_bytes(len({v})))",
                f"{at}        for {key}, {item} in {v}.items():",
            ]
            self.emit(STRING, key, at + "            ")
            self.emit(node.values, item, at + "            ")
            self.lines.append(f'{at}    a(b"\\x00")')
        else:
            self.lines.append(f"{at}{fallback}")
            return
        self.lines += [f"{at}else:", f"{at}    {fallback}"]


def _attribute(target: str, field: str) -> str:
    if field.isidentifier() and not keyword.iskeyword(field):
        return f"{target}.{field}"
    return f"getattr({target}, {field!r})"
