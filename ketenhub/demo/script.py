"""The script of a demo year: deterministic ids, times and pseudonyms, and the messages so far."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import itertools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ketenhub.codec.cloudevents import Headers, build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.contract.base import Event
from ketenhub.contract.models import EncryptedField, ExploitationForm
from ketenhub.core.ledger import Stage
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.privacy import associated_data

if TYPE_CHECKING:
    from ketenhub.demo.scenario import Protector

E = TypeVar("E", bound=Event)
ACCEPT = "ACCEPT"
OFFICE_OPENS = dt.timedelta(hours=7, minutes=30)  # UTC; 08:30 or 09:30 in the Netherlands
OFFICE_MINUTES = 8 * 60


def field_context(event_type: str, case_id: str, field_name: str) -> bytes:
    """The associated data an encrypted field is bound to (the hub's convention; case unused)."""
    del case_id  # the field's subject key already separates cases' data subjects
    return associated_data(event_type, field_name)


class Fault(enum.StrEnum):
    """A deliberate mistake a partner makes once in the year; the comment names its rejection."""

    UNRELEASED_SCHEMA = "UNRELEASED_SCHEMA"  # UNKNOWN_SCHEMA
    POLICE_INTAKE = "POLICE_INTAKE"  # NOT_AUTHORIZED
    ANONYMOUS_WITH_ROLE = "ANONYMOUS_WITH_ROLE"  # INVALID_VALUE
    WRONG_FORWARD_ID = "WRONG_FORWARD_ID"  # MISSING_REFERENCE
    REFERRAL_BEFORE_IDENTIFICATION = "REFERRAL_BEFORE_IDENTIFICATION"  # MISSING_REFERENCE
    PLAN_TOO_EARLY = "PLAN_TOO_EARLY"  # OUT_OF_ORDER
    WRONG_PROVIDER = "WRONG_PROVIDER"  # NOT_AUTHORIZED
    AFTER_CLOSE = "AFTER_CLOSE"  # CASE_CLOSED


@dataclass(frozen=True)
class Entry:
    """One message of the year, before the year is put in order."""

    when: dt.datetime
    seq: int
    partner: str
    value: bytes
    headers: Headers
    expect: str
    note: str


@dataclass
class CaseTrack:
    """What the scenario remembers of a case: when it opened, its phases, when it closed."""

    case_id: str
    opened: dt.datetime
    forms: tuple[ExploitationForm, ...]
    stages: list[tuple[dt.datetime, Stage]] = field(default_factory=list)
    closed: dt.datetime | None = None
    youth: bool = False
    victims: bool = False

    def stage_at(self, moment: dt.datetime) -> Stage | None:
        """The phase the case had reached at ``moment``, or None before it opened."""
        return max((stage for when, stage in self.stages if when <= moment), default=None)

    def open_between(self, first: dt.datetime, last: dt.datetime) -> bool:
        """Whether the case was open during the whole period from ``first`` to ``last``."""
        return self.opened < first and (self.closed is None or self.closed > last)


@dataclass(frozen=True)
class Starter:
    """A case to open at a moment; it learns its case id when the year's cases are numbered."""

    opened: dt.datetime
    start: Callable[[str], None]


class Script:
    """Everything one build of the year shares: seeded randomness, counters and the entries."""

    def __init__(
        self,
        year: int,
        seed: int,
        protector: Protector,
        registry: PartnerRegistry,
        *,
        mistakes: bool = True,
    ) -> None:
        self.year = year
        self.seed = seed
        self.mistakes = mistakes
        self.rng = random.Random(seed)
        self.protector = protector
        self.registry = registry
        self.start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
        self.end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
        self.entries: list[Entry] = []
        self.cases: dict[str, CaseTrack] = {}
        self._starters: list[Starter] = []
        self._seq = itertools.count()
        self._uuids = itertools.count(1)
        self._labels: dict[str, itertools.count[int]] = {}
        self._people: dict[str, str] = {}
        self.identified: set[str] = set()

    def makes(self, fault: Fault | None) -> Fault | None:
        """The deliberate mistake a story plans, if this year makes mistakes."""
        return fault if self.mistakes else None

    # identifiers ------------------------------------------------------------------------
    def new_uuid(self) -> uuid.UUID:
        """A deterministic event id: uuid5 of the year, the seed and a counter."""
        name = f"urn:ketenhub:demo:{self.year}:{self.seed}:{next(self._uuids)}"
        return uuid.uuid5(uuid.NAMESPACE_URL, name)

    def label(self, prefix: str, width: int = 3) -> str:
        """The next identifier with a prefix, e.g. ``ref-2025-007``."""
        counter = self._labels.setdefault(prefix, itertools.count(1))
        return f"{prefix}-{self.year}-{next(counter):0{width}d}"

    def pseudonym(self, kind: str) -> str:
        """The pseudonym of a new synthetic person, address or employer (``person-2025-0042``)."""
        counter = self._labels.setdefault(f"raw:{kind}", itertools.count(1))
        return self.protector.pseudonym(f"{kind}-{self.year}-{next(counter):04d}")

    def person(self, key: str) -> str:
        """The pseudonym of the person a story knows as ``key``: one person, one pseudonym."""
        if key not in self._people:
            self._people[key] = self.pseudonym("person")
        return self._people[key]

    def seal(
        self, subject: str, text: str, event_type: str, case_id: str, name: str
    ) -> EncryptedField:
        """Encrypt a free text under a data subject, bound to the event type, case and field."""
        return self.protector.encrypt(subject, text, field_context(event_type, case_id, name))

    # time -------------------------------------------------------------------------------
    def day(self, first: tuple[int, int], last: tuple[int, int]) -> dt.date:
        """A random date between two (month, day) pairs of the year, both included."""
        low = dt.date(self.year, *first)
        span = (dt.date(self.year, *last) - low).days
        return low + dt.timedelta(days=self.rng.randint(0, span))

    def office(self, day: dt.date) -> dt.datetime:
        """A random moment in office hours on ``day``, or on the Monday after a weekend."""
        if day.weekday() >= 5:
            monday = day + dt.timedelta(days=7 - day.weekday())
            day = monday if monday.year == day.year else day - dt.timedelta(days=day.weekday() - 4)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        offset = dt.timedelta(
            minutes=self.rng.randint(0, OFFICE_MINUTES), seconds=self.rng.randint(0, 59)
        )
        return midnight + OFFICE_OPENS + offset

    def anytime(self, day: dt.date) -> dt.datetime:
        """A random moment between 06:00 and 22:00 UTC on ``day`` (web forms, tips)."""
        midnight = dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC)
        return midnight + dt.timedelta(
            minutes=self.rng.randint(0, 16 * 60), seconds=self.rng.randint(0, 59)
        )

    def later(self, moment: dt.datetime, low: int, high: int) -> dt.datetime | None:
        """A moment ``low``..``high`` days after ``moment`` (same day: minutes later); None past the year."""
        days = self.rng.randint(low, high)
        if days == 0:
            found = moment + dt.timedelta(
                minutes=self.rng.randint(10, 180), seconds=self.rng.randint(0, 59)
            )
        else:
            found = self.office(moment.date() + dt.timedelta(days=days))
        return found if moment < found < self.end and self.start < found else None

    def soon(self, moment: dt.datetime) -> dt.datetime:
        """A moment a few minutes after ``moment`` (a corrected resend, a second step)."""
        return moment + dt.timedelta(
            minutes=self.rng.randint(3, 40), seconds=self.rng.randint(0, 59)
        )

    # cases ------------------------------------------------------------------------------
    def schedule(self, opened: dt.datetime, start: Callable[..., None], *args: Any) -> None:
        """Open a case at ``opened``: ``start(*args, case_id)`` runs once cases are numbered."""
        self._starters.append(Starter(opened, functools.partial(start, *args)))

    def open_cases(self) -> None:
        """Number the scheduled cases in the order they opened, and run each one."""
        starters = sorted(enumerate(self._starters), key=lambda item: (item[1].opened, item[0]))
        for _, starter in starters:
            starter.start(self.label("case", 4))

    def track(
        self, case_id: str, opened: dt.datetime, forms: tuple[ExploitationForm, ...]
    ) -> CaseTrack:
        """Start remembering a case."""
        self.cases[case_id] = CaseTrack(case_id, opened, forms, [(opened, Stage.RECEIVED)])
        return self.cases[case_id]

    # messages ---------------------------------------------------------------------------
    def stamp(self, partner: str, moment: dt.datetime) -> dict[str, Any]:
        """The fields every event has: a fresh id, the moment and the recording partner."""
        return {"event_id": self.new_uuid(), "occurred_at": moment, "recorded_by": partner}

    def send(self, event: E, note: str, expect: str = ACCEPT) -> E:
        """Add an event as its recorder publishes it on its own ingest topic."""
        value = encode_event(event)
        self.send_raw(
            event.recorded_by, event.occurred_at, value, self.headers(event), expect, note
        )
        return event

    def headers(self, event: Event) -> Headers:
        """The CloudEvents headers of an event, with its recorder as source."""
        return build_headers(event, self.registry.get(event.recorded_by).urn)

    def send_raw(
        self,
        partner: str,
        when: dt.datetime,
        value: bytes,
        headers: Headers,
        expect: str,
        note: str,
    ) -> None:
        """Add a message with the given bytes and headers."""
        self.entries.append(Entry(when, next(self._seq), partner, value, headers, expect, note))

    def in_order(self) -> list[Entry]:
        """The entries in chronological order; equal moments keep the order they were added in."""
        return sorted(self.entries, key=lambda entry: (entry.when, entry.seq))
