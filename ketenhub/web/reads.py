"""Who read what: the one function through which every read of a case is recorded.

Every read of a case through the API or a page calls ``record_case_reads`` with who read
(partner, and the token or the user), which cases, and for what purpose. For now each read
is one structured log event (``case_read``) holding ids only — partner id, token id or user
id, case id, purpose — never a case's content. A durable access log (the Logboek
Dataverwerkingen idea) will take its place here, and only here.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

import structlog

log = structlog.get_logger("ketenhub.web.reads")


class ReadPurpose(enum.StrEnum):
    """Why a case was read."""

    API_CASE_LIST = "api.cases.list"
    API_CASE = "api.cases.get"
    API_VIEW_STREAM = "api.views.stream"
    PAGE_CASE_LIST = "page.cases.list"
    PAGE_CASE = "page.cases.get"
    PAGE_CONTROL_DAY = "page.control-days.get"
    PROTECT_PSEUDONYMS = "api.protection.pseudonyms"
    PROTECT_CASE_SUBJECTS = "api.protection.case-subjects"
    PROTECT_ENCRYPT = "api.protection.encryptions"
    PROTECT_EVENT_ID = "api.protection.event-ids"
    PROTECT_DIGEST = "api.protection.digests"


@dataclass(frozen=True)
class Reader:
    """Who reads: a partner, through one of its tokens or as one of its users."""

    partner: str
    token_id: str | None = None
    user_id: str | None = None


def record_case_reads(reader: Reader, case_ids: Iterable[str], purpose: ReadPurpose) -> None:
    """Record that ``reader`` read each of ``case_ids`` now, for ``purpose``."""
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    for case_id in case_ids:
        log.info(
            "case_read",
            partner=reader.partner,
            token_id=reader.token_id,
            user_id=reader.user_id,
            case_id=case_id,
            purpose=purpose.value,
            at=at,
        )
