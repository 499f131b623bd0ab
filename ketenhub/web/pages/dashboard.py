"""The analyst dashboard: the evaluation's aggregates for a year beside its baseline, small counts suppressed.

In the spirit of the RIEC's regional dashboard: signals per month, by exploitation form
and by channel, the five-phase funnel, lead times, referrals to care and control days.
Every figure is the evaluation's own (``ketenhub.evaluation.evaluate_events`` over the
sealed events, the events ``ketenhub evaluate`` replays), published with its small-count
suppression (``publish``: primary and secondary): aggregates only, never a case. For the coordinator's users.
``/dashboard/jaarverslag`` builds the verified annual report (``annual_report``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ketenhub.config.labels import Labels, dutch_labels
from ketenhub.core.partners import Role
from ketenhub.evaluation import (
    ALL,
    EvaluationSettings,
    Table,
    evaluate_events,
    publish,
)
from ketenhub.evaluation.wording import words
from ketenhub.web.pages.access import SignedInDep, pages_state, require_role
from ketenhub.web.pages.rendering import page, today_local

router = APIRouter(include_in_schema=False)
DASHBOARD_TABLES = (
    "signalling.by_month",
    "signalling.by_form",
    "signalling.by_channel",
    "signalling.funnel",
    "signalling.lead_times",
    "victims.referrals_by_provider",
    "enforcement.control_days",
)
YEAR = Annotated[int | None, Query(ge=1970, le=9998)]


@dataclass(frozen=True)
class Cell:
    """One published figure and where it sits (for the page and its tests)."""

    text: str
    measure: str
    row: str


@dataclass(frozen=True)
class ShownTable:
    """A table of the evaluation as the dashboard shows it."""

    key: str
    title: str
    dims: list[str]
    measures: list[str]
    rows: list[tuple[list[str], list[Cell]]]


def shown(table: Table, settings: EvaluationSettings) -> ShownTable:
    """The table as the evaluation publishes it (primary and secondary suppression), in Dutch."""
    published_table = publish(table, settings.min_count)
    said, labels = words("nl"), dutch_labels()
    params = dict(table.params)
    rows = []
    for r, row in enumerate(table.rows):
        row_key = "|".join(row.labels)
        cells = [
            Cell(published_table.text(r, m), measure, row_key)
            for m, measure in enumerate(table.measures)
        ]
        shown_labels = [
            _row_label(said.codes_of(dim), code, labels)
            for dim, code in zip(table.dims, row.labels, strict=True)
        ]
        rows.append((shown_labels, cells))
    return ShownTable(
        table.key,
        said.table_title(table.key, **params),
        [said.dim(d) for d in table.dims],
        [_measure_heading(m, table, params) for m in table.measures],
        rows,
    )


def _row_label(code_list: str | None, code: str, labels: Labels) -> str:
    said = words("nl")
    if code == ALL or (code_list is None and said.has("words", code)):
        return said.word(code)
    return labels.label(code_list, code) if code_list else code


def _measure_heading(measure: str, table: Table, params: Mapping[str, object]) -> str:
    """``signals 2025`` as the evaluation's Dutch word and the year; the change as ``verschil``."""
    if not table.baseline_of:
        return words("nl").measure(measure, **params)
    name, _, tail = measure.rpartition(" ")
    said = words("nl").measure(name, **params)
    return f"{said} verschil" if tail == "change" else f"{said} {tail}"


def chosen_years(year: int | None, baseline: int | None) -> tuple[int, int]:
    """The year asked for (default: this year) and its baseline (default: the year before)."""
    chosen = year or today_local().year
    return chosen, baseline if baseline and baseline != chosen else chosen - 1


async def _evaluation(request: Request, user: SignedInDep, year: int, baseline: int) -> list[Table]:
    events = await pages_state(request).hub_events.all(user.context)
    return list(evaluate_events(events, year, baseline, EvaluationSettings()).tables)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request, user: SignedInDep, jaar: YEAR = None, nulmeting: YEAR = None
) -> Response:
    """The dashboard of ``jaar`` (default: this year) beside ``nulmeting`` (default: the year before)."""
    require_role(user, Role.COORDINATOR)
    year, baseline = chosen_years(jaar, nulmeting)
    settings = EvaluationSettings()
    tables = {t.key: t for t in await _evaluation(request, user, year, baseline)}
    shown_tables = [shown(tables[key], settings) for key in DASHBOARD_TABLES]
    return page(
        request,
        "dashboard.html",
        user=user,
        year=year,
        baseline=baseline,
        min_count=settings.min_count,
        tables=shown_tables,
    )
