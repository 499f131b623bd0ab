"""A partner's cases as its pages read them: from its own views through the backend, every read recorded.

These are the only functions through which a page reads a case. They read the signed-in
user's partner's views (the hub's need-to-know, the same as the API) and record each read
with ``record_case_reads`` (sealed into access.log before the page is shown). A case
outside the partner's view is a 404, exactly as a case that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from ketenhub.core.processing import ReadOperation
from ketenhub.web.pages.access import SignedIn
from ketenhub.web.reads import record_case_reads
from ketenhub.web.views import case_view

CaseDocument = dict[str, Any]
NOT_IN_VIEW = "Deze zaak bestaat niet of u mag haar niet zien."


async def partner_cases(user: SignedIn) -> list[CaseDocument]:
    """Every case in the partner's view, by case id, recorded as read for a list."""
    hub = user.context.hub
    entries = await hub.call(hub.backend.views, user.partner.id)
    documents = [case_view(entries[case_id].data or b"{}") for case_id in sorted(entries)]
    shown = {d["case_id"]: d for d in documents}
    await record_case_reads(hub, user.reader, shown, ReadOperation.PAGE_CASE_LIST)
    return documents


async def partner_case(user: SignedIn, case_id: str) -> CaseDocument:
    """One case of the partner's view, recorded as read; 404 when it is not in the view."""
    hub = user.context.hub
    entries = await hub.call(hub.backend.views, user.partner.id)
    entry = entries.get(case_id)
    if entry is None or entry.data is None:
        raise HTTPException(404, NOT_IN_VIEW)
    document = case_view(entry.data)
    await record_case_reads(hub, user.reader, {case_id: document}, ReadOperation.PAGE_CASE)
    return document


async def case_in_view(user: SignedIn, case_id: str) -> CaseDocument:
    """The case a form is about, if the partner may see it (404 otherwise); recorded as read."""
    return await partner_case(user, case_id)
