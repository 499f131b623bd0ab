"""The formats of identifiers in events: keyed pseudonyms and opaque ids.

A **pseudonym** (``psn-`` + 32 lowercase hexadecimal characters) is the only way an event
names a person, an employer or an address: the output of ``privacy.pseudonymise``, a keyed
HMAC-SHA256 that reveals nothing without the hub's secret. An **opaque id** (a case, a
visit, a referral, a control day, ...) is 1 to 64 characters of lowercase letters, digits
and dashes, starting with a letter or digit, chosen by the partner's system so that it
carries no personal data (never a BSN, name, phone number or address). An id of the right
format is still searched for a BSN or phone number (``personal_data``), also one glued to
letters or split by dashes (``case-111-222-333``, ``tel0612345678``); prefixes, years,
months, compact dates and counters (``case-2025-0001``, ``visit-01-2025-0003``,
``controledag-03012025``) are never mistaken for one. Pure: no I/O.
"""

from __future__ import annotations

import re
import secrets

from ketenhub.core.personal_data import find_personal_data
from ketenhub.core.privacy import PSEUDONYM_HEX_LENGTH, PSEUDONYM_PREFIX

PSEUDONYM_PATTERN = re.compile(rf"{PSEUDONYM_PREFIX}[0-9a-f]{{{PSEUDONYM_HEX_LENGTH}}}")
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
PSEUDONYM_FORMAT = f"{PSEUDONYM_PREFIX} followed by {PSEUDONYM_HEX_LENGTH} lowercase hex characters"
ID_FORMAT = "1-64 lowercase letters, digits and dashes, starting with a letter or digit"


def normal_case_id(text: str) -> str:
    """A case id as the hub keeps and looks it up: trimmed and lowercased, so that a reference
    written as ``tip-MMA-1001`` (an outside system's spelling) names case ``tip-mma-1001``."""
    return text.strip().lower()


def is_pseudonym(value: str) -> bool:
    """Whether ``value`` has the strict format of a keyed pseudonym."""
    return PSEUDONYM_PATTERN.fullmatch(value) is not None


def is_opaque_id(value: str) -> bool:
    """Whether ``value`` has the format of an opaque id (it may still hold a number: check that too)."""
    return ID_PATTERN.fullmatch(value) is not None


def new_opaque_id(prefix: str) -> str:
    """A fresh random opaque id ``<prefix>-<10 hex>`` that cannot be mistaken for a BSN or phone."""
    while True:
        candidate = f"{prefix}-{secrets.token_hex(5)}"
        if is_opaque_id(candidate) and find_personal_data(candidate) is None:
            return candidate
