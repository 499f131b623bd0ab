"""Errors of the API as ``application/problem+json`` (RFC 9457), each kind with a stable ``type``.

A partner's system acts on ``type`` (a URN that never changes), people read ``title`` and
``detail``. Details name fields and rules, never a value that was sent (it may be personal
data). Every problem the API can answer is listed in ``PROBLEM_TYPES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ketenhub.core.personal_data import find_personal_data

PROBLEM_MEDIA_TYPE = "application/problem+json"
WITHHELD = "(withheld: it holds what looks like personal data)"
PROBLEM_URN = "urn:ketenhub:problem:"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its slug (the end of its ``type`` URN), HTTP status and title."""

    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        """The stable ``type`` of this kind of problem."""
        return PROBLEM_URN + self.slug


UNAUTHORIZED = ProblemType("unauthorized", 401, "A valid partner token is needed")
FORBIDDEN_EVENT_TYPE = ProblemType("not-authorized", 403, "Your role may not record this event")
NOT_FOUND = ProblemType("not-found", 404, "No such resource")
INVALID_REQUEST = ProblemType("invalid-request", 400, "The request is not valid")
INVALID_EVENT = ProblemType("invalid-event", 422, "The event is not valid")
CONFLICTING_DUPLICATE = ProblemType(
    "conflicting-duplicate", 409, "An event with this id and other content was sent before"
)
UNSUPPORTED_MEDIA_TYPE = ProblemType(
    "unsupported-media-type", 415, "Send application/json or application/avro"
)
PAYLOAD_TOO_LARGE = ProblemType("payload-too-large", 413, "The request body is too large")
RATE_LIMITED = ProblemType("rate-limited", 429, "Too many requests")
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", 405, "This method is not allowed here")
PERSONAL_DATA_IN_TEXT = ProblemType(
    "personal-data-in-text", 422, "The text holds a BSN, e-mail address or phone number"
)
HUB_UNAVAILABLE = ProblemType("hub-unavailable", 503, "The hub cannot be reached now")
INTERNAL_ERROR = ProblemType("internal-error", 500, "The server failed to answer")

PROBLEM_TYPES = (
    UNAUTHORIZED,
    FORBIDDEN_EVENT_TYPE,
    NOT_FOUND,
    INVALID_REQUEST,
    INVALID_EVENT,
    CONFLICTING_DUPLICATE,
    UNSUPPORTED_MEDIA_TYPE,
    PAYLOAD_TOO_LARGE,
    RATE_LIMITED,
    METHOD_NOT_ALLOWED,
    PERSONAL_DATA_IN_TEXT,
    HUB_UNAVAILABLE,
    INTERNAL_ERROR,
)


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document, as the API sends it."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Stable URN of the kind of problem (act on this).")
    title: str = Field(description="Short, fixed summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong in this request, and what to do.")
    instance: str | None = Field(None, description="The path of the request.")


@dataclass
class Problem(Exception):
    """Raised by a handler to answer with a problem document."""

    kind: ProblemType
    detail: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.kind.slug}: {self.detail}"


def shown_part(text: str) -> str:
    """A part of a request (its path, a case id it names) as a problem or log line may repeat it.

    As is, unless it holds what looks like a BSN, e-mail address or phone number: a URL is
    not a place for those, and an answer or log line must not carry them on.
    """
    return text if find_personal_data(text) is None else WITHHELD


def problem_response(
    kind: ProblemType,
    detail: str,
    instance: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The response carrying one problem document."""
    body: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = shown_part(instance)
    body |= dict(extra or {})
    return JSONResponse(
        body, status_code=kind.status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {})
    )


def problem_responses(*kinds: ProblemType) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entries of the problems a route may answer."""
    return {
        kind.status: {
            "model": ProblemDocument,
            "description": kind.title,
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}
            },
        }
        for kind in kinds
    }
