"""Refusals: why an event was not sealed, as data routed to ``rejected.<partner>``."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

CODE_HEADER = "ketenhub_rejection_code"  # the RejectionCode of the refusal
REFUSED_AT_HEADER = "ketenhub_refused_at"  # when the hub refused it (its clock, ISO 8601 UTC)


class RejectionCode(enum.StrEnum):
    """The kind of rule an event broke; stable, for partners' systems to act on."""

    UNDECODABLE = "UNDECODABLE"
    UNKNOWN_SCHEMA = "UNKNOWN_SCHEMA"
    INVALID_HEADERS = "INVALID_HEADERS"
    WRONG_RECORDER = "WRONG_RECORDER"
    NOT_AUTHORIZED = "NOT_AUTHORIZED"
    INVALID_VALUE = "INVALID_VALUE"
    PERSONAL_DATA_IN_FIELD = "PERSONAL_DATA_IN_FIELD"
    FUTURE_TIME = "FUTURE_TIME"
    MISSING_REFERENCE = "MISSING_REFERENCE"
    OUT_OF_ORDER = "OUT_OF_ORDER"
    CASE_CLOSED = "CASE_CLOSED"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    CONFLICTING_DUPLICATE = "CONFLICTING_DUPLICATE"


@dataclass(frozen=True)
class Rejection:
    """One refused event: the rule broken and a reason a partner's engineer can act on.

    ``clear_data``: a field may hold personal data in clear (a BSN, a name where a pseudonym
    belongs), so the hub keeps no copy of the message's bytes (``refused_inputs.kept_of``).
    """

    code: RejectionCode
    reason: str
    clear_data: bool = False

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


def rejection_headers(
    original: tuple[tuple[str, bytes], ...],
    rejection: Rejection,
    topic: str,
    offset: int,
    refused_at: dt.datetime,
) -> tuple[tuple[str, bytes], ...]:
    """The headers of a rejected message: the original ones plus the code, reason, origin and time.

    The time of the refusal (the hub's clock) starts the retention period of what the
    message names (``refused_inputs``).
    """
    added = (
        (CODE_HEADER, rejection.code.value),
        ("ketenhub_rejection_reason", rejection.reason),
        ("ketenhub_source_topic", topic),
        ("ketenhub_source_offset", str(offset)),
        (REFUSED_AT_HEADER, refused_at.astimezone(dt.UTC).isoformat()),
    )
    return original + tuple((name, value.encode()) for name, value in added)
