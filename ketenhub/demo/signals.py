"""Signals of the demo year: who reports on which channel, and what a signal says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ketenhub.contract import models as m
from ketenhub.contract.models import (
    Channel,
    ExploitationForm,
    ReporterRole,
    SourceOrganisationKind,
)
from ketenhub.demo.cases import Path, handle
from ketenhub.demo.script import Fault, Script
from ketenhub.demo.victims import victim_key

AREAS = tuple(str(code) for code in range(2261, 2276))
_STAFF = (
    ReporterRole.COUNTER_STAFF,
    ReporterRole.ENFORCER,
    ReporterRole.AREA_MANAGER,
    ReporterRole.CASEWORKER_WMO,
    ReporterRole.CASEWORKER_PARTICIPATION,
)


@dataclass(frozen=True)
class Source:
    """Who reports a signal: the recording partner, its channel and the reporter's roles."""

    partner: str
    channel: Channel
    roles: tuple[ReporterRole | None, ...]
    office_hours: bool = True
    organisations: tuple[SourceOrganisationKind, ...] = ()  # outside organisations that report


def organisation(
    source: Source, role: ReporterRole | None, case_id: str
) -> SourceOrganisationKind | None:
    """The kind of outside organisation behind a professional's or business's external signal.

    Chosen from the case id, not the story's random numbers, so the rest of the year stays as it was.
    """
    if not source.organisations or role is ReporterRole.CITIZEN:
        return None
    if role is ReporterRole.BUSINESS:
        return SourceOrganisationKind.EMPLOYER
    return source.organisations[sum(map(ord, case_id)) % len(source.organisations)]


STAFF = Source("municipal-staff", Channel.INTERNAL_ROUTE, _STAFF)
YOUTH_WORKER = Source("municipal-staff", Channel.INTERNAL_ROUTE, (ReporterRole.CASEWORKER_YOUTH,))
SCHOOL_WORKER = Source(
    "municipal-staff", Channel.INTERNAL_ROUTE, (ReporterRole.CASEWORKER_EDUCATION,)
)
ENFORCER = Source("municipal-staff", Channel.INTERNAL_ROUTE, (ReporterRole.ENFORCER,))
PERMIT_DESK = Source(
    "municipality", Channel.INTERNAL_ROUTE, (ReporterRole.PERMIT_OFFICER, ReporterRole.AREA_MANAGER)
)
EXTERNAL = Source(
    "municipality",
    Channel.EXTERNAL_ROUTE,
    (ReporterRole.EXTERNAL_PROFESSIONAL, ReporterRole.BUSINESS, ReporterRole.CITIZEN),
    organisations=(
        SourceOrganisationKind.LABOUR_RIGHTS_ORGANISATION,
        SourceOrganisationKind.SCHOOL,
        SourceOrganisationKind.HOUSING_CORPORATION,
        SourceOrganisationKind.HEALTHCARE_PROVIDER,
    ),
)
WEB = Source("municipality", Channel.WEBSITE, (ReporterRole.CITIZEN,), office_hours=False)
ANONYMOUS = Source("meld-misdaad-anoniem", Channel.ANONYMOUS_TIP, (None,))
POLICE = Source("police", Channel.POLICE, (ReporterRole.POLICE_OFFICER,))


def partner(partner_id: str) -> Source:
    """A chain partner reporting on the PARTNER channel."""
    return Source(partner_id, Channel.PARTNER, (ReporterRole.PARTNER_ORGANISATION,))


