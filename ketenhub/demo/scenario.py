"""The synthetic demo year: every message a municipality's trafficking chain sends in one year.

``build_year`` returns the messages in the order they happened, each with the outcome the
hub is expected to give it. Identifiers are synthetic (``person-0042``) and reach the
messages only as pseudonyms; free texts are short, generic and encrypted through the
``Protector``. With the same seed and a deterministic protector, two builds are identical.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from ketenhub.codec.cloudevents import SPEC_VERSION, format_time
from ketenhub.config import load_registry
from ketenhub.contract.models import EncryptedField, SignalReceived
from ketenhub.demo import (
    awareness,
    caseload,
    control_days,
    findings,
    meetings,
    permits,
    stories,
)
from ketenhub.demo.profile import BASELINE_YEAR, FULL_YEAR
from ketenhub.demo.script import Script, field_context

__all__ = ["Protector", "ScenarioMessage", "build_history", "build_year", "field_context"]


class Protector(Protocol):
    """Turns synthetic identifiers into pseudonyms and free texts into encrypted fields."""

    def pseudonym(self, identifier: str) -> str:
        """Return the pseudonym (``psn-…``) of a synthetic identifier."""
        ...

    def encrypt(self, subject: str, text: str, associated_data: bytes) -> EncryptedField:
        """Encrypt ``text`` under the key of data subject ``subject``."""
        ...


@dataclass(frozen=True)
class ScenarioMessage:
    """One message on a partner's ingest topic, and what the hub is expected to make of it."""

    partner: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    expect: str
    note: str
    when: dt.datetime
    """When it happened in the story: when its partner's system published it."""


def build_year(
    year: int = 2025, seed: int = 1916, *, protector: Protector, baseline: bool = False
) -> list[ScenarioMessage]:
    """Build the messages of one synthetic year, in the order they happened.

    ``baseline`` builds the smaller year before the approach got going (``BASELINE_YEAR``).
    """
    profile = BASELINE_YEAR if baseline else FULL_YEAR
    s = Script(year, seed, protector, load_registry(), mistakes=profile.mistakes)
    days = control_days.plan(s, profile.taken(control_days.DAYS, profile.control_days))
    closed_early = profile.batches(caseload.CLOSED_EARLY)
    with_plans = profile.taken(stories.WITH_PLANS, profile.stories)
    caseload.schedule(s, (*closed_early, *with_plans, *profile.batches(caseload.OPEN_AT_YEAR_END)))
    s.open_cases()
    control_days.emit(s, days)
    meetings.hold(s)
    trainings = profile.taken(awareness.TRAININGS, profile.trainings)
    awareness.train_and_campaign(
        s, trainings, profile.taken(awareness.CAMPAIGNS, profile.campaigns)
    )
    permits.screen_permits(s)
    findings.interview(s, profile.taken(findings.INTERVIEWS, profile.interviews))
    if profile.mistakes:
        _misconfigured_connector(s)
    return [
        ScenarioMessage(e.partner, e.value, e.headers, e.expect, e.note, e.when)
        for e in s.in_order()
    ]


def build_history(
    year: int = 2025, seed: int = 1916, *, protector: Protector
) -> list[ScenarioMessage]:
    """The baseline year before ``year`` and ``year`` itself, in the order they happened."""
    return build_year(year - 1, seed, protector=protector, baseline=True) + build_year(
        year, seed, protector=protector
    )


def _misconfigured_connector(s: Script) -> None:
    """A partner's connector, misconfigured after an update, publishes JSON instead of Avro."""
    when = s.office(s.day((2, 3), (2, 14)))
    urn = s.registry.get("nla").urn
    headers = (
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", str(s.new_uuid())),
        ("ce_source", urn),
        ("ce_type", SignalReceived.CLOUDEVENT_TYPE),
        ("ce_time", format_time(when)),
        ("content-type", "application/json"),
    )
    value = b'{"type": "SignalReceived", "channel": "PARTNER", "exploitation_forms": ["LABOUR"]}'
    encoded = tuple((name, text.encode()) for name, text in headers)
    s.send_raw(
        "nla", when, value, encoded, "UNDECODABLE", "A connector publishing JSON instead of Avro"
    )
