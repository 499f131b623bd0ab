"""Awareness in the demo year: trainings of staff and sectors, and public campaigns."""

from __future__ import annotations

from ketenhub.contract import models as m
from ketenhub.contract.models import Audience, AudienceKind, CampaignChannel, TargetGroup
from ketenhub.demo.script import Script

INTERNAL, EXTERNAL = AudienceKind.INTERNAL_ROLE, AudienceKind.EXTERNAL_SECTOR
TRAININGS = (
    (2, INTERNAL, Audience.COUNTER_STAFF, (12, 24), "comensha"),
    (3, INTERNAL, Audience.ENFORCER, (8, 16), "police"),
    (4, INTERNAL, Audience.CASEWORKER, (15, 30), "shop"),
    (4, EXTERNAL, Audience.HOSPITALITY, (15, 40), "municipality"),
    (5, INTERNAL, Audience.PERMIT_OFFICER, (4, 9), "riec"),
    (6, EXTERNAL, Audience.TEMP_AGENCIES, (6, 15), "nla"),
    (6, EXTERNAL, Audience.CLEANING, (5, 14), "nla"),
    (9, INTERNAL, Audience.AREA_MANAGER, (6, 12), "municipality"),
    (9, EXTERNAL, Audience.SEX_WORK, (4, 10), "shop"),
    (10, EXTERNAL, Audience.SCHOOLS, (20, 45), "municipality"),
    (10, INTERNAL, Audience.CASEWORKER, (10, 22), "comensha"),
    (11, EXTERNAL, Audience.HEALTHCARE, (10, 25), "comensha"),
)
CAMPAIGNS = (
    ((1, 20), CampaignChannel.SOCIAL_MEDIA, TargetGroup.GENERAL_PUBLIC, (8000, 15000)),
    ((3, 12), CampaignChannel.SCHOOL_VISIT, TargetGroup.YOUTH, (600, 1200)),
    ((5, 14), CampaignChannel.PRINT, TargetGroup.HOSPITALITY, (150, 400)),
    ((6, 10), CampaignChannel.PRINT, TargetGroup.TEMP_AGENCIES, (60, 150)),
    (
        (10, 17),
        CampaignChannel.EVENT,
        TargetGroup.GENERAL_PUBLIC,
        (300, 900),
    ),  # EU anti-trafficking day
    ((10, 27), CampaignChannel.WEBSITE, TargetGroup.PARENTS, (2000, 5000)),
    ((11, 18), CampaignChannel.SOCIAL_MEDIA, TargetGroup.SEX_WORK, (200, 500)),
)


Training = tuple[int, AudienceKind, Audience, tuple[int, int], str]
Campaign = tuple[tuple[int, int], CampaignChannel, TargetGroup, tuple[int, int]]


def train_and_campaign(
    s: Script, trainings: tuple[Training, ...], campaigns: tuple[Campaign, ...]
) -> None:
    """Record the year's trainings and campaigns (by the coordinator)."""
    for month, kind, audience, (low, high), provider in trainings:
        when = s.office(s.day((month, 1), (month, 28)))
        training = m.TrainingCompleted(
            **s.stamp("municipality", when),
            training_id=s.label("training", 2),
            audience_kind=kind,
            audience=audience,
            participants=s.rng.randint(low, high),
            provider=provider,
        )
        s.send(training, f"Training for {audience.lower().replace('_', ' ')} completed")
    for (month, day), channel, group, (low, high) in campaigns:
        when = s.office(s.day((month, day), (month, day)))
        campaign = m.CampaignHeld(
            **s.stamp("municipality", when),
            campaign_id=s.label("campaign", 2),
            channel=channel,
            target_group=group,
            reach=s.rng.randint(low, high),
        )
        s.send(
            campaign,
            f"Campaign for {group.lower().replace('_', ' ')} via {channel.lower().replace('_', ' ')}",
        )
