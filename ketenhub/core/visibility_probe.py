"""Which role sees which field of an event, found by asking the need-to-know rules themselves.

A synthetic case with every section (signal, phases, two actions, forwards to police,
inspection and RIEC, two sharing decisions, two referrals of one victim to a care partner) is
folded with a probe event, and again with the probe changed in one field; each role's view
(``need_to_know.render_view``, as if the role had a reason to see the case) is rendered both
times. A role sees a field when its view differs. So the register follows the renderers: a
field a renderer starts to show appears in the register without editing it. Every value
here is synthetic (no person exists behind it). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.contract.schemas import catalogue
from ketenhub.core.case_folds import FOLD
from ketenhub.core.case_state import CaseState
from ketenhub.core.need_to_know import render_view
from ketenhub.core.partners import Partner, PartnerRegistry, Role

CASE = "case-probe"
_AT = dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC)
_FORWARD = uuid.UUID(int=1)
_VICTIM = "psn-" + "0" * 32


def _other_uuid(value: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(int=value.int ^ 1)


def _schema(event_type: type[Event]) -> Mapping[str, Any]:
    return catalogue().latest(event_type.SCHEMA_NAME).source


def _named(node: Any, found: dict[str, Any]) -> dict[str, Any]:
    if isinstance(node, list):
        for branch in node:
            _named(branch, found)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "enum", "fixed"):
            found.setdefault(node["name"], node)
        for field in node.get("fields", ()):
            _named(field["type"], found)
        for key in ("items", "values"):
            if key in node:
                _named(node[key], found)
    return found


def _filled(node: Any, name: str, named: Mapping[str, Any]) -> Any:
    """A synthetic value of an Avro type: optional fields filled, lists of one item."""
    if isinstance(node, list):
        return _filled(next(b for b in node if b != "null"), name, named)
    if isinstance(node, str) and node.rsplit(".", 1)[-1] in named:
        return _filled(named[node.rsplit(".", 1)[-1]], name, named)
    kind = node if isinstance(node, str) else node.get("logicalType") or node["type"]
    simple: dict[str, Any] = {
        "string": f"{name.replace('_', '-')}-1",
        "boolean": True,
        "int": 1,
        "long": 1,
        "bytes": b"probe",
        "uuid": uuid.UUID(int=2),
        "timestamp-micros": _AT,
        "date": _AT.date(),
    }
    if kind in simple:
        return simple[kind]
    if kind == "enum":
        return node["symbols"][0]
    if kind == "array":
        return [_filled(node["items"], name, named)]
    if kind == "record":
        return {f["name"]: _filled(f["type"], f["name"], named) for f in node["fields"]}
    msg = f"no synthetic value for Avro type {kind}"
    raise ValueError(msg)


def probe_event(event_type: type[Event], **fixed: Any) -> Event:
    """A synthetic event of ``event_type`` with every field filled, ``fixed`` ones as given."""
    schema = _schema(event_type)
    named = _named(schema, {})
    datum = {f["name"]: _filled(f["type"], f["name"], named) for f in schema["fields"]}
    if "case_id" in event_type.model_fields:
        datum["case_id"] = CASE
    return event_type.model_validate({**datum, "occurred_at": _AT, **fixed})


class _Cast:
    """One partner of each role that has a view, from the registry."""

    def __init__(self, registry: PartnerRegistry) -> None:
        self.by_role: dict[Role, Partner] = {}
        for role in Role:
            found = registry.with_role(role)
            if found:
                self.by_role[role] = found[0]

    def id(self, role: Role) -> str:
        partner = self.by_role.get(role)
        return "" if partner is None else partner.id


def _base(cast: _Cast) -> list[Event]:
    police, care = cast.id(Role.POLICE), cast.id(Role.CARE)
    events: list[Event] = [
        probe_event(
            m.SignalReceived,
            recorded_by=cast.id(Role.MUNICIPAL_STAFF),
            channel="INTERNAL_ROUTE",
            persons=[_VICTIM],
        ),
        probe_event(m.IntakeAssessed, forward_to=police),
        probe_event(m.SeverityAssessed),
        probe_event(m.SourceResearchCompleted),
        probe_event(
            m.ActionPlanAdopted,
            actions=[
                {"action_id": a, "kind": "CONTROL_VISIT", "owner": police, "due_date": _AT.date()}
                for a in ("act", "actx")
            ],
        ),
    ]
    for event_id, role in (
        (_FORWARD, Role.POLICE),
        (_other_uuid(_FORWARD), Role.POLICE),
        (uuid.UUID(int=10), Role.INSPECTION),
        (uuid.UUID(int=11), Role.RIEC),
    ):
        events.append(probe_event(m.SignalForwarded, event_id=event_id, to_partner=cast.id(role)))
    for decision in ("dec", "decx"):
        events.append(
            probe_event(m.SharingDecided, decision_id=decision, partner=cast.id(Role.RIEC))
        )
    for referral in ("ref", "refx"):
        events.append(
            probe_event(m.ReferralMade, referral_id=referral, victim=_VICTIM, provider=care)
        )
    return events


def _fixed(event_type: type[Event], cast: _Cast, addressee: Role) -> dict[str, Any]:
    """The references a probe of ``event_type`` needs to fold into the base case; what it
    forwards, shares or assigns goes to the partner of role ``addressee``."""
    fields = event_type.model_fields
    wanted: dict[str, Any] = {
        "action_id": "act",
        "referral_id": "ref",
        "decision_id": "dec",
        "forward_event_id": _FORWARD,
        "victim": _VICTIM,
        "provider": cast.id(Role.CARE),
        "owner": cast.id(addressee),
        "to_partner": cast.id(addressee),
        "forward_to": cast.id(addressee),
        "partner": cast.id(addressee),
        "cases_discussed": [CASE],
        "persons": [_VICTIM],
    }
    if event_type is m.ActionPlanAdopted:  # creations take a fresh id, whose change shows
        wanted["actions"] = [
            {"action_id": "probe", "kind": "CONTROL_VISIT", "owner": cast.id(addressee)}
            | {"due_date": _AT.date()}
        ]
    if event_type in (m.ReferralMade, m.SharingDecided):
        wanted |= {"referral_id": "probe", "decision_id": "probe"}
    return {k: v for k, v in wanted.items() if k in fields}


def _alterations(node: Any, value: Any, named: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Each leaf of ``value`` (of Avro type ``node``) changed, one at a time: (path, new value)."""
    if value is None:
        return
    if isinstance(node, list):
        yield from _alterations(next(b for b in node if b != "null"), value, named)
        return
    if isinstance(node, str) and node.rsplit(".", 1)[-1] in named:
        yield from _alterations(named[node.rsplit(".", 1)[-1]], value, named)
        return
    kind = node if isinstance(node, str) else node.get("logicalType") or node["type"]
    if kind == "record":
        for field in node["fields"]:
            name = field["name"]
            for sub, new in _alterations(field["type"], value[name], named):
                path = name + (sub if sub.startswith("[") else f".{sub}" if sub else "")
                yield path, {**value, name: new}
    elif kind == "array" and value:
        for sub, new in _alterations(node["items"], value[0], named):
            yield ("[]." + sub if sub else ""), [new, *value[1:]]
    elif kind == "enum":
        yield "", next(s for s in node["symbols"] if s != str(getattr(value, "value", value)))
    else:
        yield "", _changed(value)


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, bytes):
        return value + b"x"
    if isinstance(value, uuid.UUID):
        return _other_uuid(value)
    if isinstance(value, dt.datetime | dt.date):
        return value + dt.timedelta(days=1)
    msg = f"cannot change a value of type {type(value).__name__}"
    raise TypeError(msg)


