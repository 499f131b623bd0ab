"""The annual report from the dashboard: the evaluation's own HTML, built from the verified log as `evaluate` does.

``/dashboard/jaarverslag?jaar=2025&nulmeting=2024`` (the coordinator only) reads audit.log
and its signed checkpoints through a reader of its own (``Backend.history``), verifies every
hash link and checkpoint (with the key pinned by ``KETENHUB_TRUSTED_KEY`` when one is set,
else the data folder's own key, as the command does), computes the evaluation and serves
the report in Dutch, the findings' summaries decrypted with the hub's keys. A history that
does not verify builds nothing: the page says why, in plain words, and what to do. One
report is built at a time, on a worker thread, so the hub keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketenhub.contract.models import EvaluationFindingRecorded
from ketenhub.core.partners import Role
from ketenhub.core.privacy import associated_data
from ketenhub.errors import KetenhubError
from ketenhub.evaluation import EvaluationSettings
from ketenhub.hub_options import read_pin
from ketenhub.web.backend import Backend
from ketenhub.web.pages.access import SignedInDep, require_role
from ketenhub.web.pages.dashboard import YEAR, chosen_years
from ketenhub.web.pages.rendering import page
from ketenhub.web.settings import WebSettings
from replay.pipeline import evaluate_source
from replay.report import speech_in
from replay.report_annual import SummaryReader, annual_document
from replay.report_pages import html_page
from replay.sources import SealedLogSource
from replay.verify import PinnedSource, VerificationFailed

router = APIRouter(include_in_schema=False)
log = structlog.get_logger("ketenhub.web.pages")
REPORT_HEADERS = {  # the report is one self-contained page: its own styles and inline charts
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_BUILDING = asyncio.Lock()


@router.get("/dashboard/jaarverslag", response_class=HTMLResponse)
async def annual_report(
    request: Request, user: SignedInDep, jaar: YEAR = None, nulmeting: YEAR = None
) -> Response:
    """The verified annual report of ``jaar`` beside ``nulmeting``, as `ketenhub evaluate` writes it."""
    require_role(user, Role.COORDINATOR)
    year, baseline = chosen_years(jaar, nulmeting)
    context = user.context
    try:
        async with _BUILDING:
            report = await asyncio.to_thread(
                build_report, context.hub.backend, context.settings, year, baseline
            )
    except VerificationFailed as failed:
        log.warning("annual_report_refused", year=year, where=failed.where, offset=failed.offset)
        message = (
            f"Het jaarverslag {year} is niet gemaakt: de geschiedenis van de hub klopt niet "
            f"({failed.where}: {failed.detail}). Cijfers uit een geschiedenis die niet klopt zijn "
            "niet te vertrouwen. Laat de beheerder de opdracht ketenhub verify uitvoeren."
        )
        return page(request, "error.html", status_code=409, user=user, message=message)
    except KetenhubError as unavailable:
        log.warning("annual_report_unavailable", year=year, error=type(unavailable).__name__)
        message = f"Het jaarverslag {year} is niet gemaakt: {unavailable}"
        return page(request, "error.html", status_code=503, user=user, message=message)
    log.info("annual_report_built", year=year, baseline=baseline, user_id=user.session.user_id)
    return HTMLResponse(report, headers=REPORT_HEADERS)


def build_report(backend: Backend, settings: WebSettings, year: int, baseline: int) -> str:
    """The report's HTML from the verified history; ``VerificationFailed`` when it does not verify."""
    pin = read_pin(settings.trusted_key)
    with backend.history() as history, _summaries(settings) as read:
        source: SealedLogSource = history if pin is None else PinnedSource(history, pin)
        run = evaluate_source(source, year, baseline, settings=EvaluationSettings())
        return html_page(annual_document(run, speech_in("nl"), read))


@contextmanager
def _summaries(settings: WebSettings) -> Iterator[SummaryReader | None]:
    """Decrypts the findings' summaries with the data folder's keys (a connection of its own)."""
    try:
        protector = settings.hub_folder.protector()
    except KetenhubError:
        yield None
        return
    bound = associated_data(EvaluationFindingRecorded.EVENT_TYPE, "summary")
    try:
        yield lambda field: protector.decrypt(field, bound)
    finally:
        protector.close()
