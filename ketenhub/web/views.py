"""A partner's view of a case, decoded from the bytes of its view topic: the one place that does.

Views are canonical JSON today; once ``ketenhub.codec.views.decode_view`` exists (Avro
views), ``case_view`` uses it and nothing else in the web tier changes.
"""

from __future__ import annotations

import json
from typing import Any

CaseView = dict[str, Any]


def case_view(data: bytes) -> CaseView:
    """The view a partner has of one case."""
    view = json.loads(data)
    if not isinstance(view, dict):
        msg = "a stored view is not a JSON object"
        raise TypeError(msg)
    return view
