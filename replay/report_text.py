"""How the report writes numbers and changes: the language's notation, signs and arrows.

Published figures are plain (``12000``, ``2.5``, ``<5``); the pages write them the way their
readers do: ``12.000`` and ``2,5`` in Dutch, ``12,000`` and ``2.5`` in English. A change gets
its sign and an arrow (up, down, unchanged); the arrow shows the direction only, since
whether more is better depends on the figure.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from ketenhub.evaluation import Figure, Unit, exact
from ketenhub.evaluation.wording import Language, Words

UP, DOWN, SAME = "\u25b2", "\u25bc", "="  # ▲ ▼ =
_NUMBER = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?")


def localised(text: str, language: Language) -> str:
    """A published number in the language's notation; any other text as it is."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return text
    sign, whole, fraction = match.groups()
    group, point = (".", ",") if language == "nl" else (",", ".")
    grouped = f"{int(whole):,}".replace(",", group) if len(whole) > 3 else whole
    return sign + grouped + (point + fraction if fraction else "")


def signed(value: float, unit: Unit, language: Language) -> str:
    """A change with its sign (``+3``, ``-1,5``), rounded like the figures it compares."""
    text = str(int(value)) if unit is Unit.COUNT else exact(Figure(value, Unit.DAYS, ()))
    if value > 0 and not text.startswith("+"):
        text = "+" + text
    return localised(text, language)


def arrow(value: float) -> str:
    """The direction of a change."""
    if value > 0:
        return UP
    return DOWN if value < 0 else SAME


def difference(now: Figure, then: Figure) -> float | None:
    """``now - then`` when both are numbers, else None."""
    a, b = now.value, then.value
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) - float(b)
    return None


def change_text(now: Figure, then: Figure, said: Words) -> str:
    """The change as arrow and signed number; percentage points for a share."""
    delta = difference(now, then)
    if delta is None:
        return ""
    shown = f"{arrow(delta)} {signed(delta, now.unit, said.language)}"
    return f"{shown} pp" if now.unit is Unit.PERCENT and delta else shown


def percent_text(now: Figure, then: Figure, said: Words) -> str:
    """The change in percent of the earlier value; ``new`` from zero; none for a share."""
    delta = difference(now, then)
    base = then.value
    if delta is None or now.unit is Unit.PERCENT or not isinstance(base, int | float):
        return ""
    if base == 0:
        return said.phrase("new") if delta > 0 else ""
    percent = Decimal(repr(100.0 * delta / float(base))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    text = f"+{percent}" if percent > 0 else str(percent if percent else Decimal("0.0"))
    return localised(text, said.language) + "%"
