"""Partner identities on Kafka: the planned users and ACLs, the secrets file, refusals translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiokafka import errors as aiokafka_errors
from kafka import errors as kafka_errors

from ketenhub.config import load_registry
from ketenhub.core.partners import PartnerRegistry
from ketenhub.errors import RegistryError
from ketenhub.runtime.kafka.errors import (
    AuthenticationRefused,
    NotAuthorized,
    ProvisioningError,
    translate,
)
from ketenhub.runtime.kafka.identities import (
    AclSpec,
    Operation,
    Pattern,
    Resource,
    identities,
    plan_acls,
    principals_allowed,
)
from ketenhub.runtime.kafka.provisioning import load_passwords
from ketenhub.topics import TopicNames

NAMES = TopicNames("run-7f3a.")


@pytest.fixture(scope="module")
def registry() -> PartnerRegistry:
    return load_registry()


@pytest.fixture(scope="module")
def acls(registry: PartnerRegistry) -> list[AclSpec]:
    return plan_acls(registry, NAMES)


def hub_internal_topics() -> list[str]:
    return [NAMES.audit_log, NAMES.admitted, NAMES.by_case]


def test_each_partner_gets_exactly_its_own_topics_and_groups(
    registry: PartnerRegistry, acls: list[AclSpec]
) -> None:
    """A partner may write its ingest topic, read its view, rejected and checkpoint topics, and its groups."""
    for partner in registry.partners:
        who = f"User:{partner.id}"
        mine = {(a.resource, a.name, a.pattern, a.operation) for a in acls if a.principal == who}
        topic, lit = Resource.TOPIC, Pattern.LITERAL
        assert mine == {
            (topic, NAMES.ingest(partner.id), lit, Operation.WRITE),
            (topic, NAMES.ingest(partner.id), lit, Operation.DESCRIBE),
            (topic, NAMES.view(partner.id), lit, Operation.READ),
            (topic, NAMES.view(partner.id), lit, Operation.DESCRIBE),
            (topic, NAMES.rejected(partner.id), lit, Operation.READ),
            (topic, NAMES.rejected(partner.id), lit, Operation.DESCRIBE),
            (topic, NAMES.checkpoints, lit, Operation.READ),
            (topic, NAMES.checkpoints, lit, Operation.DESCRIBE),
            (Resource.GROUP, f"partner-{partner.id}-", Pattern.PREFIXED, Operation.READ),
        }


def test_nobody_is_granted_the_audit_log_or_the_hubs_internal_topics(acls: list[AclSpec]) -> None:
    """No principal may read, write or describe audit.log or hub.* (only the super user can)."""
    for topic in hub_internal_topics():
        for operation in Operation:
            assert principals_allowed(acls, operation, Resource.TOPIC, topic) == set()


def test_every_partner_may_read_the_checkpoints_and_nobody_may_write_them(
    registry: PartnerRegistry, acls: list[AclSpec]
) -> None:
    """audit.checkpoints (no personal data) is readable by every partner, to witness; only the hub writes it."""
    everyone = {f"User:{partner.id}" for partner in registry.partners}
    topic = Resource.TOPIC
    assert principals_allowed(acls, Operation.READ, topic, NAMES.checkpoints) == everyone
    assert principals_allowed(acls, Operation.WRITE, topic, NAMES.checkpoints) == set()


def test_a_partner_reaches_no_other_partners_topics(
    registry: PartnerRegistry, acls: list[AclSpec]
) -> None:
    """Only the owner may write an ingest topic or read a view or rejected topic."""
    for partner in registry.partners:
        owner = {f"User:{partner.id}"}
        topic = Resource.TOPIC
        assert principals_allowed(acls, Operation.WRITE, topic, NAMES.ingest(partner.id)) == owner
        assert principals_allowed(acls, Operation.READ, topic, NAMES.ingest(partner.id)) == set()
        for read in (NAMES.view(partner.id), NAMES.rejected(partner.id)):
            assert principals_allowed(acls, Operation.READ, topic, read) == owner
            assert principals_allowed(acls, Operation.WRITE, topic, read) == set()
        group = f"partner-{partner.id}-view"
        assert principals_allowed(acls, Operation.READ, Resource.GROUP, group) == owner


def test_every_topic_rule_names_one_prefixed_topic_exactly(acls: list[AclSpec]) -> None:
    """Topic rules are literal names under the topic prefix: no wildcard or prefix rule can reach other topics."""
    topic_rules = [a for a in acls if a.resource is Resource.TOPIC]
    assert topic_rules
    assert all(
        a.pattern is Pattern.LITERAL and a.name.startswith(NAMES.prefix) for a in topic_rules
    )
    assert all("*" not in a.name for a in acls)


def test_the_plan_is_sorted_and_without_repeats(registry: PartnerRegistry) -> None:
    """Planning twice gives the same sorted rules, nine per partner."""
    first, second = plan_acls(registry, NAMES), plan_acls(registry, NAMES)
    assert first == second == sorted(set(first))
    assert len(first) == 9 * len(registry.partners)


def test_a_user_prefix_names_the_users_but_not_the_groups(registry: PartnerRegistry) -> None:
    """Under a user prefix the principal changes; topic names and group prefixes stay the partner's."""
    police = next(i for i in identities(registry, NAMES, "staging-") if i.partner_id == "police")
    assert police.principal == "User:staging-police"
    assert police.group_prefix == "partner-police-"
    assert {a.principal for a in police.acls()} == {"User:staging-police"}
    assert police.ingest_topic == "run-7f3a.ingest.police"


