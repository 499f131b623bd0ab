"""Part 1, awareness & training: who was trained, whom the campaigns reached, which risk sectors."""

from __future__ import annotations

from ketenhub.contract.models import Audience, AudienceKind, TargetGroup
from ketenhub.evaluation.history import Fact, History
from ketenhub.evaluation.measures import event_ids, facts_in, labelled, with_extra
from ketenhub.evaluation.period import Period
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.tables import Table, count, table, text, total

INTERNAL_ROLES = (
    Audience.COUNTER_STAFF,
    Audience.ENFORCER,
    Audience.AREA_MANAGER,
    Audience.CASEWORKER,
    Audience.PERMIT_OFFICER,
)
EXTERNAL_SECTORS = (
    Audience.HOSPITALITY,
    Audience.TEMP_AGENCIES,
    Audience.CLEANING,
    Audience.SEX_WORK,
    Audience.SCHOOLS,
    Audience.HEALTHCARE,
)
RISK_SECTORS = (Audience.HOSPITALITY, Audience.TEMP_AGENCIES, Audience.CLEANING, Audience.SEX_WORK)


def tables(history: History, period: Period, settings: EvaluationSettings) -> list[Table]:
    """The tables of part 1 for ``period``."""
    trainings = facts_in(history, "training", period)
    campaigns = facts_in(history, "campaign", period)
    return [
        _trained(trainings, AudienceKind.INTERNAL_ROLE, INTERNAL_ROLES, "internal role"),
        _trained(trainings, AudienceKind.EXTERNAL_SECTOR, EXTERNAL_SECTORS, "external sector"),
        _campaigns(campaigns),
        _risk_sectors(trainings, campaigns),
    ]


def _participants(facts: list[Fact]) -> int:
    return sum(fact.numbers[0] for fact in facts)


def _trained(facts: list[Fact], kind: AudienceKind, fixed: tuple[Audience, ...], dim: str) -> Table:
    mine = labelled(facts, 0, kind.value)
    audiences = with_extra([a.value for a in fixed], (f.labels[1] for f in mine))
    rows = []
    for audience in audiences:
        found = labelled(mine, 1, audience)
        ids = event_ids(found)
        rows.append(
            (
                (audience,),
                (count(ids, sensitive=False), total(_participants(found), ids, sensitive=False)),
            )
        )
    name = "internal" if kind is AudienceKind.INTERNAL_ROLE else "external"
    return table(
        f"awareness.trained_{name}",
        f"Professionals trained, by {dim}",
        (dim,),
        ("trainings", "professionals trained"),
        rows,
        note="TrainingCompleted events; professionals trained is the sum of their participants.",
        chart="bar:professionals trained",
    )


def _campaigns(facts: list[Fact]) -> Table:
    rows = []
    for group in TargetGroup:
        found = labelled(facts, 0, group.value)
        ids = event_ids(found)
        rows.append(
            (
                (group.value,),
                (count(ids, sensitive=False), total(_participants(found), ids, sensitive=False)),
            )
        )
    return table(
        "awareness.campaign_reach",
        "Campaign reach, by target group",
        ("target group",),
        ("campaigns", "people reached"),
        rows,
        note="CampaignHeld events; people reached is the sum of their estimated reach.",
        chart="bar:people reached",
    )


def _risk_sectors(trainings: list[Fact], campaigns: list[Fact]) -> Table:
    external = labelled(trainings, 0, AudienceKind.EXTERNAL_SECTOR.value)
    rows = []
    for sector in RISK_SECTORS:
        trained = labelled(external, 1, sector.value)
        reached = labelled(campaigns, 0, sector.value)
        both = event_ids(trained) + event_ids(reached)
        rows.append(
            (
                (sector.value,),
                (
                    total(_participants(trained), event_ids(trained), sensitive=False),
                    total(_participants(reached), event_ids(reached), sensitive=False),
                    text("yes" if both else "no", both),
                ),
            )
        )
    return table(
        "awareness.risk_sectors",
        "Risk sectors reached by training or campaign",
        ("risk sector",),
        ("professionals trained", "people reached by campaigns", "reached"),
        rows,
        note="A risk sector is reached when a training of that sector or a campaign aimed at it took place.",
    )