_INDICATORS: dict[ExploitationForm, tuple[str, ...]] = {
    ExploitationForm.SEXUAL: (
        "ADVERTISED_ONLINE",
        "CONTROLLED_BY_THIRD_PARTY",
        "CHANGING_ADDRESSES",
        "NO_ID_PAPERS",
        "SIGNS_OF_ABUSE",
        "DRIVEN_TO_CLIENTS",
        "NO_OWN_MONEY",
    ),
    ExploitationForm.LABOUR: (
        "LIVES_AT_WORK",
        "OVERCROWDED_HOUSING",
        "UNDERPAYMENT",
        "DEBT_BONDAGE",
        "NO_CONTRACT",
        "TRANSPORTED_TO_WORK",
        "EXCESSIVE_HOURS",
        "NO_ID_PAPERS",
    ),
    ExploitationForm.CRIMINAL: (
        "FORCED_DRUG_DEALING",
        "SHOPLIFTING_FOR_OTHERS",
        "MONEY_MULE",
        "CONTROLLED_BY_THIRD_PARTY",
    ),
    ExploitationForm.FORCED_MARRIAGE: ("SCHOOL_ABSENCE", "RESTRICTED_MOVEMENT", "FAMILY_PRESSURE"),
}
_TEXTS: dict[ExploitationForm, tuple[str, ...]] = {
    ExploitationForm.SEXUAL: (
        "A young woman is dropped off and picked up at a holiday rental by different men.",
        "Adverts for massages list a residential address and change the name every week.",
        "A guest at a hotel seems afraid and is not allowed to keep her own phone.",
        "Neighbours see several women arrive late at night at a flat above a shop.",
    ),
    ExploitationForm.LABOUR: (
        "Several workers appear to sleep at the car wash.",
        "Workers at a distribution warehouse say they must repay large debts for housing.",
        "A minibus collects about ten people from one small house every morning at five.",
        "Kitchen staff at a restaurant seem to work seven days a week without a day off.",
        "Cleaners at an office building say their employer keeps their identity papers.",
    ),
    ExploitationForm.CRIMINAL: (
        "A pupil often carries large amounts of cash and is picked up by older men.",
        "Young people are seen selling drugs at a bus stop for an adult who watches them.",
    ),
    ExploitationForm.FORCED_MARRIAGE: (
        "A student says she will be taken abroad in the summer to be married against her will.",
    ),
}


def _describe(forms: tuple[ExploitationForm, ...]) -> str:
    return " and ".join(form.lower().replace("_", " ") for form in forms)


def receive(
    s: Script,
    case_id: str,
    opened: dt.datetime,
    source: Source,
    forms: tuple[ExploitationForm, ...],
    path: Path,
) -> None:
    """Open a case with its SignalReceived at ``opened``, then handle it along ``path``."""
    s.track(case_id, opened, forms)
    victims = [s.person(victim_key(case_id, i, v)) for i, v in enumerate(path.victims)]
    persons = victims + [s.pseudonym("person") for _ in range(s.rng.randint(1, 2))]
    indicators = sorted({code for form in forms for code in s.rng.sample(_INDICATORS[form], 2)})
    text = s.rng.choice(_TEXTS[forms[0]])
    area = s.rng.choice(AREAS)
    fields: dict[str, Any] = {
        "case_id": case_id,
        "channel": source.channel,
        "exploitation_forms": list(forms),
        "indicators": indicators,
        "persons": persons,
        "location": m.Location(municipality_code=s.registry.municipality_code, area_code=area),
        "free_text": s.seal(persons[0], text, m.SignalReceived.EVENT_TYPE, case_id, "free_text"),
    }
    if s.makes(path.fault) is Fault.ANONYMOUS_WITH_ROLE:
        stamp = s.stamp(source.partner, opened - dt.timedelta(minutes=s.rng.randint(15, 45)))
        bad = m.SignalReceived(**stamp, **fields, reporter_role=ReporterRole.CITIZEN)
        s.send(bad, "Anonymous tip that wrongly names a reporter role", "INVALID_VALUE")
    role = s.rng.choice(source.roles)
    note = f"Signal via {source.channel} about suspected {_describe(forms)} exploitation"
    kind = organisation(source, role, case_id)
    signal = m.SignalReceived(
        **s.stamp(source.partner, opened), **fields, reporter_role=role, source_organisation=kind
    )
    handle(s, s.send(signal, note), persons[0], path)
