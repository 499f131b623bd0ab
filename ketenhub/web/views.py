"""A partner's view of a case, decoded from the bytes of its view topic: the one place that does.

Views are Avro single-object records (``ketenhub.codec.views.decode_view``), shown as the
JSON document ``view_document`` makes of them; a hub whose views are still canonical JSON
is read with ``json.loads``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable
from functools import cache
from typing import Any

CaseView = dict[str, Any]
_AVRO_VIEWS = "ketenhub.codec.views"


@cache
def _decoder() -> Callable[[bytes], CaseView]:
    if importlib.util.find_spec(_AVRO_VIEWS) is None:
        return _json_view
    views = importlib.import_module(_AVRO_VIEWS)

    def avro_view(data: bytes) -> CaseView:
        if data[:1] == b"{":  # written before views were Avro
            return _json_view(data)
        document: CaseView = views.view_document(views.decode_view(data))
        return document

    return avro_view


def _json_view(data: bytes) -> CaseView:
    view = json.loads(data)
    if not isinstance(view, dict):
        msg = "a stored view is not a JSON object"
        raise TypeError(msg)
    return view


def case_view(data: bytes) -> CaseView:
    """The view a partner has of one case, as a JSON document."""
    return _decoder()(data)
