"""Need-to-know: which partners may see a case, why, and which fields each role sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ketenhub.core.case_state import CaseState, Json
from ketenhub.core.partners import Partner, PartnerRegistry, Role


@dataclass(frozen=True)
class _Access:
    """What access reasons need of a registry, looked up once per registry (it is frozen)."""

    coordinators: tuple[str, ...]
    silent: frozenset[str]
    known: frozenset[str]


_ACCESS: dict[int, tuple[PartnerRegistry, _Access]] = {}  # by id; the registry kept alive


def _access(registry: PartnerRegistry) -> _Access:
    found = _ACCESS.get(id(registry))
    if found is not None and found[0] is registry:
        return found[1]
    if len(_ACCESS) >= 16:  # a process holds one registry or a few (tests many)
        _ACCESS.clear()
    access = _Access(
        coordinators=tuple(p.id for p in registry.with_role(Role.COORDINATOR)),
        silent=frozenset(p.id for p in registry.with_role(Role.ANONYMOUS_CHANNEL)),
        known=frozenset(p.id for p in registry.partners),
    )
    _ACCESS[id(registry)] = (registry, access)
    return access


def access_reasons(state: CaseState, registry: PartnerRegistry) -> dict[str, list[str]]:
    """Return, per partner id, why it may see the case now; partners without a reason are absent."""
    reasons: dict[str, set[str]] = {}
    access = _access(registry)

    def grant(partner_id: str, reason: str) -> None:
        reasons.setdefault(partner_id, set()).add(reason)

    for coordinator in access.coordinators:
        grant(coordinator, "COORDINATOR")
    if state.signal:
        grant(state.signal["reported_by"], "REPORTED")
    for forward in state.forwards.values():
        for partner_id in forward["to"]:
            grant(partner_id, "FORWARDED")
    for action in state.actions.values():
        grant(action["owner"], "ACTION_OWNER")
    for decision_id, decision in state.sharing.items():
        if decision["revoked_at"] is None:
            grant(decision["partner"], f"SHARED:{decision_id}")
    for referral_id, referral in state.referrals.items():
        grant(referral["provider"], f"REFERRAL:{referral_id}")
    return {
        partner_id: sorted(found)
        for partner_id, found in sorted(reasons.items())
        if partner_id in access.known and partner_id not in access.silent
    }


def _header(state: CaseState, reasons: list[str]) -> Json:
    return {
        "case_id": state.case_id,
        "phase": state.phase,
        "status": "CLOSED" if state.closed else "OPEN",
        "closed": state.closed,
        "visible_because": reasons,
    }


def _signal_without_reporter(state: CaseState, partner: Partner) -> Json:
    own = state.signal.get("reported_by") == partner.id
    hidden = set() if own else {"reported_by", "reporter_role"}
    return {k: v for k, v in state.signal.items() if k not in hidden | {"free_text"}}


def _coordinator(state: CaseState, partner: Partner, reasons: list[str]) -> Json:
    return _header(state, reasons) | {
        "signal": state.signal,
        "intake": state.intake,
        "severity": state.severity,
        "research": state.research,
        "plan": state.plan,
        "actions": state.actions,
        "measures": state.measures,
        "forwards": state.forwards,
        "sharing": state.sharing,
        "victims": state.victims,
        "referrals": state.referrals,
        "meetings": state.meetings,
        "history": state.history,
    }


def _status_only(state: CaseState, partner: Partner, reasons: list[str]) -> Json:
    return _header(state, reasons) | {"received_at": state.signal.get("received_at")}


def _enforcement(state: CaseState, partner: Partner, reasons: list[str]) -> Json:
    """Police, inspection and RIEC: the signal, research findings and actions; never care details."""
    view = _header(state, reasons) | {
        "signal": _signal_without_reporter(state, partner),
        "intake_outcome": state.intake["outcome"] if state.intake else None,
        "severity_outcome": state.severity["outcome"] if state.severity else None,
        "actions": state.actions,
        "measures": state.measures,
        "forwards": {k: f for k, f in state.forwards.items() if partner.id in f["to"]},
    }
    if partner.role in (Role.POLICE, Role.RIEC):
        research = state.research or {}
        view["research_findings"] = {
            k: v for k, v in research.items() if k in ("registers_consulted", "finding_codes")
        }
        view["victims"] = state.victims
    return view


def _care(state: CaseState, partner: Partner, reasons: list[str]) -> Json:
    """Care providers: the victims referred to them and those referrals, nothing else."""
    referrals = {k: r for k, r in state.referrals.items() if r["provider"] == partner.id}
    victims = {r["victim"] for r in referrals.values()}
    return {
        "case_id": state.case_id,
        "visible_because": reasons,
        "victims": {v: d for v, d in state.victims.items() if v in victims},
        "referrals": referrals,
    }


_RENDER: dict[Role, Callable[[CaseState, Partner, list[str]], Json]] = {
    Role.COORDINATOR: _coordinator,
    Role.MUNICIPAL_STAFF: _status_only,
    Role.POLICE: _enforcement,
    Role.INSPECTION: _enforcement,
    Role.RIEC: _enforcement,
    Role.CARE: _care,
}


# The sections a view of each role reads (besides the case id and who may see it), kept
# in step with the renderers above (a test renders every view of the demo year both ways);
# a coordinator's view reads every section and the history, so it always changes.
_ENFORCEMENT_READS = frozenset(
    {"phase", "closed", "signal", "intake", "severity", "actions", "measures", "forwards"}
    | {"research", "victims"}
)
VIEW_READS: dict[Role, frozenset[str]] = {
    Role.MUNICIPAL_STAFF: frozenset({"phase", "closed", "signal"}),
    Role.POLICE: _ENFORCEMENT_READS,
    Role.INSPECTION: _ENFORCEMENT_READS,
    Role.RIEC: _ENFORCEMENT_READS,
    Role.CARE: frozenset({"victims", "referrals"}),
}
# The sections who may see a case depends on (``access_reasons`` above).
REASON_READS = frozenset({"signal", "forwards", "actions", "sharing", "referrals"})


def render_view(state: CaseState, partner: Partner, reasons: list[str] | None) -> Json | None:
    """Return the partner's view of the case, or None when it has no reason to see it."""
    render = _RENDER.get(partner.role)
    if not reasons or render is None:
        return None
    return render(state, partner, reasons)
