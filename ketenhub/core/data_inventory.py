"""The register of what the hub processes: every field of every event, its kind of personal data,
which roles see it and under which retention category it falls — the basis of a DPIA.

Built from the contract itself (the ``personal_data`` property of each field), the
need-to-know rules (``visibility_probe``) and the retention periods of the registry, so it
cannot drift from what the hub does. ``markdown`` renders it. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ketenhub.codec.views import VIEW_RECORD, view_catalogue
from ketenhub.contract.models import EVENT_MODELS
from ketenhub.contract.schemas import AUDIT_NAMESPACE, catalogue
from ketenhub.core.data_kinds import DataKind, field_entries
from ketenhub.core.partners import PartnerRegistry, Role
from ketenhub.core.retention import CASE_BASIS, RetentionCategory, retention_basis
from ketenhub.core.visibility_probe import visibility
from ketenhub.errors import ContractError

_KIND_MEANING = {
    DataKind.PSEUDONYM: "a keyed pseudonym of a person, address or employer",
    DataKind.ENCRYPTED_TEXT: "free text, encrypted under one data subject's key (crypto-shredded on erasure)",
    DataKind.PERSON_ATTRIBUTE: "a coarse characteristic of a pseudonymised person (in part special-category data)",
    DataKind.NESTED: "a record whose own fields are listed below it",
    DataKind.SEALED_EVENT: "an event as sealed, with the kinds of its own schema",
    DataKind.NONE: "nothing personal of its own (ids, codes, partner ids, times, counts)",
}


@dataclass(frozen=True)
class InventoryRow:
    """One field of one event type in the register."""

    event_type: str
    version: int
    path: str
    kind: DataKind
    seen_by: tuple[Role, ...] | None  # None: the event type reaches no case view
    retention: str


def inventory(registry: PartnerRegistry) -> list[InventoryRow]:
    """Every field of the newest version of every event type, in schema order."""
    rows: list[InventoryRow] = []
    for name in sorted(EVENT_MODELS):
        event_type = EVENT_MODELS[name]
        version = catalogue().latest(event_type.SCHEMA_NAME)
        seen = visibility(event_type, registry)
        basis = retention_basis(event_type)
        for entry in field_entries(version.source):
            if entry.kind is None:
                msg = (
                    f"{version.path.name}: field {entry.path} has no valid personal_data "
                    "property; every field must state the personal data it holds"
                )
                raise ContractError(msg)
            roles = _roles_of(entry.path, seen) if seen else None
            rows.append(InventoryRow(name, version.version, entry.path, entry.kind, roles, basis))
    return rows


def _roles_of(path: str, seen: Mapping[str, frozenset[Role]]) -> tuple[Role, ...]:
    """The roles seeing a field: its own probe, or for a record any field inside it."""
    found: set[Role] = set()
    for probed, roles in seen.items():
        if probed == path or probed.startswith((f"{path}.", f"{path}[]")):
            found |= roles
    return tuple(role for role in Role if role in found)


def markdown(registry: PartnerRegistry) -> str:
    """The register as Markdown: kinds, retention periods, every event field, derived records."""
    return "\n".join([*_preamble(registry), *_event_table(registry), *_derived_tables(), ""])


def _preamble(registry: PartnerRegistry) -> Iterator[str]:
    yield "# Register of processing: Ketenhub"
    yield ""
    yield (
        "Every field of every event the hub seals, what personal data it holds, which roles see "
        "it in their case view, and the retention category its personal data falls under. Persons "
        "appear only as keyed pseudonyms; pseudonymised data stay personal data (AVG recital 26), "
        "so every field of a case is processed as such. A role sees a field only in the cases it "
        "has a reason to see (need-to-know); analysts see aggregates only."
    )
    yield ""
    yield "| kind | meaning |"
    yield "|---|---|"
    for kind, meaning in _KIND_MEANING.items():
        yield f"| `{kind}` | {meaning} |"
    yield ""
    yield "## Retention periods"
    yield ""
    yield "| category | days | reason |"
    yield "|---|---|---|"
    for category in RetentionCategory:
        period = registry.retention.of(category)
        yield f"| `{category}` | {period.days} | {_cell(period.reason)} |"
    yield ""
    yield (
        f'"{CASE_BASIS}": a case\'s period starts when it is closed: `signals_closed_at_intake` '
        "when closed before source research, else `cases_closed_after_research`; also "
        "`cases_with_measures` when a measure was imposed and `victims_and_referrals` (from the end "
        "of its last referral) when it has victims; the longest applies. A message the hub refused "
        "(`rejected.<partner>`) counts `refused_inputs` from its refusal. A data subject is erased "
        "once every case, referral, control day and refused message it appears in has expired."
    )
    yield ""


def _event_table(registry: PartnerRegistry) -> Iterator[str]:
    yield "## Events"
    yield ""
    yield "| event type | field | kind | seen by | retention |"
    yield "|---|---|---|---|---|"
    for row in inventory(registry):
        seen = _seen(row.seen_by, row.event_type)
        yield (
            f"| {row.event_type} v{row.version} | `{row.path}` | `{row.kind}` | {seen} | "
            f"{_cell(row.retention)} |"
        )
    yield ""


# Events outside case views that a page still shows (README, "Control days with addresses"):
# the field app shows an open day's planned addresses and its visits' notes to the day's team.
_OUTSIDE_CASE_VIEWS = {
    "ControlDayPlanned": "no case view; the day's team and the coordinator in the field app "
    "while the day is open",
    "ControlVisitLogged": "no case view; the day's team and the coordinator in the field app "
    "while the day is open",
}


def _seen(roles: tuple[Role, ...] | None, event_type: str) -> str:
    if roles is None:
        return _OUTSIDE_CASE_VIEWS.get(event_type, "no case view")
    return ", ".join(role.value for role in roles) or "no partner"


def _derived_tables() -> Iterator[str]:
    yield "## Audit records and views"
    yield ""
    yield (
        "Records the hub writes itself: the sealed log and its checkpoints (read by the hub and "
        "by verifiers) and the partners' case views (each role's record holds only its sections)."
    )
    yield ""
    yield "| record | field | kind |"
    yield "|---|---|---|"
    audit = [
        catalogue().latest(f"{AUDIT_NAMESPACE}.{n}") for n in catalogue().names(AUDIT_NAMESPACE)
    ]
    for version in [*audit, view_catalogue().latest(VIEW_RECORD)]:
        for entry in field_entries(version.source):
            yield f"| {entry.record} | `{entry.path}` | `{entry.kind}` |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
