"""The API's routers, each one resource of /api/v1."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every router of the API, in the order the OpenAPI document lists them."""
    from ketenhub.web.api import (
        cases,
        checkpoints,
        docs,
        events,
        protection,
        rejections,
        reported_reads,
        stream,
        website_reports,
    )

    return [
        events.router,
        cases.router,
        stream.router,
        rejections.router,
        checkpoints.router,
        website_reports.router,
        protection.router,
        reported_reads.router,
        docs.router,
    ]
