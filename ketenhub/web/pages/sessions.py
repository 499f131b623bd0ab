"""Who is signed in: server-side sessions behind an HttpOnly, SameSite=Strict cookie, and CSRF tokens.

The cookie holds only a random session id (256 bits); the session itself (user, partner,
CSRF token, messages to show once) stays in the server's memory and ends after
``IDLE_S`` without a request, ``MAX_AGE_S`` after sign-in, at sign-out, or when the user is
disabled or given a new password. Every form carries the session's CSRF token and every POST must return it (the
field app sends it as the ``X-CSRF-Token`` header); SameSite=Strict is the second fence.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import Response

COOKIE = "ketenhub_sessie"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
IDLE_S = 30 * 60
MAX_AGE_S = 12 * 60 * 60
Clock = Callable[[], float]


@dataclass
class Session:
    """One signed-in user's session."""

    session_id: str
    user_id: str
    partner_id: str
    name: str
    csrf_token: str
    started: float
    last_seen: float
    credential: str = ""  # the user's credential at sign-in (``UserRecord.credential``)
    flashes: list[tuple[str, str]] = field(default_factory=list)

    def flash(self, kind: str, message: str) -> None:
        """Keep a message (``kind`` success, error or info) to show on the next page."""
        self.flashes.append((kind, message))

    def take_flashes(self) -> list[tuple[str, str]]:
        """The messages kept for the next page, once."""
        taken, self.flashes = self.flashes, []
        return taken

    def csrf_matches(self, presented: str | None) -> bool:
        """Whether a presented CSRF token is this session's (compared in constant time)."""
        return presented is not None and hmac.compare_digest(presented, self.csrf_token)


class SessionStore:
    """The open sessions of one server; thread-safe."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def open(self, user_id: str, partner_id: str, name: str, credential: str = "") -> Session:
        """Start a session for a user who just signed in (with the credential it signed in with)."""
        now = self._clock()
        session = Session(
            secrets.token_urlsafe(32),
            user_id,
            partner_id,
            name,
            secrets.token_urlsafe(32),
            now,
            now,
            credential,
        )
        with self._lock:
            self._forget_expired(now)
            self._sessions[session.session_id] = session
        return session

    def find(self, session_id: str | None) -> Session | None:
        """The live session with this id, its idle time reset; None if none or expired."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > IDLE_S or now - session.started > MAX_AGE_S:
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def close(self, session_id: str) -> None:
        """End a session (sign-out)."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def _forget_expired(self, now: float) -> None:
        expired = [
            key
            for key, s in self._sessions.items()
            if now - s.last_seen > IDLE_S or now - s.started > MAX_AGE_S
        ]
        for key in expired:
            del self._sessions[key]


def set_session_cookie(request: Request, response: Response, session: Session) -> None:
    """Give the browser the session's id: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        COOKIE,
        session.session_id,
        max_age=MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to forget the session cookie."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
