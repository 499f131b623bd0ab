"""The analyst dashboard: the evaluation's aggregates for a year beside its baseline, small counts suppressed.

In the spirit of the RIEC's regional dashboard: signals per month, by exploitation form
and by channel, the five-phase funnel, lead times, referrals to care and control days.
Every figure is the evaluation's own (``ketenhub.evaluation.evaluate_events`` over the
sealed events, the events ``ketenhub evaluate`` replays), published with its small-count
suppression (``published``): aggregates only, never a case. For the coordinator's users.
``/dashboard/jaarverslag`` shows all five parts of the annual evaluation for printing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ketenhub.config.labels import dutch_labels
from ketenhub.core.partners import Role
from ketenhub.evaluation import EvaluationSettings, Table, evaluate_events, published
from ketenhub.web.pages.access import SignedInDep, pages_state, require_role
from ketenhub.web.pages.rendering import page, today_local

router = APIRouter(include_in_schema=False)
DASHBOARD_TABLES = {
    "signalling.by_month": "Signalen per maand",
    "signalling.by_form": "Signalen per vorm van uitbuiting",
    "signalling.by_channel": "Signalen per kanaal",
    "signalling.funnel": "De vijf fasen: hoeveel zaken elke fase bereikten en waar ze stopten",
    "signalling.lead_times": "Doorlooptijd per fase (dagen sinds de vorige fase)",
    "victims.referrals_by_provider": "Doorverwijzingen naar zorg, per zorgpartner",
    "enforcement.control_days": "Controledagen, bezoeken en signalen, per soort controle",
}
PART_TITLES = {
    "awareness": "1. Bewustwording en training",
    "signalling": "2. Signaleringsstructuur",
    "enforcement": "3. Handhaving en barrières",
    "victims": "4. Slachtofferhulp",
    "collaboration": "5. Samenwerking",
}
MEASURES = {
    "signals": "signalen", "reached": "bereikt", "closed here": "hier gesloten",
    "still open here": "nog open", "stored for future use": "bewaard", "cases": "zaken",
    "median days": "mediaan dagen", "p90 days": "90e percentiel dagen",
    "referrals made": "doorverwijzingen", "accepted": "aanvaard", "declined": "afgewezen",
    "care started": "zorg gestart", "control days": "controledagen", "visits": "bezoeken",
    "people encountered": "aangetroffen personen", "signals raised": "signalen gemaakt",
    "received": "ontvangen", "led to an action": "leidde tot actie", "forwarded": "doorgestuurd",
    "picked up": "opgepakt", "measures": "maatregelen", "victims": "slachtoffers",
}  # fmt: skip
ROW_LISTS = {
    "channel": "channel", "exploitation form": "exploitation_form", "phase": "phase",
    "provider": "partner", "kind": "control_day_kind", "partner": "partner",
    "measure": "measure_type", "finding code": "finding_codes", "age group": "age_group",
    "gender": "gender", "care type": "care_type", "reason": "decline_reason", "owner": "partner",
    "meeting": "meeting_type",
}  # fmt: skip
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


def measure_label(measure: str, year: int, baseline: int) -> str:
    """``signals 2025`` as ``signalen 2025``; ``... change`` as ``... verschil``."""
    name, _, tail = measure.rpartition(" ")
    dutch = MEASURES.get(name, name)
    return f"{dutch} verschil" if tail == "change" else f"{dutch} {tail}"


def shown(table: Table, title: str, settings: EvaluationSettings) -> ShownTable:
    """The table with Dutch labels and every figure published (suppressed where small)."""
    labels = dutch_labels()
    year, baseline = table.baseline_of or (0, 0)
    lists = [ROW_LISTS.get(dim) for dim in table.dims]
    rows = []
    for row in table.rows:
        row_key = "|".join(row.labels)
        cells = [
            Cell(published(figure, settings.min_count), measure, row_key)
            for measure, figure in zip(table.measures, row.figures, strict=True)
        ]
        shown_labels = [
            labels.label(list_name, value) if list_name else value
            for list_name, value in zip(lists, row.labels, strict=True)
        ]
        rows.append((shown_labels, cells))
    return ShownTable(
        table.key,
        title,
        list(table.dims),
        [measure_label(m, year, baseline) for m in table.measures],
        rows,
    )


async def _evaluation(request: Request, user: SignedInDep, year: int, baseline: int) -> list[Table]:
    events = await pages_state(request).hub_events.all(user.context)
    return list(evaluate_events(events, year, baseline, EvaluationSettings()).tables)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request, user: SignedInDep, jaar: YEAR = None, nulmeting: YEAR = None
) -> Response:
    """The dashboard of ``jaar`` (default: this year) beside ``nulmeting`` (default: the year before)."""
    require_role(user, Role.COORDINATOR)
    year = jaar or today_local().year
    baseline = nulmeting if nulmeting and nulmeting != year else year - 1
    settings = EvaluationSettings()
    tables = {t.key: t for t in await _evaluation(request, user, year, baseline)}
    shown_tables = [shown(tables[key], title, settings) for key, title in DASHBOARD_TABLES.items()]
    return page(
        request,
        "dashboard.html",
        user=user,
        year=year,
        baseline=baseline,
        min_count=settings.min_count,
        tables=shown_tables,
    )


@router.get("/dashboard/jaarverslag", response_class=HTMLResponse)
async def annual_report(
    request: Request, user: SignedInDep, jaar: YEAR = None, nulmeting: YEAR = None
) -> Response:
    """All five parts of the annual evaluation of ``jaar``, for printing (aggregates only)."""
    require_role(user, Role.COORDINATOR)
    year = jaar or today_local().year
    baseline = nulmeting if nulmeting and nulmeting != year else year - 1
    settings = EvaluationSettings()
    tables = await _evaluation(request, user, year, baseline)
    parts = [
        (title, [shown(t, t.title, settings) for t in tables if t.part == key])
        for key, title in PART_TITLES.items()
    ]
    return page(
        request,
        "annual_report.html",
        user=user,
        year=year,
        baseline=baseline,
        min_count=settings.min_count,
        parts=parts,
    )