def _views(events: list[Event], cast: _Cast) -> dict[Role, object]:
    state = CaseState(CASE)
    for sequence, event in enumerate(events):
        state.apply(sequence, event)
    return {role: render_view(state, partner, ["PROBE"]) for role, partner in cast.by_role.items()}


def _probed(event_type: type[Event], cast: _Cast, addressee: Role) -> Mapping[str, frozenset[Role]]:
    probe = probe_event(event_type, **_fixed(event_type, cast, addressee))
    base = _base(cast)
    before = _views([*base, probe], cast)
    schema = _schema(event_type)
    named = _named(schema, {})
    datum = probe.model_dump(mode="python")
    seen: dict[str, frozenset[Role]] = {}
    for path, changed in _alterations(schema, datum, named):
        after = _views([*base, event_type.model_validate(changed)], cast)
        seen[path] = frozenset(r for r in before if before[r] != after[r])
    if "case_id" in seen:  # every view names its case: whoever sees any of it sees the case id
        seen["case_id"] = frozenset(role for roles in seen.values() for role in roles)
    return seen


_ADDRESSEES = (Role.POLICE, Role.INSPECTION, Role.RIEC)


def visibility(event_type: type[Event], registry: PartnerRegistry) -> Mapping[str, frozenset[Role]]:
    """Per field path of an event type, the roles whose case view shows it (empty: none).

    What an event forwards, shares or assigns is probed addressed to police, inspection and
    RIEC in turn. Event types that fold into no case (control days, trainings, ...) give every field no
    role: they reach no partner's case view.
    """
    if event_type not in FOLD.handled:
        return {}
    cast = _Cast(registry)
    seen: dict[str, frozenset[Role]] = {}
    for addressee in _ADDRESSEES:
        for path, roles in _probed(event_type, cast, addressee).items():
            seen[path] = seen.get(path, frozenset()) | roles
    return seen
