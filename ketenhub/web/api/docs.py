"""``/docs``: the API's documentation page, rendered by the hub from its own OpenAPI document.

No script and no asset from elsewhere (hubs run on closed networks): one HTML page listing
every operation with its parameters, request body types and responses, and a link to the
machine-readable document at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketenhub.web.openapi_document import API_PREFIX, openapi_document

router = APIRouter()
_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #1b1b1b; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
code, pre { background: #f3f3f3; padding: 0 .25rem; }
.op { margin: 1.2rem 0; padding: .6rem 1rem; border-left: 4px solid #154273; background: #fafafa; }
.method { font-weight: bold; text-transform: uppercase; margin-right: .5rem; }
table { border-collapse: collapse; margin: .4rem 0; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; }
"""


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
async def docs_page(request: Request) -> HTMLResponse:
    """The documentation page of the API."""
    return HTMLResponse(render(openapi_document(request.app)))


def render(document: dict[str, Any]) -> str:
    """The HTML of the documentation of an OpenAPI document."""
    info = document.get("info", {})
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(info.get('title', ''))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', ''))} {escape(info.get('version', ''))}</h1>",
        f"<p>OpenAPI {escape(document.get('openapi', ''))} document: "
        f"<a href='{API_PREFIX}/openapi.json'><code>{API_PREFIX}/openapi.json</code></a></p>",
        f"<pre>{escape(info.get('description', ''))}</pre>",
    ]
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            parts.append(_operation(path, method, operation))
    parts.append(_problems(document))
    parts.append("</body></html>")
    return "".join(parts)


def _operation(path: str, method: str, operation: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td>"
        f"<td>{escape(p.get('description', '') or p.get('schema', {}).get('description', ''))}</td></tr>"
        for p in operation.get("parameters", [])
    )
    parameters = (
        f"<table><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th></tr>{rows}</table>"
        if rows
        else ""
    )
    body = operation.get("requestBody", {})
    body_types = ", ".join(f"<code>{escape(t)}</code>" for t in body.get("content", {}))
    responses = "".join(
        f"<li><code>{escape(status)}</code> {escape(response.get('description', ''))}</li>"
        for status, response in operation.get("responses", {}).items()
    )
    security = " (needs a partner token)" if operation.get("security") else " (no token)"
    return (
        f"<div class='op' id='{escape(operation.get('operationId', ''))}'>"
        f"<h2><span class='method'>{escape(method)}</span><code>{escape(path)}</code></h2>"
        f"<p><strong>{escape(operation.get('summary', ''))}</strong>{security}</p>"
        f"<p>{escape(operation.get('description', ''))}</p>{parameters}"
        + (f"<p>Request body: {body_types}</p>" if body_types else "")
        + f"<ul>{responses}</ul></div>"
    )


def _problems(document: dict[str, Any]) -> str:
    from ketenhub.web.problems import PROBLEM_TYPES

    items = "".join(
        f"<tr><td><code>{escape(kind.uri)}</code></td><td>{kind.status}</td><td>{escape(kind.title)}</td></tr>"
        for kind in PROBLEM_TYPES
    )
    return (
        "<h2>Errors</h2><p>Every error is an <code>application/problem+json</code> document "
        "(RFC 9457). Act on its <code>type</code>:</p>"
        f"<table><tr><th>type</th><th>status</th><th>title</th></tr>{items}</table>"
    )
