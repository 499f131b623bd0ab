"""The API's OpenAPI 3.1 document, generated from the code, with its errors as problem+json.

FastAPI documents a ``422`` with its own error shape on every route that takes parameters;
this API answers invalid parameters with ``400`` problem documents instead (Dutch API
design rules), so the generated document is corrected here, in one place.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ketenhub.web.problems import INVALID_REQUEST, PROBLEM_MEDIA_TYPE

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDocument"}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document (made once, then kept)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=_DESCRIPTION,
        routes=app.routes,
    )
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for operation in operations.values():
            _problem_errors(operation["responses"])
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = document
    return document


def _problem_errors(responses: dict[str, Any]) -> None:
    validation = responses.get("422", {})
    if "HTTPValidationError" in str(validation):
        del responses["422"]
    responses.setdefault(
        "400",
        {
            "description": INVALID_REQUEST.title,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
        },
    )
    for status, response in responses.items():
        content = response.get("content", {})
        if status >= "400" and PROBLEM_MEDIA_TYPE in content:
            content.pop("application/json", None)


_DESCRIPTION = """\
The hub's HTTP API for partner systems that use neither Python nor Kafka.

* Authenticate with your partner system's token: `Authorization: Bearer <token>`
  (`ketenhub partners token add PARTNER` makes one; it is shown once).
* `POST /api/v1/events` publishes one event (the JSON of one line of `ketenhub publish`, or
  Avro single-object bytes with CloudEvents `ce-*` headers). The hub decides it: follow
  `GET /api/v1/decisions/{event_id}`.
* Read your own view of the cases, your rejected messages, a stream of your view's changes,
  and the signed checkpoints with their consistency proofs (to witness the log).
* The protection service pseudonymises identifiers (`POST /api/v1/pseudonyms`) and encrypts
  free text under a data subject's key (`POST /api/v1/encryptions`) with the hub's keys, which
  never leave the hub; `POST /api/v1/hub-proofs` first proves the hub holds the key you pinned.
* Errors are `application/problem+json` documents; act on their stable `type`.
* Field names follow the event contract (`schemas/avro/`), in snake_case.
"""
