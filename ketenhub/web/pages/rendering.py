"""Pages as HTML: the Jinja2 templates, Dutch labels and times, and the headers every page gets.

Templates autoescape everything. Times show in Dutch, in the time zone of the
municipality (Europe/Amsterdam). Every page is sent with a strict Content-Security-Policy
(scripts and styles only from the hub itself), no caching of case data, and no framing.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ketenhub.config.labels import dutch_labels
from ketenhub.web.pages.access import SignedIn, signed_in_or_none
from ketenhub.web.pages.sessions import CSRF_FIELD

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def local_moment(value: object) -> str:
    """An ISO time (or datetime) as Dutch local time, e.g. ``3 nov 2025 09:15``."""
    moment = _parse(value)
    if moment is None:
        return "" if value is None else str(value)
    local = moment.astimezone(LOCAL_ZONE)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M}"


def local_date(value: object) -> str:
    """An ISO date (or time) as a Dutch date, e.g. ``3 nov 2025``."""
    if isinstance(value, str) and len(value) == 10:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    moment = _parse(value)
    if moment is None:
        return "" if value is None else str(value)
    local = moment.astimezone(LOCAL_ZONE)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def _parse(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def today_local() -> dt.date:
    """Today's date in the municipality."""
    return dt.datetime.now(LOCAL_ZONE).date()


@cache
def environment() -> Environment:
    """The templates' environment (made once)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    labels = dutch_labels()
    env.globals["label"] = labels.label
    env.globals["labels"] = labels
    env.globals["csrf_field"] = CSRF_FIELD
    env.filters["moment"] = local_moment
    env.filters["day"] = local_date
    return env


def page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    user: SignedIn | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` for the request's user, with its messages and CSRF token."""
    user = user or signed_in_or_none(request)
    flashes = user.session.take_flashes() if user is not None else []
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            user=user,
            csrf_token=user.session.csrf_token if user else "",
            flashes=flashes,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
