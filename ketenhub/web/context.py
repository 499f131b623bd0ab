"""What every route of the web tier reaches through ``request.app.state.web``: the hub, tokens, limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ketenhub.web.backend import BackendThread
from ketenhub.web.rate_limits import RateLimiter
from ketenhub.web.settings import WebSettings
from ketenhub.web.tokens import TokenStore


@dataclass(frozen=True)
class WebContext:
    """The web tier's shared state: one per app."""

    hub: BackendThread
    settings: WebSettings
    tokens: TokenStore
    token_limits: RateLimiter
    report_limits: RateLimiter


def web_context(request: Request) -> WebContext:
    """The web tier's state, for a route (use as a FastAPI dependency)."""
    context: WebContext = request.app.state.web
    return context


WebContextDep = Annotated[WebContext, Depends(web_context)]
