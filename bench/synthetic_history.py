"""A synthetic multi-year history for the replay benchmark, sealed straight into an embedded log.

Cases run through the five phases (some close early, some are forwarded), with sharing,
plans, actions, measures, victims, referrals and meetings; every month adds trainings,
campaigns, Bibob screenings and a control day with visits. Events are sealed with the
core functions (``seal``, ``sign_checkpoint``) into a fresh SQLite topic log inside one
transaction, in the order they occurred. All data is synthetic and deterministic per seed.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.synthetic_cases import Story, case_story
from ketenhub import topics
from ketenhub.codec.single_object import encode_event
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.checkpoint_records import encode_checkpoint
from ketenhub.core.checkpoints import generate_hub_key, public_key_to_pem, sign_checkpoint
from ketenhub.core.merkle import MerkleFrontier, leaf_hash
from ketenhub.core.sealing import ChainHead, encode_sealed, seal
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog

CHECKPOINT_EVERY = 1024
Pending = tuple[dt.datetime, int, Event, str | None]


def month_activities(s: Story, start: dt.datetime) -> Iterator[Event]:
    """A month's trainings, campaign, Bibob screening and control day with visits."""
    yield s.make(
        m.TrainingCompleted,
        s.later(start, 0, 27),
        "municipality",
        training_id=f"t-{start:%Y%m}",
        audience_kind="EXTERNAL_SECTOR",
        audience=s.rng.choice(["HOSPITALITY", "CLEANING", "SCHOOLS"]),
        participants=s.rng.randint(5, 40),
        provider="comensha",
    )
    yield s.make(
        m.CampaignHeld,
        s.later(start, 0, 27),
        "municipality",
        campaign_id=f"c-{start:%Y%m}",
        channel="PRINT",
        target_group=s.rng.choice(["GENERAL_PUBLIC", "YOUTH", "HOSPITALITY"]),
        reach=s.rng.randint(100, 5000),
    )
    yield s.make(
        m.BibobScreeningCompleted,
        s.later(start, 0, 27),
        "municipality",
        screening_id=f"s-{start:%Y%m}",
        permit_type="HOSPITALITY",
        outcome=s.rng.choice(["NO_RISK", "MINOR_RISK"]),
    )
    day_id, when = f"cd-{start:%Y%m}", s.later(start, 0, 20)
    yield s.make(
        m.ControlDayPlanned,
        when,
        "enforcement",
        control_day_id=day_id,
        day=(when + dt.timedelta(days=5)).date(),
        kind="INTEGRAL",
        participants=["enforcement", "police", "heit"],
    )
    for visit in range(4):
        yield s.make(
            m.ControlVisitLogged,
            when + dt.timedelta(days=5, hours=visit),
            "enforcement",
            control_day_id=day_id,
            visit_id=f"{day_id}-{visit}",
            address="psn-" + "a" * 32,
            area_code="2261",
            finding_codes=[s.rng.choice(["NO_PERMIT", "OVERCROWDING", "NO_FINDINGS"])],
            people_encountered=3,
            signals_raised=[],
        )
    yield s.make(
        m.ControlDayClosed,
        when + dt.timedelta(days=5, hours=8),
        "enforcement",
        control_day_id=day_id,
    )


def months(first_year: int, years: int) -> Iterator[dt.datetime]:
    """The first moment of each month of the years."""
    for year in range(first_year, first_year + years):
        for month in range(1, 13):
            yield dt.datetime(year, month, 1, tzinfo=dt.UTC)


def events_in_order(total: int, first_year: int, years: int, seed: int) -> Iterator[Event]:
    """About ``total`` events over ``years`` years, yielded in the order they occurred."""
    s, pending, order = Story(seed), list[Pending](), itertools.count()
    per_month = max(
        1, round((total / (years * 12) - 9) / 9.5)
    )  # ~9.8 events a case, 9 a month besides
    spans = list(months(first_year, years))
    for start, end in itertools.pairwise([*spans, spans[-1] + dt.timedelta(days=31)]):
        for event in itertools.chain(
            month_activities(s, start),
            *(case_story(s, s.later(start, 0, 28)) for _ in range(per_month)),
        ):
            heapq.heappush(pending, (event.occurred_at, next(order), event, None))
        while pending and pending[0][0] < end:
            yield heapq.heappop(pending)[2]
    while pending:
        yield heapq.heappop(pending)[2]


def build_history(
    folder: Path, total: int, first_year: int = 2016, years: int = 10, seed: int = 1916
) -> int:
    """Seal about ``total`` events into a fresh embedded log in ``folder``; return how many."""
    key, keys = generate_hub_key(), HubFolder(folder).keys
    keys.folder.mkdir(parents=True, exist_ok=True)
    keys.public_key_file.write_bytes(public_key_to_pem(key.public_key()))
    head, frontier, sealed_at = (
        ChainHead(),
        MerkleFrontier(),
        dt.datetime(first_year, 1, 1, tzinfo=dt.UTC),
    )
    with SqliteTopicLog(HubFolder(folder).log_file) as log, log.transaction():
        for event in itertools.islice(events_in_order(total, first_year, years, seed), total):
            sealed_at = max(
                sealed_at + dt.timedelta(microseconds=1),
                event.occurred_at + dt.timedelta(minutes=1),
            )
            record = seal(
                head, event.recorded_by, event, encode_event(event), sealed_at, _case_of(event)
            )
            log.append(topics.AUDIT_LOG, encode_sealed(record))
            head = head.after(record)
            frontier.append(leaf_hash(record.hash))
            if frontier.size % CHECKPOINT_EVERY == 0:
                _checkpoint(log, key, frontier, sealed_at)
        if frontier.size % CHECKPOINT_EVERY:
            _checkpoint(log, key, frontier, sealed_at)
    return frontier.size


def _case_of(event: Event) -> str | None:
    if isinstance(event, m.MeetingHeld):
        return None
    return event.case_ref


def _checkpoint(log: SqliteTopicLog, key: Any, frontier: MerkleFrontier, at: dt.datetime) -> None:
    signed = sign_checkpoint(key, frontier.size, frontier.root(), int(at.timestamp() * 1_000_000))
    log.append(topics.CHECKPOINTS, encode_checkpoint(signed))
