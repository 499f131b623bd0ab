"""Refusals whose bytes may hold personal data in clear, whatever rule the message broke first.

A message refused for a wrong header or for bytes that do not decode is refused before its
fields are checked; its bytes may still hold a BSN where a pseudonym belongs. Such a refusal
is marked ``clear_data`` like one the field check made, so that ``rejected.<partner>`` keeps
none of its bytes (``refused_inputs.kept_of``). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from ketenhub.codec.event_reader import read_event
from ketenhub.core.field_check import check_fields
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.personal_data import find_personal_data
from ketenhub.core.rejection import Rejection
from ketenhub.errors import CodecError


def clear_marked(registry: PartnerRegistry, rejection: Rejection, value: bytes | None) -> Rejection:
    """``rejection`` marked ``clear_data`` when the refused bytes may hold personal data in clear,
    whatever rule the message broke first: a string of its event fails the field check, or bytes
    that are no event hold a BSN, an e-mail address or a phone number when read as text."""
    if rejection.clear_data:
        return rejection
    try:
        event = read_event(value or b"")
    except CodecError:
        clear = find_personal_data((value or b"").decode("utf-8", errors="replace")) is not None
    else:
        clear = check_fields(registry, event) is not None
    return replace(rejection, clear_data=True) if clear else rejection
