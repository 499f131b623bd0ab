"""A retention run: read the verified history, find every case and data subject whose period has
run, and erase those subjects by crypto-shredding, each erasure kept with its reason.

The history is verified as it is read (``Replay``): a log that does not hold erases nothing,
and only records a signed checkpoint covers are taken into account (the subjects of those after
it are kept for a later run). The messages the hub refused (``rejected.<partner>``) count too:
a subject named only there has its key from before the refusal, and expires with the
``refused_inputs`` period.
A subject is erased only when every case, referral, control day and refused message it
appears in has expired (``RetentionLedger``); one that never had a key (nothing was encrypted for it) or was
erased before is counted, not erased again. The log itself is never touched: its hashes,
checkpoints and views stay as they are, and the subject's encrypted fields show as erased
wherever they are read. Used by ``ketenhub retention run`` and the Kafka worker's timer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

import structlog

from ketenhub.contract.base import Event
from ketenhub.core.refused_inputs import refused_input
from ketenhub.core.retention import Expiry, RetentionLedger, RetentionPeriods, SubjectExpiry
from ketenhub.topic_log import LogRecord
from ketenhub.topics import CHECKPOINTS
from replay.pipeline import Replay
from replay.sources import SealedLogSource
from replay.verify import VerificationFailed

log = structlog.get_logger("ketenhub.retention")


class SubjectKeys(Protocol):
    """The part of the hub's key store a retention run uses."""

    def has_key(self, subject: str) -> bool:
        """Whether the subject has a key now."""
        ...

    def erase(self, subject: str, reason: str | None = None) -> bool:
        """Delete the subject's key, keeping the reason; False when it was erased before."""
        ...


@dataclass(frozen=True)
class ExpiredCase:
    """A case whose every retention period has run."""

    case_id: str
    expiry: Expiry


@dataclass(frozen=True)
class RetentionPlan:
    """What a run as of a day finds: expired cases, subjects to erase, and what it leaves."""

    as_of: dt.date
    cases: tuple[ExpiredCase, ...]
    erase: tuple[SubjectExpiry, ...]
    expired_without_key: int
    kept: int
    unsigned: int = 0  # records after the last signed checkpoint, left for a later run


def erasure_reason(found: SubjectExpiry) -> str:
    """The reason kept with an erasure: retention, the day it expired and on what basis."""
    return f"retention: expired {found.expiry.on}; " + "; ".join(found.expiry.basis)


def plan_retention(
    events: Iterable[Event],
    periods: RetentionPeriods,
    keys: SubjectKeys,
    as_of: dt.date,
    refused: Iterable[LogRecord] = (),
) -> RetentionPlan:
    """Fold ``events`` (in log order) and the ``refused`` records of the rejected topics, and
    decide what has expired by the end of ``as_of``."""
    ledger = RetentionLedger(periods).fold_all(events)
    for record in refused:
        ledger.fold_refused(refused_input(record))
    return _plan(ledger, keys, as_of)


def _plan(ledger: RetentionLedger, keys: SubjectKeys, as_of: dt.date) -> RetentionPlan:
    cases = tuple(
        ExpiredCase(case_id, expiry)
        for case_id in ledger.case_ids()
        if (expiry := ledger.case_expiry(case_id)).expired(as_of)
    )
    expired = ledger.expired_subjects(as_of)
    erase = tuple(found for found in expired if keys.has_key(found.subject))
    return RetentionPlan(
        as_of=as_of,
        cases=cases,
        erase=erase,
        expired_without_key=len(expired) - len(erase),
        kept=len(ledger.subjects()) - len(expired),
    )


def read_plan(
    source: SealedLogSource,
    periods: RetentionPeriods,
    keys: SubjectKeys,
    as_of: dt.date,
    refused: Iterable[LogRecord] = (),
) -> RetentionPlan:
    """Plan from a sealed log, verifying it as it is read (``VerificationFailed`` if it does not hold),
    and from the ``refused`` records of the rejected topics.

    Only records a signed checkpoint covers count: the hash chain alone can be extended by
    anyone who can write the log, so a forged close after the last checkpoint erases nothing.
    Records after it are left for a later run (the hub signs them when it is idle); the data
    subjects they name are kept until then.
    """
    refusals = [refused_input(stored) for stored in refused]  # read first: what is sealed
    announced = max((c.tree_size for c in source.checkpoints()), default=0)  # after still counts
    replay = Replay(source)
    ledger = RetentionLedger(periods)
    unsigned = 0
    for record, event in replay.events():
        if record.sequence < announced:
            ledger.fold(event)
        else:
            ledger.fold_unsigned(event)
            unsigned += 1
    for refusal in refusals:
        ledger.fold_refused(refusal)
    plan = _plan(ledger, keys, as_of)
    signed = None if replay.verification is None else replay.verification.checkpoint
    if announced > (0 if signed is None else signed.tree_size):
        detail = f"no verified checkpoint covers the {announced} records it names"
        raise VerificationFailed(CHECKPOINTS, detail)
    return replace(plan, unsigned=unsigned)


def carry_out(plan: RetentionPlan, keys: SubjectKeys) -> int:
    """Erase every subject of the plan, each with its reason; return how many were erased now."""
    erased = sum(keys.erase(found.subject, erasure_reason(found)) for found in plan.erase)
    log.info(
        "retention_run",
        as_of=plan.as_of.isoformat(),
        expired_cases=len(plan.cases),
        to_erase=len(plan.erase),
        erased=erased,
        expired_without_key=plan.expired_without_key,
        kept=plan.kept,
        unsigned=plan.unsigned,
    )
    return erased
