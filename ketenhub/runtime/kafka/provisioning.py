"""Provisioning partner identities on a cluster: topics, SCRAM users and ACLs, idempotently.

Runs as the hub's principal (a super user of the broker). Topics are created as ``ketenhub
serve`` would create them; a partner's SCRAM user is created when it is missing (its password
is reset only when asked); the ACLs of ``ketenhub.runtime.kafka.identities`` are created when missing. A second
run changes nothing and reports everything as already present. Passwords are never logged.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from pydantic import SecretStr

from ketenhub.core.partners import PartnerRegistry
from ketenhub.runtime.kafka.errors import ProvisioningError, broker_access
from ketenhub.runtime.kafka.identities import (
    ANY_HOST,
    AclSpec,
    Operation,
    PartnerIdentity,
    Pattern,
    Resource,
    identities,
    plan_acls,
)
from ketenhub.runtime.kafka.settings import KafkaSettings
from ketenhub.runtime.kafka.topology import ensure_topics, hub_topics
from ketenhub.topics import TopicNames

MIN_PASSWORD_LENGTH = 12
ACL_VISIBLE_TIMEOUT_S = 30.0
log = structlog.get_logger("ketenhub.streams")


@dataclass(frozen=True)
class ProvisioningReport:
    """What a provisioning run created, and what was already there."""

    topics_created: tuple[str, ...]
    topics_present: tuple[str, ...]
    users_created: tuple[str, ...]
    users_present: tuple[str, ...]
    users_reset: tuple[str, ...]
    acls_created: tuple[AclSpec, ...]
    acls_present: tuple[AclSpec, ...]
    acls_unexpected: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """How many of each were created (for logs: names and passwords stay out of them)."""
        return {
            "users_created": len(self.users_created),
            "users_reset": len(self.users_reset),
            "topics_created": len(self.topics_created),
            "acls_created": len(self.acls_created),
            "acls_unexpected": len(self.acls_unexpected),
        }

    @property
    def changed(self) -> bool:
        """Whether this run changed anything on the cluster."""
        return bool(
            self.topics_created or self.users_created or self.users_reset or self.acls_created
        )


def load_passwords(path: Path, registry: PartnerRegistry) -> dict[str, SecretStr]:
    """Read the partners' SCRAM passwords from a TOML file's ``[passwords]`` table (id = "password")."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read the partner secrets file {path}: {exc.strerror}"
        raise ProvisioningError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"partner secrets file {path} is not valid TOML: {exc}"
        raise ProvisioningError(msg) from exc
    table = data.get("passwords")
    if not isinstance(table, dict) or set(data) != {"passwords"}:
        msg = f'partner secrets file {path} must hold one table [passwords] of partner id = "password"'
        raise ProvisioningError(msg)
    unknown = sorted(k for k in table if not registry.knows(k))
    if unknown:
        msg = f"partner secrets file {path} names partners the registry does not know: {unknown}"
        raise ProvisioningError(msg)
    weak = sorted(
        k for k, v in table.items() if not isinstance(v, str) or len(v) < MIN_PASSWORD_LENGTH
    )
    if weak:
        msg = (
            f"partner secrets file {path}: the passwords of {weak} must be strings of at least "
            f"{MIN_PASSWORD_LENGTH} characters"
        )
        raise ProvisioningError(msg)
    return {partner: SecretStr(password) for partner, password in table.items()}


def provision(
    settings: KafkaSettings,
    registry: PartnerRegistry,
    passwords: Mapping[str, SecretStr],
    *,
    user_prefix: str = "",
    reset_passwords: bool = False,
) -> ProvisioningReport:
    """Create the partners' SCRAM users, the hub's topics and the partners' ACLs where missing."""
    names = TopicNames(settings.topic_prefix)
    people = identities(registry, names, user_prefix)
    admin_user = settings.sasl_username
    if admin_user in {p.username for p in people}:
        msg = f"the hub's user {admin_user!r} is also a partner's user name: choose another --user-prefix"
        raise ProvisioningError(msg)
    specs = hub_topics(registry, settings)
    admin = KafkaAdminClient(**settings.client_config(), client_id="ketenhub-provisioning")
    try:
        with broker_access(admin_user, "manage SCRAM users"):
            created_users, present_users, reset = _users(admin, people, passwords, reset_passwords)
        with broker_access(admin_user, "create topics"):
            created_topics = ensure_topics(settings, specs)
        with broker_access(admin_user, "create ACLs"):
            created_acls, present_acls, unexpected = _acls(
                admin, plan_acls(registry, names, user_prefix), people
            )
    finally:
        admin.close()
    report = ProvisioningReport(
        topics_created=tuple(created_topics),
        topics_present=tuple(s.name for s in specs if s.name not in created_topics),
        users_created=created_users,
        users_present=present_users,
        users_reset=reset,
        acls_created=tuple(created_acls),
        acls_present=tuple(present_acls),
        acls_unexpected=tuple(unexpected),
    )
    log.info("partners_provisioned", **report.counts())
    return report


