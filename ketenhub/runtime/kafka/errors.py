"""Errors of the Kafka runtime: the broker refused a login or an operation, or provisioning failed.

    KetenhubError
    ├── BrokerAccessError          the broker refused or did not answer this client
    │   ├── BrokerUnreachable      no bootstrap server answered
    │   ├── AuthenticationRefused  the SASL/SCRAM login failed (user name or password)
    │   ├── NotAuthorized          no ACL allows the operation on the topic, group or cluster
    │   └── TopicNotFound          the client may see the topic, but it does not exist
    └── ProvisioningError          users, topics or ACLs could not be provisioned

Kafka clients report refusals as their own exceptions (kafka-python's and aiokafka's, with the
same Kafka error codes); ``broker_access`` translates both where they enter Ketenhub.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ketenhub.errors import KetenhubError

TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
CLUSTER_AUTHORIZATION_FAILED = 31
SASL_AUTHENTICATION_FAILED = 58
PARTNER_RULE = (
    "a partner may write only its own ingest.<partner id> topic, read only its own "
    "view.<partner id> and rejected.<partner id> topics and the hub's audit.checkpoints, "
    "and use only consumer groups "
    "named partner-<partner id>-...; check the partner id and --sasl-username, or ask the "
    "hub operator to run `ketenhub partners provision`"
)
ADMIN_RULE = (
    "administrative operations need the hub's user, a super user of the broker "
    "(its super.users setting); check --sasl-username"
)


class BrokerAccessError(KetenhubError):
    """The Kafka broker refused this client."""


class BrokerUnreachable(BrokerAccessError):
    """No bootstrap server of the cluster answered."""

    def __init__(self, bootstrap: str, detail: str) -> None:
        self.bootstrap = bootstrap
        super().__init__(f"no bootstrap server of {bootstrap} answered: {detail}")


class AuthenticationRefused(BrokerAccessError):
    """The broker refused the SASL/SCRAM login."""

    def __init__(self, user: str | None, bootstrap: str, detail: str = "") -> None:
        self.user = user
        self.bootstrap = bootstrap
        who = f"user {user!r}" if user else "a client without credentials"
        hint = (
            "check --sasl-username/--sasl-password (KETENHUB_SASL_USERNAME/KETENHUB_SASL_PASSWORD)"
            if user
            else "this broker requires a SASL/SCRAM-SHA-512 login: give --sasl-username and "
            "--sasl-password (KETENHUB_SASL_USERNAME/KETENHUB_SASL_PASSWORD)"
        )
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"the broker at {bootstrap} refused {who}{suffix}; {hint}")


class NotAuthorized(BrokerAccessError):
    """An ACL does not allow the operation; the message names the user, operation and resource."""

    def __init__(
        self, user: str | None, operation: str, resource: str, rule: str = PARTNER_RULE
    ) -> None:
        self.user = user
        self.operation = operation
        self.resource = resource
        who = f"user {user!r}" if user else "an unauthenticated client"
        super().__init__(f"{who} is not authorized to {operation} {resource}: {rule}")


class TopicNotFound(BrokerAccessError):
    """The topic does not exist (the client would be allowed to use it)."""

    def __init__(self, topic: str, bootstrap: str) -> None:
        self.topic = topic
        super().__init__(
            f"topic {topic!r} does not exist on {bootstrap}: start the hub (`ketenhub serve "
            "--kafka`) or `ketenhub partners provision`, and check KETENHUB_TOPIC_PREFIX"
        )


class ProvisioningError(KetenhubError):
    """Users, topics or ACLs could not be provisioned from the partner registry."""


def translate(
    exc: BaseException,
    *,
    user: str | None,
    operation: str,
    topic: str | None = None,
    group: str | None = None,
    bootstrap: str = "the broker",
) -> BrokerAccessError | None:
    """The Ketenhub error for a Kafka client's refusal, or None when ``exc`` is something else."""
    errno = getattr(exc, "errno", None)
    if errno == TOPIC_AUTHORIZATION_FAILED:
        return NotAuthorized(user, operation, f"topic {_topics(exc, topic)}")
    if errno == GROUP_AUTHORIZATION_FAILED:
        return NotAuthorized(user, "use", f"consumer group {_topics(exc, group)}")
    if errno == CLUSTER_AUTHORIZATION_FAILED:
        return NotAuthorized(user, operation, "on the cluster", ADMIN_RULE)
    if errno == SASL_AUTHENTICATION_FAILED:
        return AuthenticationRefused(user, bootstrap)
    return None


@contextmanager
def broker_access(
    user: str | None,
    operation: str,
    *,
    topic: str | None = None,
    group: str | None = None,
    bootstrap: str = "the broker",
) -> Iterator[None]:
    """Run a Kafka client call; re-raise a refusal by the broker as a ``BrokerAccessError``."""
    try:
        yield
    except Exception as exc:
        translated = translate(
            exc, user=user, operation=operation, topic=topic, group=group, bootstrap=bootstrap
        )
        if translated is None:
            raise
        raise translated from exc


def _topics(exc: BaseException, given: str | None) -> str:
    """The topic name(s) an error is about: the caller's, else those the client's exception names."""
    if given:
        return repr(given)
    names: list[str] = []
    for arg in exc.args:
        if isinstance(arg, str) and arg and " " not in arg:
            names.append(arg)
        elif isinstance(arg, set | frozenset | list | tuple):
            names += sorted(str(name) for name in arg)
    return ", ".join(repr(name) for name in names) or "(a topic the client did not name)"
