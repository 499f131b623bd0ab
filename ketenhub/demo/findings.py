"""Findings for the evaluation of the demo year: what the coordinator heard in interviews.

Late in the year the coordinator talks with the chain's key people, as the policy plan's own
evaluation did, and records one finding per conversation and part. The texts are short,
generic and synthetic, in Dutch (the report's language), and encrypted under a pseudonym of
the person interviewed, like every free text.
"""

from __future__ import annotations

import datetime as dt

from ketenhub.contract import models as m
from ketenhub.contract.models import EvaluationPart, FindingSource
from ketenhub.demo.script import Script

INTERVIEWS: tuple[tuple[tuple[int, int], FindingSource, EvaluationPart, str], ...] = (
    (
        (11, 10),
        FindingSource.COORDINATOR,
        EvaluationPart.AWARENESS,
        "De trainingen van baliemedewerkers en handhavers leveren merkbaar meer interne "
        "meldingen op; de horeca vraagt om een vervolgsessie.",
    ),
    (
        (11, 12),
        FindingSource.COORDINATOR,
        EvaluationPart.SIGNALLING,
        "Meldingen via de website zijn vaak onvolledig; een vast meldformulier met de vragen "
        "van de intake zou de eerste fase versnellen.",
    ),
    (
        (11, 18),
        FindingSource.RIEC,
        EvaluationPart.ENFORCEMENT,
        "Integrale controledagen leveren bruikbare informatie op; bestuurlijke maatregelen "
        "volgen sneller wanneer het RIEC al bij de voorbereiding aansluit.",
    ),
    (
        (11, 25),
        FindingSource.CARE_COORDINATOR,
        EvaluationPart.VICTIM_SUPPORT,
        "Opvangplekken voor mannen blijven schaars; de wachttijd ontstaat vooral bij "
        "gespecialiseerde opvang, niet bij de eerste opvang.",
    ),
    (
        (12, 2),
        FindingSource.RSIV_CHAIN_DIRECTOR,
        EvaluationPart.COLLABORATION,
        "De casusafstemming in het ondermijningsoverleg verloopt beter sinds de vaste agenda; "
        "de terugkoppeling na het doorzetten van een signaal kan sneller.",
    ),
)


def interview(
    s: Script, interviews: tuple[tuple[tuple[int, int], FindingSource, EvaluationPart, str], ...]
) -> None:
    """Record one finding per interview, a few days after it was held."""
    for (month, day), source, part, text in interviews:
        held_on = dt.date(s.year, month, day)
        recorded = s.office(held_on + dt.timedelta(days=s.rng.randint(1, 5)))
        subject = s.person(f"interviewee-{source.value}")
        finding = m.EvaluationFindingRecorded(
            **s.stamp("municipality", recorded),
            finding_id=s.label("finding", 2),
            part=part,
            source_role=source,
            held_on=held_on,
            summary=s.seal(subject, text, m.EvaluationFindingRecorded.EVENT_TYPE, "", "summary"),
        )
        s.send(finding, f"Evaluation finding from an interview ({part.lower().replace('_', ' ')})")
