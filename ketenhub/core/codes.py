"""Closed vocabularies: the codes a partner may put in the coded string fields of an event.

Finding codes, indicators, action kinds, sharing purposes, legal bases and training
providers are codes, never free text: a code is chosen from a list the hub's operator
keeps (``ketenhub/config/codes.toml``, or ``codes.toml`` next to a data folder's own
``partners.toml``), so nothing but an agreed code can reach the log, the views or the
annual evaluation. ``ketenhub codes`` prints the lists. Pure: parsing only, no I/O.
"""

from __future__ import annotations

import tomllib
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ketenhub.errors import RegistryError

Code = Annotated[str, StringConstraints(min_length=1, max_length=120)]


class CodeLists(BaseModel):
    """Every closed vocabulary of the hub, by the name ``ketenhub codes`` shows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    finding_codes: frozenset[Code] = Field(
        description="What an action, control visit or source research found "
        "(ActionCompleted, ControlVisitLogged, SourceResearchCompleted: finding_codes)."
    )
    indicators: frozenset[Code] = Field(
        description="Indicators of the signalling card (SignalReceived: indicators)."
    )
    action_kinds: frozenset[Code] = Field(
        description="Kinds of action in an action plan (ActionPlanAdopted: actions[].kind)."
    )
    sharing_purposes: frozenset[Code] = Field(
        description="Why a case is shared (SharingDecided, SharingRevoked: purpose)."
    )
    legal_bases: frozenset[Code] = Field(
        description="The legal basis of a measure or of (ending) sharing "
        "(MeasureImposed, SharingDecided, SharingRevoked: legal_basis)."
    )
    training_providers: frozenset[Code] = Field(
        description="Who gave a training (TrainingCompleted: provider)."
    )

    def allowed(self, name: str) -> frozenset[str]:
        """The codes of the list called ``name``."""
        codes: frozenset[str] = getattr(self, name)
        return codes

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The names of all code lists."""
        return tuple(cls.model_fields)

    @classmethod
    def description(cls, name: str) -> str:
        """What the list called ``name`` is for."""
        return cls.model_fields[name].description or name


def parse_codes(text: str, origin: str) -> CodeLists:
    """Parse and validate code lists from TOML text; ``origin`` names the file in errors."""
    try:
        return CodeLists.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        msg = f"code lists {origin} are not valid TOML: {exc}"
        raise RegistryError(msg) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}"
            for e in exc.errors()
        )
        msg = f"code lists {origin} are invalid: {problems}"
        raise RegistryError(msg) from exc
