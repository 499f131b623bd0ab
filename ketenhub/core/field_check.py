"""Every string of an event holds what its field is for: no clear identifier gets into the log.

The event is walked generically (nested records, arrays, maps), each string checked by
the rule of its field (``field_rules``): pseudonyms and ids have a strict format, codes
come from the registry's code lists, partner fields name a registered partner, and every
other string is searched for a BSN, an e-mail address or a phone number. A refusal names
the field path and the rule, never the value (it may be the very personal data refused).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator
from dataclasses import replace

from pydantic import BaseModel

from ketenhub.contract.base import Event
from ketenhub.core.field_rules import (
    AREA_FORMAT,
    AREA_PATTERN,
    MUNICIPALITY_FORMAT,
    MUNICIPALITY_PATTERN,
    FieldKind,
    FieldRule,
    rule_for,
)
from ketenhub.core.identifiers import ID_FORMAT, PSEUDONYM_FORMAT, is_opaque_id, is_pseudonym
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.personal_data import find_personal_data
from ketenhub.core.rejection import Rejection, RejectionCode

MAX_CODES_LISTED = 12


def check_fields(registry: PartnerRegistry, event: Event) -> Rejection | None:
    """Return why a string of ``event`` may not hold what it holds, or None if all are fine.

    The rejection is marked ``clear_data``: the string refused may be personal data in clear.

    A first pass only asks whether every string is fine (no paths built, no rejection
    made); only an event that fails it is walked again to name the first field and rule.
    """
    if _Pass(registry).model_fine(event):
        return None
    problem = _first_problem(registry, event)
    return None if problem is None else replace(problem, clear_data=True)


def _first_problem(registry: PartnerRegistry, event: Event) -> Rejection | None:
    """The rejection for the first string of ``event`` that may not hold what it holds."""
    for path, rule, value in strings_of(event):
        problem = _check(registry, path, rule, value)
        if problem is not None:
            return problem
    return None


def strings_of(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, FieldRule, str]]:
    """Every string in ``model`` at any depth: its path (``actions[0].kind``), rule and value."""
    for name, rule in _field_rules(type(model)):
        value = getattr(model, name)
        if type(value) is str:  # the common case, ahead of the walk below
            yield f"{prefix}{name}", rule, value
        elif value is not None:
            yield from _strings_in(value, f"{prefix}{name}", rule)


@functools.cache
def _field_rules(model: type[BaseModel]) -> tuple[tuple[str, FieldRule], ...]:
    """The fields of a record type with the rule of each (the same for every instance)."""
    return tuple((name, rule_for(model.__name__, name)) for name in model.model_fields)


def _strings_in(value: object, path: str, rule: FieldRule) -> Iterator[tuple[str, FieldRule, str]]:
    if isinstance(value, BaseModel):
        yield from strings_of(value, f"{path}.")
    elif isinstance(value, enum.Enum | bytes | bool | int | float) or value is None:
        return
    elif isinstance(value, str):
        yield path, rule, value
    elif isinstance(value, list | tuple | frozenset | set):
        for index, item in enumerate(value):
            yield from _strings_in(item, f"{path}[{index}]", rule)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key, f"{path}.<key>", FieldRule(FieldKind.TEXT))
            yield from _strings_in(item, f"{path}[{key!r}]", rule)


_SKIPPED = (enum.Enum, bytes, bool, int, float)  # never strings: nothing to check in them
_PARTNERS: dict[int, tuple[PartnerRegistry, frozenset[str]]] = {}  # by id; the registry kept


def _partner_ids(registry: PartnerRegistry) -> frozenset[str]:
    """The partner ids of a registry, collected once per registry (it is frozen)."""
    found = _PARTNERS.get(id(registry))
    if found is not None and found[0] is registry:
        return found[1]
    if len(_PARTNERS) >= 16:  # a process holds one registry or a few (tests many)
        _PARTNERS.clear()
    ids = frozenset(p.id for p in registry.partners)
    _PARTNERS[id(registry)] = (registry, ids)
    return ids


class _Shape(enum.Enum):
    """How ``_strings_in`` walks a value of some class: the branch its ``isinstance`` tests take."""

    MODEL = enum.auto()
    SKIPPED = enum.auto()  # nothing to check in it
    STRING = enum.auto()
    SEQUENCE = enum.auto()
    MAPPING = enum.auto()


_SHAPES: dict[type, _Shape] = {}  # by the exact class of a value, decided once per class


def _shape(cls: type) -> _Shape:
    """The branch ``_strings_in`` takes for a value of class ``cls``, tested in its order."""
    shape = _SHAPES.get(cls)
    if shape is None:
        if issubclass(cls, BaseModel):
            shape = _Shape.MODEL
        elif issubclass(cls, _SKIPPED) or cls is type(None):
            shape = _Shape.SKIPPED
        elif issubclass(cls, str):
            shape = _Shape.STRING
        elif issubclass(cls, list | tuple | frozenset | set):
            shape = _Shape.SEQUENCE
        elif issubclass(cls, dict):
            shape = _Shape.MAPPING
        else:
            shape = _Shape.SKIPPED  # a time, a date, a UUID: no string in it
        _SHAPES[cls] = shape
    return shape


class _Pass:
    """Whether every string of a record is fine: ``_check`` returns None for each of them.

    Each value is walked by the shape of its class (``_shape``, decided once per class), the
    branches ``_strings_in`` takes for it, without testing every value against each kind.
    """

    def __init__(self, registry: PartnerRegistry) -> None:
        self._registry, self._partners = registry, _partner_ids(registry)

    def model_fine(self, model: BaseModel) -> bool:
        for name, rule in _field_rules(type(model)):
            value = getattr(model, name)
            cls = type(value)
            if cls is str:
                if not self.fine(rule, value):
                    return False
            elif (_SHAPES.get(cls) or _shape(cls)) is not _Shape.SKIPPED and not self.value_fine(
                value, rule
            ):
                return False
        return True

    def value_fine(self, value: object, rule: FieldRule) -> bool:
        """As ``_strings_in`` walks ``value``: each string in it is fine by ``rule``."""
        shape = _SHAPES.get(type(value)) or _shape(type(value))
        if shape is _Shape.SKIPPED:
            return True
        if shape is _Shape.STRING:
            return self.fine(rule, value)  # type: ignore[arg-type]  # a str by its class
        if shape is _Shape.MODEL:
            return self.model_fine(value)  # type: ignore[arg-type]  # a model by its class
        if shape is _Shape.SEQUENCE:
            items: list[object] = value  # type: ignore[assignment]  # a list, tuple or set by its class
            return all(self.value_fine(item, rule) for item in items)
        entries: dict[object, object] = value  # type: ignore[assignment]  # a dict by its class
        return all(
            self.value_fine(key, _KEY_RULE) and self.value_fine(item, rule)
            for key, item in entries.items()
        )

    def fine(self, rule: FieldRule, value: str) -> bool:
        """Whether ``_check`` finds nothing wrong with ``value`` in a field of ``rule``."""
        kind = rule.kind
        if kind is FieldKind.TEXT:
            return find_personal_data(value) is None
        if kind is FieldKind.PSEUDONYM:
            return is_pseudonym(value)
        if kind is FieldKind.CODE:
            return value in self._registry.codes.allowed(rule.code_list or "")
        if kind is FieldKind.PARTNER:
            return value in self._partners  # any other value is refused, one way or another
        if kind is FieldKind.OPAQUE_ID:
            shaped = is_opaque_id(value)
        elif kind is FieldKind.AREA:
            shaped = AREA_PATTERN.fullmatch(value) is not None
        else:
            shaped = MUNICIPALITY_PATTERN.fullmatch(value) is not None
        return shaped and find_personal_data(value) is None


_KEY_RULE = FieldRule(FieldKind.TEXT)


def _check(registry: PartnerRegistry, path: str, rule: FieldRule, value: str) -> Rejection | None:
    kind = rule.kind
    if kind is FieldKind.PSEUDONYM:
        return (
            None
            if is_pseudonym(value)
            else _invalid(path, f"is not a pseudonym ({PSEUDONYM_FORMAT})")
        )
    if kind is FieldKind.CODE:
        return _code(registry, path, rule.code_list or "", value)
    if kind is FieldKind.PARTNER and registry.knows(value):
        return None
    if kind is FieldKind.PARTNER and not is_opaque_id(value):
        return _invalid(path, f"is not a partner id ({_known(registry)})")
    if kind is FieldKind.PARTNER and find_personal_data(value) is None:
        return _unknown_partner(registry, path)
    if kind is FieldKind.OPAQUE_ID and not is_opaque_id(value):
        return _invalid(
            path, f"is not an opaque id ({ID_FORMAT}; never a name or number of a person)"
        )
    if kind is FieldKind.AREA and AREA_PATTERN.fullmatch(value) is None:
        return _invalid(path, f"is not {AREA_FORMAT}; never an address")
    if kind is FieldKind.MUNICIPALITY and MUNICIPALITY_PATTERN.fullmatch(value) is None:
        return _invalid(path, f"is not {MUNICIPALITY_FORMAT}")
    found = find_personal_data(value)
    if found is not None:  # in a partner field, an id or any other string: never stored
        return Rejection(
            RejectionCode.PERSONAL_DATA_IN_FIELD,
            f"{path} holds what looks like a {found.description}; send only pseudonyms, opaque "
            "ids and codes (the value is not repeated here)",
        )
    return None


def _invalid(path: str, rule: str) -> Rejection:
    return Rejection(RejectionCode.INVALID_VALUE, f"{path} {rule} (the value is not repeated here)")


def _code(registry: PartnerRegistry, path: str, code_list: str, value: str) -> Rejection | None:
    allowed = registry.codes.allowed(code_list)
    if value in allowed:
        return None
    listed = ", ".join(sorted(allowed)) if len(allowed) <= MAX_CODES_LISTED else ""
    where = f"allowed: {listed}; " if listed else ""
    return _invalid(
        path,
        f"is not a code of the list {code_list} ({where}see `ketenhub codes {code_list}`)",
    )


def _unknown_partner(registry: PartnerRegistry, path: str) -> Rejection:
    return Rejection(
        RejectionCode.MISSING_REFERENCE,
        f"{path} names no partner of the registry ({_known(registry)}; the value is not repeated here)",
    )


def _known(registry: PartnerRegistry) -> str:
    return "known: " + ", ".join(p.id for p in registry.partners)
