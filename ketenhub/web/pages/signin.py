"""Signing in and out: a name and password checked against the data folder's users, slowed when guessed.

A wrong name and a wrong password get the same answer and take as long. Attempts are
limited per client address and per name (token buckets), so guessing is slow; a
successful sign-in starts a new session (a session id is never reused across sign-ins).
A sign-in posted from another site (a form there, sending its own name and password) is
refused: it would sign the visitor in as someone else, whose session would then record what
the visitor does. The browser says where a request comes from (``Sec-Fetch-Site``, else
``Origin``); a client that says neither (not a browser) is not asked.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import structlog
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketenhub.web.pages.access import SignedIn, pages_state, signed_in_or_none
from ketenhub.web.pages.rendering import page
from ketenhub.web.pages.sessions import (
    COOKIE,
    CSRF_FIELD,
    clear_session_cookie,
    set_session_cookie,
)

log = structlog.get_logger("ketenhub.web.pages")
router = APIRouter(include_in_schema=False)


def _safe_target(back_to: str | None) -> str:
    """Only a path of this site (no scheme, host or protocol-relative URL) to return to."""
    if back_to and back_to.startswith("/") and not back_to.startswith("//") and "\\" not in back_to:
        return back_to
    return "/zaken"


def from_another_site(request: Request) -> bool:
    """Whether the browser says the request was made by a page of another site or origin."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.headers.get("host")


@router.get("/aanmelden", response_class=HTMLResponse)
async def sign_in_page(request: Request, terug: str | None = None) -> Response:
    """The sign-in form."""
    if signed_in_or_none(request) is not None:
        return RedirectResponse(_safe_target(terug), status_code=303)
    return page(request, "signin.html", back_to=_safe_target(terug), error=None)


@router.post("/aanmelden")
async def sign_in(request: Request) -> Response:
    """Check the name and password; start a session and go on, or say that it did not match."""
    form = await request.form()
    name, password, back_to = (form.get(k) for k in ("name", "password", "terug"))
    target = _safe_target(back_to if isinstance(back_to, str) else None)
    if from_another_site(request):
        log.warning("page_sign_in_from_another_site")
        error = "Meld u aan op deze pagina zelf; een aanmelding vanaf een andere site telt niet."
        return page(request, "signin.html", status_code=403, back_to=target, error=error)
    if not isinstance(name, str) or not isinstance(password, str):
        return page(
            request,
            "signin.html",
            status_code=400,
            back_to=target,
            error="Vul uw naam en wachtwoord in.",
        )
    client = request.client.host if request.client else "unknown"
    limits = pages_state(request).sign_in_limits
    wait_s = max(limits.take(f"address:{client}"), limits.take(f"name:{name}"))
    if wait_s:
        error = f"Te veel pogingen. Probeer het over {wait_s:.0f} seconden opnieuw."
        return page(request, "signin.html", status_code=429, back_to=target, error=error)
    state = pages_state(request)
    user = state.users.authenticate(name, password)
    if user is None:
        log.info("page_sign_in_refused")
        error = "De naam of het wachtwoord klopt niet."
        return page(request, "signin.html", status_code=401, back_to=target, error=error)
    old = request.cookies.get(COOKIE)
    if old:
        state.sessions.close(old)
    session = state.sessions.open(user.user_id, user.partner, user.name, user.credential)
    log.info("page_signed_in", user_id=user.user_id, partner=user.partner)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, session)
    return response


@router.post("/afmelden")
async def sign_out(request: Request) -> Response:
    """End the session (CSRF-checked, so no other site can sign a user out)."""
    user: SignedIn | None = signed_in_or_none(request)
    if user is not None:
        form = await request.form()
        token = form.get(CSRF_FIELD)
        if not user.session.csrf_matches(token if isinstance(token, str) else None):
            raise HTTPException(403, "Het formulier is verlopen. Laad de pagina opnieuw.")
        pages_state(request).sessions.close(user.session.session_id)
        log.info("page_signed_out", user_id=user.session.user_id)
    response = RedirectResponse("/aanmelden", status_code=303)
    clear_session_cookie(response)
    return response


def sign_in_redirect(back_to: str) -> Response:
    """Send the browser to the sign-in page, to come back to ``back_to`` after."""
    return RedirectResponse(f"/aanmelden?terug={quote(_safe_target(back_to))}", status_code=303)
