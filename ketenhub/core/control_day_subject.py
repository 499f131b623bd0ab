"""The data subject of a control day's planned addresses: one key per day, shredded after the day.

The display forms of a day's planned addresses are encrypted under the key of the pseudonym
of ``control-day:<id>`` (as texts keyed to a case use ``case:<id>``), so erasing that one key
makes every address of the day unreadable while the pseudonyms that link visits stay.
"""

from __future__ import annotations

PLANNED_ADDRESS_FIELD = "planned_addresses.display"


def control_day_identifier(control_day_id: str) -> str:
    """The identifier whose pseudonym is the data subject of a control day's addresses."""
    return f"control-day:{control_day_id}"
