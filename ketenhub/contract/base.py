"""Base classes of the generated contract models: frozen, strict about unknown fields, UTC times."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict, field_validator

AvroInt = Annotated[int, Strict(), Field(ge=-(2**31), le=2**31 - 1)]
"""An Avro ``int``: a whole number (never a boolean or a string) in 32 bits."""

AvroLong = Annotated[int, Strict(), Field(ge=-(2**63), le=2**63 - 1)]
"""An Avro ``long``: a whole number (never a boolean or a string) in 64 bits."""


class ContractModel(BaseModel):
    """A value of the contract: immutable, and refusing fields the schema does not have."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_datum(self) -> dict[str, Any]:
        """Return the Avro datum of this value (enums as their symbols)."""
        return self.model_dump(mode="python")


class Event(ContractModel):
    """Fields every event has: a unique id, when it happened (UTC) and who recorded it."""

    EVENT_TYPE: ClassVar[str]
    SCHEMA_NAME: ClassVar[str]
    CLOUDEVENT_TYPE: ClassVar[str]

    event_id: UUID
    occurred_at: AwareDatetime
    recorded_by: str

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC)

    @property
    def case_ref(self) -> str | None:
        """The case this event belongs to, if it belongs to one."""
        value = getattr(self, "case_id", None)
        return value if isinstance(value, str) else None
