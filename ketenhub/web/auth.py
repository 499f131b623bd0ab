"""Who calls the API: a partner system, by its bearer token; limited per token.

``partner_caller`` is the dependency of every route that needs a partner: no token or a
token that is unknown, malformed or revoked answers 401 (the same answer for each, so a
guesser learns nothing); a token over its rate limit answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ketenhub.core.partners import Partner
from ketenhub.web.context import WebContext, web_context
from ketenhub.web.problems import RATE_LIMITED, UNAUTHORIZED, Problem
from ketenhub.web.reads import Reader

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="partnerToken",
    description="The token of a partner system (`ketenhub partners token add PARTNER`).",
)


@dataclass(frozen=True)
class Caller:
    """A partner system that presented a valid token."""

    partner: Partner
    token_id: str

    @property
    def reader(self) -> Reader:
        """The caller as a reader of cases (for ``ketenhub.web.reads``)."""
        return Reader(self.partner.id, token_id=self.token_id)


def _unauthorized(detail: str) -> Problem:
    return Problem(UNAUTHORIZED, detail, headers={"WWW-Authenticate": 'Bearer realm="ketenhub"'})


async def partner_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    context: Annotated[WebContext, Depends(web_context)],
) -> Caller:
    """The partner whose valid token the request carries (401 or 429 otherwise)."""
    if credentials is None:
        msg = "send your partner token as `Authorization: Bearer <token>`"
        raise _unauthorized(msg)
    record = context.tokens.authenticate(credentials.credentials)
    if record is None or not context.hub.backend.registry.knows(record.partner):
        msg = "the token is unknown, revoked or malformed"
        raise _unauthorized(msg)
    wait_s = context.token_limits.take(record.token_id)
    if wait_s:
        raise Problem(
            RATE_LIMITED,
            f"this token made too many requests; try again in {wait_s:.0f} s",
            headers={"Retry-After": f"{wait_s:.0f}"},
        )
    return Caller(context.hub.backend.registry.get(record.partner), record.token_id)


PartnerCaller = Annotated[Caller, Depends(partner_caller)]


def still_valid(request: Request, context: WebContext, caller: Caller) -> bool:
    """Whether the token that opened a long request (a stream) still opens the API.

    A token revoked or rotated, or a partner no longer in the registry, ends what it opened
    as it would refuse its next request.
    """
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    record = context.tokens.authenticate(presented.strip())
    return (
        record is not None
        and record.token_id == caller.token_id
        and context.hub.backend.registry.knows(record.partner)
    )