def _users(
    admin: Any,
    people: list[PartnerIdentity],
    passwords: Mapping[str, SecretStr],
    reset_passwords: bool,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Create the missing users (and reset the others if asked); return (created, present, reset)."""
    existing = _scram_users(admin)
    to_set = [p for p in people if reset_passwords or p.username not in existing]
    _require_passwords(to_set, passwords)
    _set_passwords(admin, to_set, passwords)
    return (
        tuple(p.username for p in to_set if p.username not in existing),
        tuple(p.username for p in people if p.username in existing),
        tuple(p.username for p in to_set if p.username in existing),
    )


def _scram_users(admin: Any) -> set[str]:
    """The users that have a SCRAM-SHA-512 credential."""
    described = admin.describe_user_scram_credentials()
    return {
        user
        for user, info in described.items()
        if any(c["mechanism"] == ScramMechanism.SCRAM_SHA_512 for c in info["credential_infos"])
    }


def _require_passwords(
    people: Iterable[PartnerIdentity], passwords: Mapping[str, SecretStr]
) -> None:
    missing = sorted(p.partner_id for p in people if p.partner_id not in passwords)
    if missing:
        msg = (
            f"no password for the partners {missing}, whose users must be created (or reset): "
            "add them to the [passwords] table of the secrets file (--secrets FILE)"
        )
        raise ProvisioningError(msg)


def _set_passwords(
    admin: Any, people: list[PartnerIdentity], passwords: Mapping[str, SecretStr]
) -> None:
    if not people:
        return
    upserts = [
        UserScramCredentialUpsertion(
            p.username, ScramMechanism.SCRAM_SHA_512, passwords[p.partner_id].get_secret_value()
        )
        for p in people
    ]
    results: dict[str, str | None] = admin.alter_user_scram_credentials(upserts)
    failed = {user: error for user, error in results.items() if error}
    if failed:
        msg = f"the broker refused to set the SCRAM credentials of {sorted(failed)}: {failed}"
        raise ProvisioningError(msg)


def _acls(
    admin: Any, planned: list[AclSpec], people: list[PartnerIdentity]
) -> tuple[list[AclSpec], list[AclSpec], list[str]]:
    """Create the planned ACLs that are missing; return (created, present, unexpected)."""
    current, others = _current_acls(admin)
    missing = [spec for spec in planned if spec not in current]
    if missing:
        result = admin.create_acls([_to_kafka(spec) for spec in missing])
        if result["failed"]:
            msg = f"the broker refused {len(result['failed'])} ACL(s): {result['failed']}"
            raise ProvisioningError(msg)
        _wait_until_visible(admin, planned)
    partners = {p.principal for p in people}
    unexpected = sorted(s.describe() for s in current - set(planned) if s.principal in partners)
    unexpected += sorted(text for who, text in others if who in partners)
    return missing, [spec for spec in planned if spec in current], unexpected


def _current_acls(admin: Any) -> tuple[set[AclSpec], list[tuple[str, str]]]:
    """Every ACL on the cluster: those expressible as an AclSpec, and the others described."""
    everything = ACLFilter(
        None,
        None,
        ACLOperation.ANY,
        ACLPermissionType.ANY,
        ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )
    acls, _ = admin.describe_acls(everything)
    specs: set[AclSpec] = set()
    others: list[tuple[str, str]] = []
    for acl in acls:
        spec = _from_kafka(acl)
        if spec is None:
            others.append((acl.principal, _describe_kafka(acl)))
        else:
            specs.add(spec)
    return specs, others


def _wait_until_visible(admin: Any, planned: list[AclSpec]) -> None:
    """Wait until the broker's authorizer enforces every planned ACL."""
    deadline = time.monotonic() + ACL_VISIBLE_TIMEOUT_S
    while not set(planned) <= _current_acls(admin)[0]:
        if time.monotonic() > deadline:
            msg = f"the created ACLs did not take effect within {ACL_VISIBLE_TIMEOUT_S:.0f} s"
            raise ProvisioningError(msg)
        time.sleep(0.1)


def _to_kafka(spec: AclSpec) -> Any:
    pattern = ResourcePattern(
        ResourceType[spec.resource.value], spec.name, ACLResourcePatternType[spec.pattern.value]
    )
    operation = ACLOperation[spec.operation.value]
    return ACL(spec.principal, ANY_HOST, operation, ACLPermissionType.ALLOW, pattern)


def _describe_kafka(acl: Any) -> str:
    pattern = acl.resource_pattern
    return (
        f"{acl.principal} {acl.permission_type.name} {acl.operation.name} on "
        f"{pattern.resource_type.name.lower()} {pattern.pattern_type.name.lower()} "
        f"{pattern.resource_name} from host {acl.host}"
    )


def _from_kafka(acl: Any) -> AclSpec | None:
    """The AclSpec of a broker ACL, or None when it is not an ALLOW rule of the kinds we plan."""
    pattern = acl.resource_pattern
    if acl.permission_type != ACLPermissionType.ALLOW or acl.host != ANY_HOST:
        return None
    try:
        return AclSpec(
            principal=acl.principal,
            resource=Resource(pattern.resource_type.name),
            name=pattern.resource_name,
            pattern=Pattern(pattern.pattern_type.name),
            operation=Operation(acl.operation.name),
        )
    except ValueError:
        return None
