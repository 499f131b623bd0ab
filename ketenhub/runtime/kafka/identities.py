"""Partner identities on Kafka: each partner's SCRAM user and the ACLs that confine it to its topics.

Every partner of the registry is a SCRAM-SHA-512 user named by its partner id (``User:<id>``,
optionally under a user prefix that sets a test or staging hub apart on a shared cluster). A
partner may write (and describe) only ``ingest.<id>``, read (and describe) only ``view.<id>``,
``rejected.<id>`` and the hub's ``audit.checkpoints``, and read consumer groups named
``partner-<id>-...``. Every partner reads ``audit.checkpoints`` to witness the hub's history
(each record is a tree size, a root, a signing time, a signature, a key id and a consistency
proof: no personal data). Nothing else is granted: the broker runs with
``allow.everyone.if.no.acl.found=false``, so ``audit.log`` and the ``hub.*`` topics are
readable only by the hub's principal, which is a super user of the broker (``super.users``)
and therefore needs no ACLs.

This module only plans; ``ketenhub.runtime.kafka.provisioning`` applies the plan to a cluster.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from ketenhub.core.partners import PartnerRegistry
from ketenhub.errors import RegistryError
from ketenhub.topics import TopicNames

ANY_HOST = "*"


class Resource(enum.StrEnum):
    """The kind of broker resource an ACL is about."""

    TOPIC = "TOPIC"
    GROUP = "GROUP"


class Pattern(enum.StrEnum):
    """How an ACL's resource name matches: exactly, or as a prefix."""

    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"


class Operation(enum.StrEnum):
    """What an ACL allows on its resource."""

    READ = "READ"
    WRITE = "WRITE"
    DESCRIBE = "DESCRIBE"


@dataclass(frozen=True, order=True)
class AclSpec:
    """One ALLOW rule from any host: ``principal`` may ``operation`` on the named resource."""

    principal: str
    resource: Resource
    name: str
    pattern: Pattern
    operation: Operation

    def matches(self, resource: Resource, name: str) -> bool:
        """Whether this rule applies to the resource ``name`` of kind ``resource``."""
        if resource is not self.resource:
            return False
        if self.pattern is Pattern.PREFIXED:
            return name.startswith(self.name)
        return name == self.name

    def describe(self) -> str:
        """The rule in one line, as an operator reads it."""
        how = "prefix " if self.pattern is Pattern.PREFIXED else ""
        kind = self.resource.value.lower()
        return f"{self.principal} may {self.operation.value} {kind} {how}{self.name}"


@dataclass(frozen=True)
class PartnerIdentity:
    """A partner's user on the broker and the resources it may use."""

    partner_id: str
    username: str
    ingest_topic: str
    view_topic: str
    rejected_topic: str
    checkpoints_topic: str

    @property
    def principal(self) -> str:
        """The ACL principal of this partner, ``User:<username>``."""
        return principal_of(self.username)

    @property
    def group_prefix(self) -> str:
        """Every consumer group of this partner starts with this prefix."""
        return group_prefix(self.partner_id)

    def acls(self) -> list[AclSpec]:
        """The rules that let this partner use its own topics and groups, read the checkpoints, and nothing else."""
        who = self.principal

        def topic(name: str, *operations: Operation) -> list[AclSpec]:
            return [AclSpec(who, Resource.TOPIC, name, Pattern.LITERAL, op) for op in operations]

        return [
            *topic(self.ingest_topic, Operation.WRITE, Operation.DESCRIBE),
            *topic(self.view_topic, Operation.READ, Operation.DESCRIBE),
            *topic(self.rejected_topic, Operation.READ, Operation.DESCRIBE),
            *topic(self.checkpoints_topic, Operation.READ, Operation.DESCRIBE),
            AclSpec(who, Resource.GROUP, self.group_prefix, Pattern.PREFIXED, Operation.READ),
        ]


def principal_of(username: str) -> str:
    """The ACL principal of a SCRAM user."""
    return f"User:{username}"


def group_prefix(partner_id: str) -> str:
    """The prefix a partner's consumer group ids must start with."""
    return f"partner-{partner_id}-"


def identity(partner_id: str, names: TopicNames, user_prefix: str = "") -> PartnerIdentity:
    """The broker identity of one partner, with its topics under ``names``' prefix."""
    return PartnerIdentity(
        partner_id=partner_id,
        username=f"{user_prefix}{partner_id}",
        ingest_topic=names.ingest(partner_id),
        view_topic=names.view(partner_id),
        rejected_topic=names.rejected(partner_id),
        checkpoints_topic=names.checkpoints,
    )


def identities(
    registry: PartnerRegistry, names: TopicNames, user_prefix: str = ""
) -> list[PartnerIdentity]:
    """The broker identity of every partner of the registry, in registry order.

    Raises ``RegistryError`` when one partner's group prefix would cover another's groups.
    """
    ids = [p.id for p in registry.partners]
    for longer in ids:
        for shorter in ids:
            if longer.startswith(f"{shorter}-"):
                msg = (
                    f"partner id {longer!r} starts with partner id {shorter!r} and a dash: "
                    f"{shorter!r} could use {longer!r}'s consumer groups ({group_prefix(longer)}...); "
                    "rename one of them in the partner registry"
                )
                raise RegistryError(msg)
    return [identity(p.id, names, user_prefix) for p in registry.partners]


def plan_acls(registry: PartnerRegistry, names: TopicNames, user_prefix: str = "") -> list[AclSpec]:
    """Every ACL the partners of the registry need, sorted; the hub (a super user) needs none."""
    return sorted(acl for who in identities(registry, names, user_prefix) for acl in who.acls())


def allowed(
    acls: Iterable[AclSpec], principal: str, operation: Operation, resource: Resource, name: str
) -> bool:
    """Whether the rules let ``principal`` do ``operation`` on a resource (READ/WRITE imply DESCRIBE)."""
    implied = {operation} | (
        {Operation.READ, Operation.WRITE} if operation is Operation.DESCRIBE else set()
    )
    return any(
        acl.principal == principal and acl.operation in implied and acl.matches(resource, name)
        for acl in acls
    )


def principals_allowed(
    acls: Iterable[AclSpec], operation: Operation, resource: Resource, name: str
) -> set[str]:
    """The principals the rules let do ``operation`` on a resource."""
    rules = list(acls)
    return {a.principal for a in rules if allowed(rules, a.principal, operation, resource, name)}
