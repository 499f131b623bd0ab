"""The hub's pages, in Dutch: sign-in, the coordinator's board and cases, the partners' cases,
the control-day field app and the analyst dashboard.

``mount(app)`` (called by ``ketenhub.web.app.create_app``) adds the pages' routes (kept out
of the API's OpenAPI document), the static files (every asset is served by the hub), the
sessions and users of the data folder, and HTML error pages for every path outside /api.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ketenhub.web.pages.access import PagesState, SignInNeeded, sign_in_limiter
from ketenhub.web.pages.day_erasure import erase_closed_days
from ketenhub.web.pages.hub_events import HubEvents
from ketenhub.web.pages.rendering import page
from ketenhub.web.pages.sessions import SessionStore
from ketenhub.web.users import UserStore

STATIC = Path(__file__).resolve().parent.parent / "static"


def mount(app: FastAPI) -> None:
    """Add the pages to the web app."""
    from ketenhub.web.pages import (
        annual_report,
        case_pages,
        control_day_planning,
        dashboard,
        field_app,
        signin,
    )

    data_dir = app.state.web.settings.data_dir
    state = PagesState(SessionStore(), UserStore(data_dir), sign_in_limiter(), HubEvents())
    app.state.pages = state
    app.state.background.append(lambda: erase_closed_days(app.state.web, state.hub_events))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        signin.router,
        case_pages.router,
        control_day_planning.router,
        field_app.router,
        dashboard.router,
        annual_report.router,
    ):
        app.include_router(router)

    async def sign_in_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        if request.method == "GET":
            return signin.sign_in_redirect(exc.back_to)
        return page(request, "error.html", status_code=401, message="Meld u opnieuw aan.")

    async def page_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = (
            exc.detail if exc.status_code in (403, 404) and isinstance(exc.detail, str) else None
        )
        if exc.status_code == 404 and (message is None or message == "Not Found"):
            message = "Deze pagina bestaat niet."
        return page(
            request,
            "error.html",
            status_code=exc.status_code,
            message=message or "Dit verzoek kan niet worden verwerkt.",
        )

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.state.page_error_handler = page_error