def test_partner_ids_whose_groups_would_overlap_are_refused(registry: PartnerRegistry) -> None:
    """A partner id that extends another with a dash would share its consumer-group prefix: refused."""
    shop = registry.get("shop")
    extended = shop.model_copy(update={"id": "shop-east", "system": "zorg-oost"})
    overlapping = registry.model_copy(update={"partners": (*registry.partners, extended)})
    with pytest.raises(RegistryError, match=r"'shop-east' starts with partner id 'shop'"):
        plan_acls(overlapping, NAMES)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_secrets_file_gives_each_partner_its_password(
    tmp_path: Path, registry: PartnerRegistry
) -> None:
    """A [passwords] table of partner id = password is read into secret values."""
    secrets = write(tmp_path / "s.toml", '[passwords]\npolice = "synthetic-police-pw-1"\n')
    passwords = load_passwords(secrets, registry)
    assert list(passwords) == ["police"]
    assert passwords["police"].get_secret_value() == "synthetic-police-pw-1"
    assert "synthetic" not in repr(passwords)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('[passwords]\nnobody = "synthetic-secret-1"\n', "does not know: \\['nobody'\\]"),
        ('[passwords]\npolice = "short"\n', "\\['police'\\] must be strings of at least 12"),
        ('police = "synthetic-secret-1"\n', "one table \\[passwords\\]"),
        ("[passwords\n", "not valid TOML"),
    ],
    ids=["unknown-partner", "short-password", "no-table", "not-toml"],
)
def test_a_bad_secrets_file_is_refused_without_showing_passwords(
    tmp_path: Path, registry: PartnerRegistry, text: str, complaint: str
) -> None:
    """An unknown partner, a short password, a missing table or bad TOML is named; no password is shown."""
    with pytest.raises(ProvisioningError, match=complaint) as caught:
        load_passwords(write(tmp_path / "s.toml", text), registry)
    assert "synthetic-secret" not in str(caught.value)
    assert 'short"' not in str(caught.value)


@pytest.mark.parametrize(
    "refusal",
    [
        kafka_errors.TopicAuthorizationFailedError({"run-7f3a.view.heit"}),
        aiokafka_errors.TopicAuthorizationFailedError("run-7f3a.view.heit"),
    ],
    ids=["kafka-python", "aiokafka"],
)
def test_a_topic_refusal_becomes_not_authorized_naming_user_and_topic(refusal: Exception) -> None:
    """Either client's TOPIC_AUTHORIZATION_FAILED becomes NotAuthorized naming the user, operation and topic."""
    error = translate(refusal, user="police", operation="read")
    assert isinstance(error, NotAuthorized)
    assert "user 'police' is not authorized to read topic 'run-7f3a.view.heit'" in str(error)
    assert "ketenhub partners provision" in str(error)


def test_group_and_login_refusals_are_translated_and_others_are_not() -> None:
    """A group refusal names the group, a SASL refusal names the user; any other error is left alone."""
    group = translate(
        kafka_errors.GroupAuthorizationFailedError("partner-heit-view"),
        user="police",
        operation="read",
    )
    assert isinstance(group, NotAuthorized)
    assert "consumer group 'partner-heit-view'" in str(group)
    login = translate(
        aiokafka_errors.SaslAuthenticationFailed("invalid credentials"),
        user="police",
        operation="connect",
        bootstrap="127.0.0.1:9092",
    )
    assert isinstance(login, AuthenticationRefused)
    assert "refused user 'police'" in str(login)
    assert (
        translate(kafka_errors.KafkaTimeoutError("slow"), user="police", operation="read") is None
    )
