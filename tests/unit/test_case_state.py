"""A case state's typed sections survive its JSON (the Faust table's format) exactly."""

from __future__ import annotations

import json

import pytest
from test_view_rendering import REGISTRY, sealed_year

from ketenhub.contract import models as m
from ketenhub.contract import view_records as v
from ketenhub.core.case_state import CaseState
from ketenhub.core.projection import cases_of, forward_addressees, render_views
from ketenhub.errors import CorruptDatum


def test_every_state_of_the_year_survives_its_json_after_every_event() -> None:
    """After each event of the demo year the state's JSON (sections remembered as text) equals
    the JSON of the state restored from it (encoded afresh), and both render the same views."""
    states: dict[str, CaseState] = {}
    checked = 0
    for record, event in sealed_year(REGISTRY):
        for case_id in cases_of(record, event):
            state = states.setdefault(case_id, CaseState(case_id))
            state.apply(record.sequence, event, forward_addressees(REGISTRY, event))
            text = state.to_json()
            restored = CaseState.from_json(text)
            assert restored.to_json() == text
            assert restored == state
            assert render_views(restored, REGISTRY) == render_views(state, REGISTRY)
            checked += 1
    assert checked > 500


def test_a_restored_state_holds_typed_sections() -> None:
    """Sections come back as the contract's records, lists and dicts, not as plain JSON data."""
    year = sealed_year(REGISTRY)
    states: dict[str, CaseState] = {}
    for record, event in year:
        for case_id in cases_of(record, event):
            state = states.setdefault(case_id, CaseState(case_id))
            state.apply(record.sequence, event, forward_addressees(REGISTRY, event))
    richest = max(states.values(), key=lambda s: len(s.history))
    restored = CaseState.from_json(richest.to_json())
    assert isinstance(restored.signal, v.Signal)
    assert isinstance(restored.history, list) and isinstance(restored.history[0], v.HistoryEntry)
    assert all(isinstance(a, v.Action) for a in restored.actions.values())
    assert all(isinstance(r, v.Referral) for r in restored.referrals.values())


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("last_sequence"),
        lambda d: d["signal"].pop("channel"),
        lambda d: d["signal"].update(channel="CARRIER_PIGEON"),
        lambda d: d["signal"].update(received_at="yesterday"),
        lambda d: d["history"][0].update(event_id="not-a-uuid"),
        lambda d: d.update(actions=[]),
    ],
    ids=["no-sequence", "no-channel", "unknown-channel", "bad-time", "bad-uuid", "actions-list"],
)
def test_a_damaged_state_is_refused_by_name(damage: object) -> None:
    """A stored state that is not what ``to_json`` writes raises CorruptDatum, never half-loads."""
    record, event = next(
        (r, e) for r, e in sealed_year(REGISTRY) if isinstance(e, m.SignalReceived)
    )
    state = CaseState(cases_of(record, event)[0])
    state.apply(record.sequence, event)
    document = json.loads(state.to_json())
    damage(document)  # type: ignore[operator]
    with pytest.raises(CorruptDatum, match="CaseState"):
        CaseState.from_json(json.dumps(document).encode())
