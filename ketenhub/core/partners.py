"""The partner registry: partners, their roles, URNs, which event types each role may record, codes,
retention periods."""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ketenhub.contract.models import EVENT_MODELS, Channel
from ketenhub.core.codes import CodeLists
from ketenhub.core.retention import RetentionPeriods
from ketenhub.errors import RegistryError

PartnerId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,40}$")]


class Role(enum.StrEnum):
    """The role a partner plays in the chain; it decides what it records and sees."""

    COORDINATOR = "COORDINATOR"
    MUNICIPAL_STAFF = "MUNICIPAL_STAFF"
    POLICE = "POLICE"
    INSPECTION = "INSPECTION"
    RIEC = "RIEC"
    CARE = "CARE"
    ANONYMOUS_CHANNEL = "ANONYMOUS_CHANNEL"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RolePolicy(_Frozen):
    """What partners of one role may record."""

    may_record: frozenset[str]
    signal_channels: frozenset[Channel] = frozenset()

    @model_validator(mode="after")
    def _known_event_types(self) -> RolePolicy:
        unknown = sorted(self.may_record - EVENT_MODELS.keys())
        if unknown:
            msg = f"may_record names unknown event types {unknown}"
            raise ValueError(msg)
        return self


class ReadPurpose(_Frozen):
    """A purpose for which personal case data may be read, with its legal basis.

    ``default_for`` names the roles whose reads serve this purpose unless a command names
    another one; every role has at most one default.
    """

    legal_basis: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    description: str
    default_for: frozenset[Role] = frozenset()


PurposeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z_]{1,40}$")]


class Partner(_Frozen):
    """One chain partner's system connected to the hub."""

    id: PartnerId
    name: str
    role: Role
    oin: Annotated[str, StringConstraints(pattern=r"^[0-9]{20}$")]
    system: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]

    @property
    def urn(self) -> str:
        """The CloudEvents source of this partner (NL GOV profile)."""
        return f"urn:nld:oin:{self.oin}:systeem:{self.system}"


class PartnerRegistry(_Frozen):
    """All partners and role policies of one hub, validated as a whole."""

    municipality_code: Annotated[str, StringConstraints(pattern=r"^GM[0-9]{4}$")]
    roles: dict[Role, RolePolicy]
    partners: tuple[Partner, ...] = Field(min_length=1)
    codes: CodeLists
    retention: RetentionPeriods = RetentionPeriods()
    read_purposes: dict[PurposeCode, ReadPurpose] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> PartnerRegistry:
        ids = [p.id for p in self.partners]
        urns = [p.urn for p in self.partners]
        for label, values in (("partner id", ids), ("source URN", urns)):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                msg = f"{label} listed more than once: {repeated}"
                raise ValueError(msg)
        missing = sorted({p.role for p in self.partners} - self.roles.keys())
        if missing:
            msg = f"roles used by partners but without a [roles.X] policy: {missing}"
            raise ValueError(msg)
        for role in Role:
            defaults = sorted(c for c, p in self.read_purposes.items() if role in p.default_for)
            if len(defaults) > 1:
                msg = f"role {role} has more than one default read purpose: {defaults}"
                raise ValueError(msg)
        return self

    def read_purpose(self, code: str) -> tuple[str, str]:
        """A read purpose and its legal basis, or ``RegistryError`` naming the purposes known."""
        purpose = self.read_purposes.get(code)
        if purpose is None:
            known = ", ".join(sorted(self.read_purposes))
            msg = f"unknown read purpose {code!r}; the registry knows: {known}"
            raise RegistryError(msg)
        return code, purpose.legal_basis

    def default_read_purpose(self, role: Role) -> tuple[str, str]:
        """The purpose (and its legal basis) that a role's reads serve when none is named."""
        for code, purpose in sorted(self.read_purposes.items()):
            if role in purpose.default_for:
                return code, purpose.legal_basis
        msg = f"the registry names no read purpose with default_for = [{role.value!r}, ...]"
        raise RegistryError(msg)

    def get(self, partner_id: str) -> Partner:
        """Return a partner by id, or raise RegistryError naming the known ids."""
        for partner in self.partners:
            if partner.id == partner_id:
                return partner
        known = ", ".join(p.id for p in self.partners)
        msg = f"unknown partner {partner_id!r}; the registry knows: {known}"
        raise RegistryError(msg)

    def knows(self, partner_id: str) -> bool:
        """Whether a partner id is in the registry."""
        return any(p.id == partner_id for p in self.partners)

    def policy(self, partner: Partner) -> RolePolicy:
        """Return the policy of a partner's role."""
        return self.roles[partner.role]

    def with_role(self, role: Role) -> tuple[Partner, ...]:
        """Return the partners that have a role."""
        return tuple(p for p in self.partners if p.role == role)


def parse_registry(
    text: str, origin: str, codes: CodeLists, read_purposes: Mapping[str, Any] | None = None
) -> PartnerRegistry:
    """Parse and validate a registry from TOML text with its code lists; ``origin`` names the file.

    A registry without ``[read_purposes]`` takes ``read_purposes`` (the shipped ones).
    """
    try:
        data = tomllib.loads(text)
        if "read_purposes" not in data and read_purposes is not None:
            data["read_purposes"] = read_purposes
        return PartnerRegistry.model_validate({**data, "codes": codes})
    except tomllib.TOMLDecodeError as exc:
        msg = f"partner registry {origin} is not valid TOML: {exc}"
        raise RegistryError(msg) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}"
            for e in exc.errors()
        )
        msg = f"partner registry {origin} is invalid: {problems}"
        raise RegistryError(msg) from exc
