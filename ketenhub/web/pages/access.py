"""Who asks for a page: the signed-in user, its partner and role, checked on every request.

``SignedInDep`` resolves the session cookie to a live session of an active user; without
one the browser is sent to the sign-in page (``SignInNeeded``). ``CheckedForm`` also checks
the CSRF token of a POST. The partner's role decides which pages exist for the user; the
cases it may read come from the partner's own views only (``ketenhub.web.pages.cases``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData

from ketenhub.core.partners import Partner, Role
from ketenhub.web.context import WebContext, web_context
from ketenhub.web.pages.hub_events import HubEvents
from ketenhub.web.pages.sessions import COOKIE, CSRF_FIELD, CSRF_HEADER, Session, SessionStore
from ketenhub.web.rate_limits import RateLimiter
from ketenhub.web.reads import Reader
from ketenhub.web.users import UserStore

SIGN_IN_BURST = 10
SIGN_IN_RATE_PER_S = 1 / 30


def sign_in_limiter() -> RateLimiter:
    """Sign-in attempts per client address and per name: 10 at once, then one per 30 s."""
    return RateLimiter(SIGN_IN_BURST, SIGN_IN_RATE_PER_S)


class SignInNeeded(Exception):
    """The request needs a signed-in user; the browser goes to the sign-in page."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to
        super().__init__("sign-in needed")


@dataclass(frozen=True)
class PagesState:
    """The pages' own state: sessions and users (one per app)."""

    sessions: SessionStore
    users: UserStore
    sign_in_limits: RateLimiter
    hub_events: HubEvents


@dataclass(frozen=True)
class SignedIn:
    """A signed-in user, its session and its partner."""

    session: Session
    partner: Partner
    context: WebContext

    @property
    def role(self) -> Role:
        """The partner's role."""
        return self.partner.role

    @property
    def reader(self) -> Reader:
        """The user as a reader of cases (for ``ketenhub.web.reads``)."""
        return Reader(self.partner.id, user_id=self.session.user_id)

    @property
    def is_coordinator(self) -> bool:
        """Whether the user works for the trafficking coordinator."""
        return self.role is Role.COORDINATOR


def pages_state(request: Request) -> PagesState:
    """The pages' state of this app."""
    state: PagesState = request.app.state.pages
    return state


def signed_in_or_none(request: Request) -> SignedIn | None:
    """The signed-in user of the request, if its session is live and the user still active."""
    state = pages_state(request)
    session = state.sessions.find(request.cookies.get(COOKIE))
    if session is None:
        return None
    context = web_context(request)
    registry = context.hub.backend.registry
    user = state.users.active_user(session.user_id)
    if (
        user is None
        or user.credential != session.credential  # a new password ends the old sessions
        or not registry.knows(session.partner_id)
    ):
        state.sessions.close(session.session_id)
        return None
    return SignedIn(session, registry.get(session.partner_id), context)


def signed_in(request: Request) -> SignedIn:
    """The signed-in user (dependency); without one, off to the sign-in page."""
    found = signed_in_or_none(request)
    if found is None:
        raise SignInNeeded(request.url.path)
    return found


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


async def checked_form(request: Request, user: SignedInDep) -> FormData:
    """The posted form of a signed-in user, after checking its CSRF token (403 otherwise)."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not user.session.csrf_matches(token if isinstance(token, str) else None):
        raise HTTPException(403, "Het formulier is verlopen. Laad de pagina opnieuw.")
    return form


def check_csrf_header(request: Request, user: SignedIn) -> None:
    """403 unless the request carries the session's CSRF token in its header (for scripts)."""
    if not user.session.csrf_matches(request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "Het formulier is verlopen. Laad de pagina opnieuw.")


CheckedForm = Annotated[FormData, Depends(checked_form)]


def require_role(user: SignedIn, *roles: Role) -> None:
    """404 when the user's role has no such page (a page it may not use does not exist for it)."""
    if user.role not in roles:
        raise HTTPException(404, "Deze pagina bestaat niet.")
