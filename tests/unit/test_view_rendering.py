"""Views rendered from the encoding a case state remembers of its sections equal a fresh rendering."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from test_demo_scenario import NOW, YEAR, FakeProtector, fresh_ledger

from ketenhub.codec.views import encode_view
from ketenhub.config import load_registry
from ketenhub.contract import models as m
from ketenhub.contract.base import Event
from ketenhub.core.admission import Admitted, admit
from ketenhub.core.case_state import CaseState, written_sections
from ketenhub.core.need_to_know import access_reasons, render_view
from ketenhub.core.partners import PartnerRegistry, Role
from ketenhub.core.projection import (
    Projector,
    cases_of,
    forward_addressees,
    render_views,
    unchanged_views,
)
from ketenhub.core.sealing import ChainHead, SealedRecord, seal
from ketenhub.demo.scenario import build_year

REGISTRY = load_registry()


def sealed_year(registry: PartnerRegistry) -> Iterator[tuple[SealedRecord, Event]]:
    """The demo year's admitted events, sealed in order by the core's admission and sealing."""
    ledger, head = fresh_ledger(registry), ChainHead()
    for message in build_year(YEAR, protector=FakeProtector()):
        partner = registry.get(message.partner)
        outcome = admit(ledger, registry, partner, message.value, message.headers, NOW)
        if isinstance(outcome, Admitted):
            event = outcome.inspected.event
            record = seal(head, partner.id, event, message.value, NOW, ledger.case_of(event))
            ledger.apply(event, outcome.inspected.digest)
            head = head.after(record)
            yield record, event


def sections_text(state: CaseState) -> dict[str, str]:
    """Each field of a case state as canonical JSON, encoded afresh."""
    fields = json.loads(state.to_json())
    return {name: json.dumps(value, sort_keys=True) for name, value in fields.items()}


@pytest.fixture(scope="module")
def year() -> list[tuple[SealedRecord, Event]]:
    """The demo year, sealed."""
    return list(sealed_year(REGISTRY))


def test_each_fold_writes_only_the_sections_it_names(
    year: list[tuple[SealedRecord, Event]],
) -> None:
    """Folding any event of the year changes no section but those its fold names (and the
    sequence and history), so the encoding remembered of every other section stays true."""
    states: dict[str, CaseState] = {}
    types = set()
    for record, event in year:
        for case_id in cases_of(record, event):
            state = states.setdefault(case_id, CaseState(case_id))
            before = sections_text(state)
            state.apply(record.sequence, event, forward_addressees(REGISTRY, event))
            after = sections_text(state)
            changed = {name for name in after if after[name] != before[name]}
            assert changed <= written_sections(type(event)) | {"last_sequence", "history"}
            types.add(type(event))
    assert len(types) >= 15  # the year exercises nearly every fold


def test_views_rendered_from_remembered_text_equal_a_fresh_rendering(
    year: list[tuple[SealedRecord, Event]],
) -> None:
    """After every event of the year, every partner's view of the case, rendered with the
    sections' remembered encoding, is byte for byte the encoding of a fresh rendering."""
    states: dict[str, CaseState] = {}
    compared = 0
    for record, event in year:
        for case_id in cases_of(record, event):
            state = states.setdefault(case_id, CaseState(case_id))
            state.apply(record.sequence, event, forward_addressees(REGISTRY, event))
            reasons = access_reasons(state, REGISTRY)
            fresh = {
                p.id: encode_view(view)
                for p in REGISTRY.partners
                if (view := render_view(state, p, reasons.get(p.id))) is not None
            }
            assert render_views(state, REGISTRY) == fresh
            compared += len(fresh)
    assert compared > 1000


def test_access_reasons_follow_the_registry_they_are_asked_with(
    year: list[tuple[SealedRecord, Event]],
) -> None:
    """What a registry grants is looked up once per registry, never taken from another one:
    a registry without the coordinator grants it nothing, the full one still does."""
    record, event = next((r, e) for r, e in year if isinstance(e, m.SignalReceived))
    state = CaseState(cases_of(record, event)[0])
    state.apply(record.sequence, event)
    coordinators = {p.id for p in REGISTRY.with_role(Role.COORDINATOR)}
    without = REGISTRY.model_copy(
        update={"partners": tuple(p for p in REGISTRY.partners if p.id not in coordinators)}
    )
    assert coordinators <= access_reasons(state, REGISTRY).keys()
    assert not coordinators & access_reasons(state, without).keys()
    assert coordinators <= access_reasons(state, REGISTRY).keys()


def test_views_kept_from_before_an_event_equal_a_fresh_rendering(
    year: list[tuple[SealedRecord, Event]],
) -> None:
    """A projector keeps a partner's view without rendering it when the event's fold writes
    nothing that view reads; after every event of the year each partner's view it holds is
    still exactly the encoding of a fresh rendering (and absent where none is due)."""
    projector = Projector(REGISTRY)
    kept = 0
    for record, event in year:
        for case_id in cases_of(record, event):
            before = {
                p.id: view for p in REGISTRY.partners if (view := projector.view(p.id, case_id))
            }
            kept += len(unchanged_views(before, event, REGISTRY))
        projector.apply(record, event)
        for case_id in cases_of(record, event):
            state = projector.cases.get(case_id)
            if state is None:
                continue
            reasons = access_reasons(state, REGISTRY)
            for partner in REGISTRY.partners:
                view = render_view(state, partner, reasons.get(partner.id))
                fresh = None if view is None else encode_view(view)
                assert projector.view(partner.id, case_id) == fresh
    assert kept > 100  # many events leave some partners' views as they were


def test_a_batch_of_records_gives_the_views_of_folding_them_one_by_one(
    year: list[tuple[SealedRecord, Event]],
) -> None:
    """Projected in batches (each case rendered once per batch), the year leaves every view
    exactly as folding it record by record does; each written view is the last one its case
    had in the batch, named with the sequence of that case's last record in the batch."""
    one_by_one, batched = Projector(REGISTRY), Projector(REGISTRY)
    written = 0
    for start in range(0, len(year), 97):
        batch = year[start : start + 97]
        last: dict[tuple[str, str], bytes | None] = {}
        sequence: dict[str, int] = {}
        for record, event in batch:
            for change in one_by_one.apply(record, event):
                last[(change.partner, change.case_id)] = change.view
            for case_id in cases_of(record, event):
                if case_id in one_by_one.cases:
                    sequence[case_id] = record.sequence
        changes = batched.apply_batch(batch)
        for found in changes:
            change = found.change
            assert last[(change.partner, change.case_id)] == change.view
            assert found.sequence == sequence[change.case_id]
        assert {(c.change.partner, c.change.case_id) for c in changes} <= last.keys()
        written += len(changes)
    for partner in REGISTRY.partners:
        assert batched.views(partner.id) == one_by_one.views(partner.id)
    assert 0 < written < sum(len(cases_of(r, e)) for r, e in year)
