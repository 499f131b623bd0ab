"""Need-to-know: which partners may see a case, why, and which sections each role sees.

Each role has its own record type in the view contract, holding only the sections the role
may see: a care provider's view has no field for the signal, so it cannot carry one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ketenhub.contract.view_records import (
    CareView,
    CaseStatus,
    CaseView,
    CoordinatorView,
    EnforcementView,
    InvestigationView,
    OwnSignalSummary,
    Research,
    ResearchFindings,
    RoleView,
    Signal,
    SignalSummary,
    StatusView,
)
from ketenhub.core.case_state import CaseState
from ketenhub.core.partners import Partner, PartnerRegistry, Role


@dataclass(frozen=True)
class _Access:
    """What access reasons need of a registry, looked up once per registry (it is frozen)."""

    coordinators: tuple[str, ...]
    silent: frozenset[str]
    known: frozenset[str]
    care: frozenset[str]


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
        care=frozenset(p.id for p in registry.with_role(Role.CARE)),
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
    if state.signal is not None:
        grant(state.signal.reported_by, "REPORTED")
    for forward in state.forwards.values():
        for partner_id in forward.to:
            grant(partner_id, "FORWARDED")
    for action in state.actions.values():
        grant(action.owner, "ACTION_OWNER")
    for decision_id, decision in state.sharing.items():
        if decision.revoked_at is None:
            grant(decision.partner, f"SHARED:{decision_id}")
    for referral_id, referral in state.referrals.items():
        grant(referral.provider, f"REFERRAL:{referral_id}")
    for partner_id in access.care & reasons.keys():
        # A care partner sees only the victims referred to it: no other reason counts.
        reasons[partner_id] = {r for r in reasons[partner_id] if r.startswith("REFERRAL:")}
    return {
        partner_id: sorted(found)
        for partner_id, found in sorted(reasons.items())
        if found and partner_id in access.known and partner_id not in access.silent
    }


def _status(state: CaseState) -> CaseStatus:
    return CaseStatus.OPEN if state.closed is None else CaseStatus.CLOSED


def _coordinator(state: CaseState, signal: Signal, partner: Partner) -> RoleView:
    """The coordinator: every section of the case (the state's own, unfiltered)."""
    return CoordinatorView(
        phase=state.phase,
        status=_status(state),
        closed=state.closed,
        signal=signal,
        intake=state.intake,
        severity=state.severity,
        research=state.research,
        plan=state.plan,
        actions=state.actions,
        measures=state.measures,
        forwards=state.forwards,
        sharing=state.sharing,
        victims=state.victims,
        referrals=state.referrals,
        meetings=state.meetings,
        history=state.history,
    )


def _status_only(state: CaseState, signal: Signal, partner: Partner) -> RoleView:
    """Municipal staff: the phase and status of the case they reported, not the research."""
    return StatusView(state.phase, _status(state), state.closed, signal.received_at)


def _signal_summary(signal: Signal, own: bool) -> SignalSummary | OwnSignalSummary:
    """The signal without its free text; who reported it only to the partner that did."""
    if own:
        return OwnSignalSummary(
            signal.received_at,
            signal.reported_by,
            signal.channel,
            signal.reporter_role,
            signal.exploitation_forms,
            signal.indicators,
            signal.location,
            signal.persons,
        )
    return SignalSummary(
        signal.received_at,
        signal.channel,
        signal.exploitation_forms,
        signal.indicators,
        signal.location,
        signal.persons,
    )


def _findings(research: Research | None) -> ResearchFindings | None:
    """What source research found, without its summary."""
    if research is None:
        return None
    return ResearchFindings(research.registers_consulted, research.finding_codes)


def _enforcement(state: CaseState, signal: Signal, partner: Partner) -> RoleView:
    """Police, inspection and RIEC: the signal, research findings and actions; never care details."""
    forwards = {k: f for k, f in state.forwards.items() if partner.id in f.to}
    if len(forwards) == len(state.forwards):
        forwards = state.forwards  # every forward reaches the partner: the section as it is
    own = signal.reported_by == partner.id
    summary = state.view_part(
        "signal/own" if own else "signal/other",
        (EnforcementView, "signal"),  # the same union type in an investigation view
        lambda: _signal_summary(signal, own),
    )
    intake = None if state.intake is None else state.intake.outcome
    severity = None if state.severity is None else state.severity.outcome
    status, actions, measures = _status(state), state.actions, state.measures
    if partner.role not in (Role.POLICE, Role.RIEC):
        return EnforcementView(
            state.phase,
            status,
            state.closed,
            summary,
            intake,
            severity,
            actions,
            measures,
            forwards,
        )
    findings = state.view_part(
        "research/findings",
        (InvestigationView, "research_findings"),
        lambda: _findings(state.research),
    )
    return InvestigationView(
        *(state.phase, status, state.closed, summary, intake, severity, actions, measures),
        forwards=forwards,
        research_findings=findings,
        victims=state.victims,
    )


def _care(state: CaseState, signal: Signal, partner: Partner) -> RoleView:
    """Care providers: the victims referred to them and those referrals, nothing else."""
    referrals = {k: r for k, r in state.referrals.items() if r.provider == partner.id}
    referred = {r.victim for r in referrals.values()}
    victims = {v: d for v, d in state.victims.items() if v in referred}
    return CareView(
        victims=state.victims if len(victims) == len(state.victims) else victims,
        referrals=state.referrals if len(referrals) == len(state.referrals) else referrals,
    )


_RENDER: dict[Role, Callable[[CaseState, Signal, Partner], RoleView]] = {
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


def render_view(state: CaseState, partner: Partner, reasons: list[str] | None) -> CaseView | None:
    """Return the partner's view of the case, or None when it has no reason to see it.

    A case exists from its signal on: a state without one (folded from nothing) has no view.
    """
    render = _RENDER.get(partner.role)
    if not reasons or render is None or state.signal is None:
        return None
    return CaseView(state.case_id, tuple(reasons), render(state, state.signal, partner))
