"""A partner's view of a case, decoded from the bytes of its view topic: the one place that does.

Views are Avro single-object records (``ketenhub.codec.views``); the web tier shows each as
the JSON document ``view_document`` makes of it, as ``ketenhub view --json`` prints it.
"""

from __future__ import annotations

from typing import Any

from ketenhub.codec.views import decode_view, view_document

CaseView = dict[str, Any]


def case_view(data: bytes) -> CaseView:
    """The view a partner has of one case, as a JSON document."""
    return dict(view_document(decode_view(data)))
