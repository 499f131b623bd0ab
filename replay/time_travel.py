"""Time travel: a case, or a partner's whole view, as the hub knew it at a moment.

"Known at a moment" is by *sealing* time: the state is rebuilt from the longest prefix of
audit.log sealed at or before the moment (sealing times never go back, so the prefix
stops at the first record sealed later). Views are rebuilt with the same projection the
hub runs, so they are what each partner could see then, tombstones included.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from ketenhub.codec.avro_nodes import JsonValue
from ketenhub.codec.views import decode_view, document_of, view_document
from ketenhub.contract.base import Event
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.projection import Projector
from ketenhub.core.sealing import SealedRecord
from ketenhub.errors import KetenhubError

Json = dict[str, JsonValue]


class InvalidMoment(KetenhubError):
    """A moment to travel to is not a date or an ISO 8601 time."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            f"--as-of {text!r} is not a date (2025-06-30, meaning the end of that day, UTC) or an "
            "ISO 8601 time with a UTC offset (2025-06-30T12:00:00+00:00)"
        )


def known_before(text: str) -> dt.datetime:
    """The first moment *not* included in ``--as-of``: the next midnight for a date, else +1 µs."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidMoment(text) from exc
    if moment.tzinfo is None:
        raise InvalidMoment(text)
    return moment.astimezone(dt.UTC) + dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Snapshot:
    """Every case and view as known before ``before`` (by sealing time)."""

    before: dt.datetime
    records: int
    last_sealed_at: dt.datetime | None
    projector: Projector
    first_sealed_at: dt.datetime | None = None
    """When the log's first record was sealed (also when it lies after ``before``)."""


def snapshot(
    records: Iterable[tuple[SealedRecord, Event]], before: dt.datetime, registry: PartnerRegistry
) -> Snapshot:
    """Fold the records sealed before ``before`` (a prefix of the log); consume the rest unused."""
    projector = Projector(registry)
    count, first, last, stopped = 0, None, None, False
    for record, event in records:
        first = first or record.sealed_at
        stopped = stopped or record.sealed_at >= before
        if not stopped:
            projector.apply(record, event)
            count, last = count + 1, record.sealed_at
    return Snapshot(before, count, last, projector, first)


def nothing_sealed(snap: Snapshot, as_of: str) -> str | None:
    """What to tell when no record was sealed by then (time travel is by sealing time)."""
    if snap.records:
        return None
    detail = f"no record of audit.log was sealed by {as_of} (replay selects by sealing time, UTC)"
    if snap.first_sealed_at is None:
        return detail + "; audit.log holds no record yet"
    return detail + f"; the first was sealed on {snap.first_sealed_at.date().isoformat()}"


def case_state(snap: Snapshot, case_id: str, partner: str | None = None) -> Json | None:
    """The case's whole state (or ``partner``'s view of it) then; None if unknown or not visible."""
    if partner is not None:
        view = snap.projector.view(partner, case_id)
        return None if view is None else view_document(decode_view(view))
    state = snap.projector.cases.get(case_id)
    return None if state is None else dict(json.loads(state.to_json()))


def partner_view(snap: Snapshot, partner: str) -> dict[str, Json]:
    """Every case ``partner`` could see then, by case id."""
    views = snap.projector.views(partner)
    return {case: view_document(decode_view(views[case])) for case in sorted(views)}


def sharing_in_force(
    snap: Snapshot, case_id: str | None = None, partner: str | None = None
) -> list[Json]:
    """The sharing decisions decided and not yet revoked then, optionally of one case or partner."""
    found: list[Json] = []
    for case in sorted(snap.projector.cases):
        if case_id is not None and case != case_id:
            continue
        for decision_id, decision in sorted(snap.projector.cases[case].sharing.items()):
            if decision.revoked_at is None and partner in (None, decision.partner):
                entry: Json = {"case_id": case, "decision_id": decision_id}
                shown = document_of(decision)
                found.append(entry | shown if isinstance(shown, dict) else entry)
    return found
