"""Bibob screenings of permit applications in the demo year, and the permit decisions after them."""

from __future__ import annotations

from ketenhub.contract import models as m
from ketenhub.contract.models import BibobOutcome, PermitDecision, PermitType
from ketenhub.demo.script import Script

NO, MINOR, SERIOUS = BibobOutcome.NO_RISK, BibobOutcome.MINOR_RISK, BibobOutcome.SERIOUS_RISK
SCREENINGS: tuple[tuple[int, PermitType, BibobOutcome, PermitDecision], ...] = (
    (2, PermitType.HOSPITALITY, NO, PermitDecision.GRANTED),
    (3, PermitType.HOUSING_CONVERSION, NO, PermitDecision.GRANTED),
    (3, PermitType.ESCORT, NO, PermitDecision.GRANTED),
    (4, PermitType.HOSPITALITY, MINOR, PermitDecision.GRANTED_WITH_CONDITIONS),
    (5, PermitType.SEX_ESTABLISHMENT, SERIOUS, PermitDecision.REFUSED),
    (6, PermitType.HOSPITALITY, NO, PermitDecision.GRANTED),
    (8, PermitType.HOSPITALITY, SERIOUS, PermitDecision.REVOKED),
    (9, PermitType.HOUSING_CONVERSION, MINOR, PermitDecision.GRANTED_WITH_CONDITIONS),
    (10, PermitType.ESCORT, MINOR, PermitDecision.GRANTED_WITH_CONDITIONS),
    (10, PermitType.HOSPITALITY, NO, PermitDecision.GRANTED),
    (11, PermitType.HOUSING_CONVERSION, NO, PermitDecision.GRANTED),
)


def screen_permits(s: Script) -> None:
    """Record each Bibob screening and, some weeks later, the permit decision that follows it."""
    for month, permit, outcome, decision in SCREENINGS:
        when = s.office(s.day((month, 1), (month, 28)))
        screening = m.BibobScreeningCompleted(
            **s.stamp("municipality", when),
            screening_id=s.label("bibob"),
            permit_type=permit,
            outcome=outcome,
            applicant=s.pseudonym("employer"),
        )
        kind = permit.lower().replace("_", " ")
        s.send(screening, f"Bibob screening ({kind} permit): {outcome.lower().replace('_', ' ')}")
        decided_at = s.later(when, 5, 25)
        if decided_at is not None:
            decided = m.PermitDecided(
                **s.stamp("municipality", decided_at),
                screening_id=screening.screening_id,
                permit_type=permit,
                decision=decision,
            )
            s.send(decided, f"Permit decision ({kind}): {decision.lower().replace('_', ' ')}")
