"""Which field names name the reporter of an anonymous tip: such fields are dropped, never stored.

The anonymous channel (Meld Misdaad Anoniem) promises that a reporter's identity never
exists in the hub. A field or column called ``reporter``, ``reporter_*``, ``melder*``,
``caller*``, ``contact*``, ``name``, ``phone``, ``telephone``, ``tel``, ``mobile``,
``email``, ``e-mail`` or ``mail`` (any case, spaces and dashes counting as underscores) names
the reporter; the tips connector and ``ketenhub publish`` as the anonymous channel drop it
as they read. Pure: no I/O.
"""

from __future__ import annotations

import re

REPORTER_NAMES = frozenset(
    {"name", "phone", "phone_number", "telephone", "tel", "mobile", "email", "e_mail", "mail"}
)
REPORTER_PREFIXES = ("reporter", "melder", "caller", "contact")


def is_reporter_field(name: str) -> bool:
    """Whether a field or column name names the reporter of a tip."""
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    return key in REPORTER_NAMES or key.startswith(REPORTER_PREFIXES)
