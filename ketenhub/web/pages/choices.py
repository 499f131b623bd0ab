"""What the forms offer to choose from: the registry's code lists and the contract's enumerations, labelled."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from ketenhub.config.labels import Labels, dutch_labels
from ketenhub.contract import models as m
from ketenhub.core.partners import PartnerRegistry, Role
from ketenhub.core.validation import FORWARD_REASONS

Options = list[tuple[str, str]]


def _ordered(labels: Labels, list_name: str, codes: Iterable[str]) -> Options:
    """Codes in the labels file's order, then any without a label, by code."""
    given = set(codes)
    known = [c for c in labels.codes(list_name) if c in given]
    rest = sorted(given - set(known))
    return labels.options(list_name, known + rest)


@dataclass(frozen=True)
class Choices:
    """Every list a form may offer, as ``(code, Dutch label)`` pairs."""

    partners: Options
    enforcement_partners: Options
    finding_codes: Options
    indicators: Options
    action_kinds: Options
    sharing_purposes: Options
    legal_bases: Options
    intake_outcomes: Options
    severity_outcomes: Options
    registers: Options
    forward_reasons: Options
    close_reasons: Options
    action_results: Options
    measures: Options
    decline_reasons: Options
    care_outcomes: Options


@cache
def _enum_options(list_name: str, members: Iterable[enum.StrEnum]) -> Options:
    return dutch_labels().options(list_name, [member.value for member in members])


def choices(registry: PartnerRegistry) -> Choices:
    """The choices of this hub's forms."""
    labels = dutch_labels()
    codes = registry.codes
    listed = [p for p in registry.partners if p.role is not Role.ANONYMOUS_CHANNEL]
    enforcing = (Role.POLICE, Role.RIEC, Role.INSPECTION, Role.COORDINATOR)
    return Choices(
        partners=[(p.id, labels.label("partner", p.id)) for p in listed],
        enforcement_partners=[
            (p.id, labels.label("partner", p.id)) for p in listed if p.role in enforcing
        ],
        finding_codes=_ordered(labels, "finding_codes", codes.finding_codes),
        indicators=_ordered(labels, "indicators", codes.indicators),
        action_kinds=_ordered(labels, "action_kinds", codes.action_kinds),
        sharing_purposes=_ordered(labels, "sharing_purposes", codes.sharing_purposes),
        legal_bases=[(basis, basis) for basis in sorted(codes.legal_bases)],
        intake_outcomes=_enum_options("intake_outcome", m.IntakeOutcome),
        severity_outcomes=_enum_options("severity_outcome", m.SeverityOutcome),
        registers=_enum_options("register", m.Register),
        forward_reasons=_enum_options("forward_reason", FORWARD_REASONS),
        close_reasons=_enum_options("close_reason", m.CloseReason),
        action_results=_enum_options("action_result", m.ActionResult),
        measures=_enum_options("measure_type", m.MeasureType),
        decline_reasons=_enum_options("decline_reason", m.DeclineReason),
        care_outcomes=_enum_options("care_outcome", m.CareOutcome),
    )
