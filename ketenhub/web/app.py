"""The web tier's application: the partners' HTTP API under /api/v1, the pages, /health.

``create_app`` composes one FastAPI app around a hub (a ``BackendThread`` over either
backend): the API routers, problem+json errors for every failure, request size limits, the
``API-Version`` header of the Dutch API design rules, a self-hosted docs page, and the
pages, which ``mount_pages`` adds when ``ketenhub.web.pages`` is there. Every asset is
served by the hub itself: nothing loads from a CDN.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ketenhub import __version__
from ketenhub.core.access_log import ReadNotRecorded
from ketenhub.web.backend import BackendThread, HubUnavailable
from ketenhub.web.body_limit import BodyLimit
from ketenhub.web.context import WebContext
from ketenhub.web.openapi_document import API_PREFIX, API_VERSION, openapi_document
from ketenhub.web.problems import (
    HUB_UNAVAILABLE,
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    Problem,
    problem_response,
    shown_part,
)
from ketenhub.web.rate_limits import RateLimiter
from ketenhub.web.settings import WebSettings
from ketenhub.web.tokens import TokenStore

log = structlog.get_logger("ketenhub.web")
PAGES_MODULE = "ketenhub.web.pages"


def create_app(hub: BackendThread, settings: WebSettings, tokens: TokenStore) -> FastAPI:
    """The web app over ``hub``; it closes the hub when the app shuts down."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(start()) for start in app.state.background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            hub.close()

    app = FastAPI(
        title="Ketenhub API",
        version=API_VERSION,
        summary="The partners' HTTP API of the hub: publish events, read your views and decisions.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = WebContext(
        hub=hub,
        settings=settings,
        tokens=tokens,
        token_limits=RateLimiter(settings.web_token_burst, settings.web_token_rate_per_s),
        report_limits=RateLimiter(settings.web_report_burst, settings.web_report_rate_per_s),
    )
    background: list[Callable[[], Awaitable[None]]] = []  # run beside the server (the pages add)
    app.state.background = background
    _add_errors(app)
    app.add_middleware(BodyLimit, max_bytes=settings.web_max_body_bytes)

    @app.middleware("http")
    async def api_version(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if request.url.path.startswith(API_PREFIX):
            response.headers["API-Version"] = API_VERSION
        return response

    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        trouble = await hub.call(hub.backend.trouble)
        body = {"status": "ok" if trouble is None else "failing", "backend": hub.backend.name}
        if trouble is not None:
            body["detail"] = trouble
        return JSONResponse(
            body | {"version": __version__}, status_code=200 if trouble is None else 503
        )

    _include_api(app)
    mount_pages(app)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]  # FastAPI's documented hook
    return app


def _include_api(app: FastAPI) -> None:
    from ketenhub.web.api import routers

    for router in routers():
        app.include_router(router, prefix=API_PREFIX)


def mount_pages(app: FastAPI) -> bool:
    """Add the pages (``ketenhub.web.pages.mount(app)``) if that package is there; say whether."""
    if importlib.util.find_spec(PAGES_MODULE) is None:
        return False
    pages = importlib.import_module(PAGES_MODULE)
    mount = getattr(pages, "mount", None)
    if mount is None:
        return False
    mount(app)
    return True


def _add_errors(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.kind, exc.detail, request.url.path, exc.extra, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        page_errors = getattr(request.app.state, "page_error_handler", None)
        if page_errors is not None and not request.url.path.startswith(API_PREFIX):
            page_response: Response = await page_errors(request, StarletteHTTPException(400))
            return page_response
        problems = [
            f"{'.'.join(shown_part(str(part)) for part in error['loc'])}: {shown_part(error['msg'])}"
            for error in exc.errors()[:5]
        ]
        return problem_response(INVALID_REQUEST, "; ".join(problems), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        page_errors = getattr(request.app.state, "page_error_handler", None)
        if page_errors is not None and not request.url.path.startswith(API_PREFIX):
            page_response: Response = await page_errors(request, exc)
            return page_response
        if exc.status_code == 404:
            return problem_response(
                NOT_FOUND, f"no resource at {shown_part(request.url.path)}", request.url.path
            )
        if exc.status_code == 405:
            return problem_response(
                METHOD_NOT_ALLOWED,
                f"{request.method} is not allowed on {shown_part(request.url.path)}",
                request.url.path,
                headers=exc.headers,
            )
        return problem_response(
            INVALID_REQUEST, shown_part(str(exc.detail)), request.url.path, headers=exc.headers
        )

    @app.exception_handler(HubUnavailable)
    async def unavailable(request: Request, exc: HubUnavailable) -> JSONResponse:
        log.warning(
            "web_hub_unavailable", path=shown_part(request.url.path), detail=shown_part(str(exc))
        )
        return problem_response(
            HUB_UNAVAILABLE, str(exc), request.url.path, headers={"Retry-After": "5"}
        )

    @app.exception_handler(ReadNotRecorded)
    async def not_recorded(request: Request, exc: ReadNotRecorded) -> JSONResponse:
        log.error(
            "web_read_not_recorded",
            path=shown_part(request.url.path),
            cause=type(exc.cause).__name__,
        )
        detail = "the read could not be recorded in the hub's access log, so nothing is shown"
        return problem_response(
            HUB_UNAVAILABLE, detail, request.url.path, headers={"Retry-After": "5"}
        )

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        log.error("web_request_failed", path=shown_part(request.url.path), error=type(exc).__name__)
        return problem_response(
            INTERNAL_ERROR,
            f"the server failed ({type(exc).__name__}); see its log",
            request.url.path,
        )
