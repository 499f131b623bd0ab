"""The errors of the connector SDK and the partners' connectors, under ``KetenhubError``.

    KetenhubError
    └── ConnectorError             a connector or the SDK cannot do what was asked
        ├── EventRefused           the SDK refused an event before sending it (rule broken)
        ├── PersonalDataInText     a free text holds a BSN, e-mail address or phone number
        ├── TransportError         the hub could not be reached, or did not store a message
        │   └── ProtectionServiceError   the hub's protection service did not protect the input
        │       ├── HubUnreachable       no answer from the service's address
        │       ├── TokenRefused         the partner's API token was refused (401)
        │       ├── HubKeyMismatch       the service could not prove it holds the pinned hub key
        │       └── ProtectionRefused    the service refused the input (a rule it breaks)
        └── InputRefused           a connector's input (file, flag, decision) is not usable

Messages name the thing, the value and the rule broken; they never carry personal data
(no free text, no identifiers of persons), only event ids, case ids, codes and field names.
On Kafka, the broker's refusals (a wrong login, a topic or group the ACLs do not allow) are
the runtime's ``ketenhub.runtime.kafka.errors.BrokerAccessError``, also a ``KetenhubError``.
"""

from __future__ import annotations

from ketenhub.core.personal_data import PersonalDataKind
from ketenhub.core.rejection import Rejection
from ketenhub.errors import KetenhubError


class ConnectorError(KetenhubError):
    """A connector or the SDK cannot do what was asked."""


class EventRefused(ConnectorError):
    """The SDK refused to send an event: it breaks a rule the hub would reject it for."""

    def __init__(self, event_type: str, event_id: str, rejection: Rejection) -> None:
        self.event_type = event_type
        self.event_id = event_id
        self.rejection = rejection
        super().__init__(f"not sent: {event_type} {event_id}: {rejection}")


class PersonalDataInText(ConnectorError):
    """A free text to encrypt holds a direct identifier; it is refused before encryption."""

    def __init__(self, event_type: str, field: str, kind: PersonalDataKind) -> None:
        self.event_type = event_type
        self.field = field
        self.kind = kind
        super().__init__(
            f"not sent: {event_type}.{field} holds what looks like a {kind.description}; free "
            "text may not contain a BSN, e-mail address or phone number: refer to people by "
            "their pseudonym (the value is not repeated here)"
        )


class TransportError(ConnectorError):
    """The hub could not be reached, or it did not confirm that it stored a message."""


class InputRefused(ConnectorError):
    """A connector's input is not usable; the message says where and why, never the values."""

    def __init__(self, where: str, detail: str) -> None:
        self.where = where
        self.detail = detail
        super().__init__(f"{where}: {detail}")


class ProtectionServiceError(TransportError):
    """The hub's protection service did not pseudonymise or encrypt what was asked."""


class HubUnreachable(ProtectionServiceError):
    """The protection service did not answer at its address."""

    def __init__(self, url: str, detail: str) -> None:
        self.url = url
        super().__init__(
            f"the hub's protection service at {url} cannot be reached ({detail}): check the "
            "address in the partner folder and that the hub's `ketenhub web` is running"
        )


class TokenRefused(ProtectionServiceError):
    """The protection service refused the partner's API token."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"the hub's protection service at {url} refused this partner's API token (unknown, "
            "revoked or rotated): ask the hub's operator for a new partner folder or token"
        )


class HubKeyMismatch(ProtectionServiceError):
    """The service at the address could not prove that it holds the pinned hub key."""

    def __init__(self, url: str, detail: str) -> None:
        self.url = url
        super().__init__(
            f"the service at {url} is not the hub you pinned ({detail}); nothing was sent to it: "
            "check the address, and compare the hub key's fingerprint with the hub's operator"
        )


class ProtectionRefused(ProtectionServiceError):
    """The protection service refused the input: a rule it breaks, in the service's words."""

    def __init__(self, operation: str, status: int, detail: str) -> None:
        self.operation = operation
        self.status = status
        super().__init__(
            f"the hub's protection service refused {operation} (HTTP {status}): {detail}"
        )
