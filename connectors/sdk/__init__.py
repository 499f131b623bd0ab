"""The connector SDK: a typed client for partners' systems, on the embedded hub or on Kafka.

    from connectors.sdk import EmbeddedTransport, PartnerClient

    with PartnerClient("police", EmbeddedTransport(Path("ketenhub-data"))) as client:
        client.publish(event)
        for update in client.views():
            ...

``KafkaTransport`` lives in ``connectors.sdk.kafka_transport`` (it loads the Kafka client).
"""

from connectors.sdk.client import PartnerClient
from connectors.sdk.embedded import EmbeddedTransport
from connectors.sdk.errors import (
    ConnectorError,
    EventRefused,
    InputRefused,
    TransportError,
)
from connectors.sdk.models import (
    CaseRemoved,
    CaseView,
    Position,
    Receipt,
    RejectedMessage,
    ViewUpdate,
)
from connectors.sdk.transport import Backoff, Transport

__all__ = [
    "Backoff",
    "CaseRemoved",
    "CaseView",
    "ConnectorError",
    "EmbeddedTransport",
    "EventRefused",
    "InputRefused",
    "PartnerClient",
    "Position",
    "Receipt",
    "RejectedMessage",
    "Transport",
    "TransportError",
    "ViewUpdate",
]
