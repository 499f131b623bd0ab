"""Opening a hub for a command: the embedded one in --data-dir, or the one on --kafka."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.contract.base import Event
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.processing import ProcessingRecord
from ketenhub.core.verification import VerificationReport
from ketenhub.core.witnessing import Witness
from ketenhub.protection.protector import KeyStoreProtector
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import LogRecord

if TYPE_CHECKING:
    from ketenhub.runtime.kafka.settings import KafkaSettings


class Hub(Protocol):
    """What the commands need of a hub, on either backend."""

    registry: PartnerRegistry

    @property
    def protector(self) -> KeyStoreProtector: ...

    @property
    def public_key(self) -> Ed25519PublicKey: ...

    def publish(self, event: Event) -> object: ...

    def publish_raw(
        self, partner_id: str, value: bytes, headers: Sequence[tuple[str, bytes]]
    ) -> object: ...

    def live_views(self, partner: str) -> dict[str, bytes]: ...

    def records(self, topic: str) -> Iterator[LogRecord]: ...

    def verify(
        self, public_key: Ed25519PublicKey | None = None, witness: Witness | None = None
    ) -> VerificationReport: ...

    def record_reads(self, records: Sequence[ProcessingRecord]) -> None: ...

    def access_records(self) -> Iterator[LogRecord]: ...

    def verify_access(
        self, public_key: Ed25519PublicKey | None = None, witness: Witness | None = None
    ) -> VerificationReport: ...

    def close(self) -> None: ...


def kafka_settings(data_dir: Path, bootstrap: str) -> KafkaSettings:
    """How every ``--kafka`` command reaches the cluster: the bootstrap given, the topic prefix
    and SASL login of the KETENHUB_ settings, the keys in ``data_dir``."""
    from ketenhub.runtime.kafka.settings import KafkaSettings

    return KafkaSettings(kafka_bootstrap=bootstrap, data_dir=data_dir)


@contextmanager
def open_hub(data_dir: Path, bootstrap: str | None, *, create: bool = False) -> Iterator[Hub]:
    """Open the hub a command works on; close it afterwards."""
    hub: Hub
    if bootstrap is None:
        hub = EmbeddedHub(data_dir, create=create)
    else:
        from ketenhub.runtime.kafka.client import KafkaHub  # Kafka clients load only when asked for

        hub = KafkaHub(kafka_settings(data_dir, bootstrap))
    try:
        yield hub
    finally:
        hub.close()
