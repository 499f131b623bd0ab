"""Composite Avro types as nodes: arrays, maps, ``[null, T]``, records and unions of records.

A record node makes instances of the class named by the record's full name (a frozen
dataclass of the view contract, or a pydantic model of the event contract); a union of
several records is read with fastavro's ``return_record_name``.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping

from ketenhub.codec.avro_nodes import STRING, JsonValue, Node, long_bytes, wrong_type


class ArrayNode(Node):
    """``array``: a sequence, read as a tuple."""

    def __init__(self, items: Node) -> None:
        self.items = items

    def write(self, value: object) -> bytes:
        if not isinstance(value, list | tuple):
            raise wrong_type(value, "array")
        if not value:
            return b"\x00"
        write = self.items.write
        return long_bytes(len(value)) + b"".join([write(item) for item in value]) + b"\x00"

    def read(self, datum: object) -> object:
        return tuple(self.items.read(item) for item in _sequence(datum))

    def document(self, value: object) -> JsonValue:
        return [self.items.document(item) for item in _sequence(value)]

    def from_document(self, document: object) -> object:
        return tuple(self.items.from_document(item) for item in _sequence(document))


class MapNode(Node):
    """``map``: a mapping with text keys, read as a dict."""

    def __init__(self, values: Node) -> None:
        self.values = values

    def write(self, value: object) -> bytes:
        if not isinstance(value, Mapping):
            raise wrong_type(value, "map")
        if not value:
            return b"\x00"
        key, write = STRING.write, self.values.write
        entries = b"".join([key(k) + write(v) for k, v in value.items()])
        return long_bytes(len(value)) + entries + b"\x00"

    def read(self, datum: object) -> object:
        return {str(k): self.values.read(v) for k, v in _mapping(datum).items()}

    def document(self, value: object) -> JsonValue:
        return {str(k): self.values.document(v) for k, v in _mapping(value).items()}

    def from_document(self, document: object) -> object:
        return {k: self.values.from_document(v) for k, v in _mapping(document).items()}


class NullableNode(Node):
    """``["null", T]``: None or a value of T."""

    def __init__(self, inner: Node) -> None:
        self.inner = inner
        self.plain_read = inner.plain_read
        self.plain_document = inner.plain_document
        self.plain_from_document = inner.plain_from_document

    def write(self, value: object) -> bytes:
        return b"\x00" if value is None else b"\x02" + self.inner.write(value)

    def read(self, datum: object) -> object:
        return None if datum is None else self.inner.read(datum)

    def document(self, value: object) -> JsonValue:
        return None if value is None else self.inner.document(value)

    def from_document(self, document: object) -> object:
        return None if document is None else self.inner.from_document(document)

    @property
    def nullable(self) -> bool:
        return True


class RecordNode(Node):
    """``record``: an instance of the class named by the record's full name."""

    def __init__(self, name: str, cls: type) -> None:
        self.name, self.cls = name, cls
        self.fields: list[tuple[str, Node]] = []  # set by ``define_fields``
        self._writers: list[Callable[[object], bytes]] = []
        self._values: Callable[[object], tuple[object, ...]] = lambda _: ()
        self._reads: list[tuple[str, Callable[[object], object] | None]] = []  # None: as it is
        self._documents: list[tuple[str, Callable[[object], JsonValue] | None]] = []
        self._from_documents: list[tuple[str, Callable[[object], object] | None, bool]] = []
        self._by_keyword = not dataclasses.is_dataclass(cls)  # a pydantic model of the events

    def define_fields(self, fields: list[tuple[str, Node]]) -> None:
        """Give the record its fields (after it is named, so that they may refer to it)."""
        self.fields = fields
        self._writers = [node.write for _, node in fields]
        getter = operator.attrgetter(*(name for name, _ in fields))
        self._values = getter if len(fields) > 1 else lambda value: (getter(value),)
        self._reads = [(n, None if f.plain_read else f.read) for n, f in fields]
        self._documents = [(n, None if f.plain_document else f.document) for n, f in fields]
        self._from_documents = [
            (n, None if f.plain_from_document else f.from_document, f.nullable) for n, f in fields
        ]

    def _make(self, values: list[object]) -> object:
        if self._by_keyword:
            return self.cls(**dict(zip((n for n, _ in self.fields), values, strict=True)))
        return self.cls(*values)

    def write(self, value: object) -> bytes:
        if not isinstance(value, self.cls):
            raise wrong_type(value, f"record {self.name}")
        return b"".join(
            [write(v) for write, v in zip(self._writers, self._values(value), strict=True)]
        )

    def write_fields(self, value: object, known: Mapping[int, bytes]) -> bytes:
        """``write(value)``, taking the encoding of a field value from ``known`` (by its id)
        when that very object has one there."""
        if not isinstance(value, self.cls):
            raise wrong_type(value, f"record {self.name}")
        get = known.get  # an encoding is never empty: a record, a map or an array of some
        pairs = zip(self._writers, self._values(value), strict=True)
        return b"".join(
            [get(id(field_value)) or write(field_value) for write, field_value in pairs]
        )

    def read(self, datum: object) -> object:
        found = _mapping(datum)
        return self._make([found[n] if f is None else f(found[n]) for n, f in self._reads])

    def document(self, value: object) -> JsonValue:
        pairs = zip(self._documents, self._values(value), strict=True)
        # A field without a converter holds a string, a whole number or a truth value already.
        return {n: v if f is None else f(v) for (n, f), v in pairs}  # type: ignore[misc]

    def from_document(self, document: object) -> object:
        found = _mapping(document)
        values = []
        for name, convert, nullable in self._from_documents:
            given = found.get(name)
            if given is None and not nullable:
                msg = f"{self.name} lacks {name}"
                raise ValueError(msg)
            values.append(given if convert is None or given is None else convert(given))
        return self._make(values)

    def field(self, name: str) -> Node:
        """The node of one field."""
        return dict(self.fields)[name]


class RecordUnionNode(Node):
    """A union of several records: the branch is the value's class (no null)."""

    def __init__(self, branches: list[RecordNode]) -> None:
        self.branches = branches
        self._by_class = {node.cls: (long_bytes(i), node) for i, node in enumerate(branches)}
        self._by_name = {node.name: node for node in branches}

    def branch(self, value: object) -> tuple[bytes, RecordNode]:
        """The union index (encoded) and the record node of ``value``'s class."""
        found = self._by_class.get(type(value))
        if found is None:
            raise wrong_type(value, "union of " + ", ".join(self._by_name))
        return found

    def write(self, value: object) -> bytes:
        index, node = self.branch(value)
        return index + node.write(value)

    def read(self, datum: object) -> object:
        if not isinstance(datum, tuple) or len(datum) != 2 or datum[0] not in self._by_name:
            msg = "a union of records is read with fastavro's return_record_name"
            raise ValueError(msg)
        return self._by_name[datum[0]].read(datum[1])

    def document(self, value: object) -> JsonValue:
        return self.branch(value)[1].document(value)

    def from_document(self, document: object) -> object:
        msg = "a document does not say which record of a union it holds"
        raise ValueError(msg)


def _sequence(value: object) -> list[object] | tuple[object, ...]:
    if not isinstance(value, list | tuple):
        raise wrong_type(value, "array")
    return value


def _mapping(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise wrong_type(value, "map or record")
    return value
