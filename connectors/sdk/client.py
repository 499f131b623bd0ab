"""The partner client: publish typed events as one partner, follow its views and its rejections.

The same code runs on every transport (embedded or Kafka). Consumption is at-least-once:
a record counts as handled once the caller asks the iterator for the next one (or leaves
the loop after it), and handled positions are committed under the partner's own consumer
group, ``partner-<id>-<name>-views`` / ``-rejections``. A restart continues after the last
committed record; a crash while handling one record delivers that record again.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable, Iterator, Sequence

import structlog

from connectors.sdk.errors import ConnectorError, EventRefused, PersonalDataInText
from connectors.sdk.models import (
    CaseRemoved,
    CaseView,
    Receipt,
    RejectedMessage,
    ViewUpdate,
    rejected_message,
    view_update,
)
from connectors.sdk.transport import Delivery, Stream, Transport
from connectors.sdk.witness import CheckpointFeed, CheckpointWitness
from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import encode_event
from ketenhub.codec.views import view_document
from ketenhub.contract.base import Event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.authorization import authorize
from ketenhub.core.field_check import check_fields
from ketenhub.core.partners import Partner, PartnerRegistry
from ketenhub.core.personal_data import find_personal_data
from ketenhub.core.privacy import associated_data
from ketenhub.core.processing import Actor, ActorKind, ReadOperation, records_for
from ketenhub.errors import PrivacyError
from ketenhub.protection.interface import Protector

WITNESS_EVERY_S = 30.0  # how often a following client checks the hub's newest checkpoint
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


def _log() -> structlog.typing.FilteringBoundLogger:
    """The SDK's logger: event ids, types, case ids, codes and offsets only, never personal data."""
    return structlog.get_logger("connectors")  # type: ignore[no-any-return]  # structlog's factory is untyped


class PartnerClient:
    """One partner's connection to the hub, over a transport (embedded or Kafka)."""

    def __init__(
        self,
        partner_id: str,
        transport: Transport,
        *,
        name: str = "sdk",
        send_timeout_s: float = 120.0,
        witness: CheckpointWitness | None = None,
    ) -> None:
        if not _NAME.match(name):
            msg = f"client name {name!r} is invalid: use 1-41 lowercase letters, digits and dashes"
            raise ConnectorError(msg)
        self.transport = transport
        self.partner: Partner = transport.registry.get(partner_id)
        self.name = name
        self._send_timeout_s = send_timeout_s
        self.witness = witness
        self.witness_every_s = WITNESS_EVERY_S

    @property
    def registry(self) -> PartnerRegistry:
        """The partner registry of the hub."""
        return self.transport.registry

    @property
    def protector(self) -> Protector:
        """Pseudonymiser and field encryptor, for events built from clear identifiers and texts."""
        return self.transport.protector

    def group(self, stream: Stream) -> str:
        """The consumer group this client commits its positions under, for one topic."""
        kind = "views" if stream == "view" else "rejections"
        return f"partner-{self.partner.id}-{self.name}-{kind}"

    def encrypt(self, subject: str, text: str, event_type: str, field: str) -> EncryptedField:
        """Encrypt a free text of ``event_type.field`` under ``subject``'s key, checked first.

        Raises PersonalDataInText, before anything is encrypted, if the text holds a BSN, an
        e-mail address or a phone number.
        """
        found = find_personal_data(text)
        if found is not None:
            raise PersonalDataInText(event_type, field, found)
        return self.protector.encrypt(subject, text, associated_data(event_type, field))

    def check(self, event: Event) -> None:
        """Raise if the hub would refuse ``event`` for what it holds, before anything is sent.

        EventRefused: this partner may not record it (recorder, type, channel), or a field
        holds no pseudonym, id or code of the right format, or a BSN, e-mail address or
        phone number. PersonalDataInText: a free text encrypted the SDK's way
        (``encrypt``) holds one of those.
        """
        refusal = authorize(self.registry, self.partner, event) or check_fields(
            self.registry, event
        )
        if refusal is not None:
            raise EventRefused(event.EVENT_TYPE, str(event.event_id), refusal)
        for field, value in event:
            if isinstance(value, EncryptedField):
                found = find_personal_data(self._readable(value, event.EVENT_TYPE, field))
                if found is not None:
                    raise PersonalDataInText(event.EVENT_TYPE, field, found)

    def _readable(self, value: EncryptedField, event_type: str, field: str) -> str:
        """The text of a field encrypted the SDK's way; empty if this client cannot read it."""
        try:
            return self.protector.decrypt(value, associated_data(event_type, field))
        except PrivacyError:
            return ""  # not encrypted here (another key store): nothing this client can check

    def publish(self, event: Event) -> Receipt:
        """Check, encode and send one event; return where the ingest topic stored it."""
        return self.publish_all([event])[0]

    def publish_all(self, events: Iterable[Event]) -> list[Receipt]:
        """Check every event first (nothing is sent if one is refused), then send them all.

        Returns when the transport stored every event, with a receipt per event in order.
        The hub decides about them later: see ``views()`` and ``rejections()``.
        """
        batch = list(events)
        for event in batch:
            self.check(event)
        sent = [
            (
                event,
                self.transport.send(
                    self.partner, encode_event(event), build_headers(event, self.partner.urn)
                ),
            )
            for event in batch
        ]
        receipts = []
        for event, pending in sent:
            position = pending.result(self._send_timeout_s)
            receipts.append(
                Receipt(
                    event_id=event.event_id,
                    event_type=event.EVENT_TYPE,
                    case_id=event.case_ref,
                    position=position,
                )
            )
            _log().info(
                "event_published",
                partner=self.partner.id,
                event_id=str(event.event_id),
                event_type=event.EVENT_TYPE,
                case_id=event.case_ref,
                topic=position.topic,
                partition=position.partition,
                offset=position.offset,
            )
        return receipts

    def flush(self) -> None:
        """Make sure everything published is stored; on the embedded hub, let the pipeline run."""
        self.transport.flush()

    def views(self, *, follow: bool = False, poll_interval_s: float = 1.0) -> Iterator[ViewUpdate]:
        """The changes of this partner's case views since the last committed one.

        Yields a ``CaseView`` per new version of a case and a ``CaseRemoved`` when the partner
        lost sight of a case. Without ``follow`` it stops at the end of the topic as of the
        call; with ``follow`` it waits for more until the caller stops.
        """
        for delivery in self._consume("view", self.group("view"), follow, poll_interval_s):
            update = view_update(self.partner.id, delivery.key, delivery.value, delivery.position)
            if isinstance(update, CaseView):
                self._record_reads([update], ReadOperation.SDK_VIEWS)
            _log().info(
                "view_received",
                partner=self.partner.id,
                case_id=update.case_id,
                removed=isinstance(update, CaseRemoved),
                offset=delivery.position.offset,
            )
            yield update

    def rejections(
        self, *, follow: bool = False, poll_interval_s: float = 1.0
    ) -> Iterator[RejectedMessage]:
        """This partner's messages the hub refused since the last committed one, with code and reason."""
        for delivery in self._consume("rejected", self.group("rejected"), follow, poll_interval_s):
            rejected = rejected_message(
                self.partner.id, delivery.value, delivery.headers, delivery.position
            )
            _log().info(
                "rejection_received",
                partner=self.partner.id,
                event_id=rejected.event_id,
                event_type=rejected.event_type,
                case_id=rejected.case_id,
                code=rejected.code,
            )
            yield rejected

    def snapshot(self) -> dict[str, CaseView]:
        """Every case this partner sees now, by case id (reads the whole view; commits nothing)."""
        current: dict[str, CaseView] = {}
        for delivery in self._consume("view", None, False, 1.0):
            update = view_update(self.partner.id, delivery.key, delivery.value, delivery.position)
            if isinstance(update, CaseView):
                current[update.case_id] = update
            else:
                current.pop(update.case_id, None)
        self._record_reads(list(current.values()), ReadOperation.SDK_SNAPSHOT)
        return current

    def _record_reads(self, shown: Sequence[CaseView], operation: ReadOperation) -> None:
        """Have the hub seal a processing record per case view before it is handed out.

        The reader is this partner's system, named by the client's name; the purpose is the
        default of the partner's role. ``ReadNotRecorded`` propagates: nothing is handed out.
        """
        actor = Actor(ActorKind.PARTNER, "sdk", partner=self.partner.id, actor_id=self.name)
        purpose = self.registry.default_read_purpose(self.partner.role)
        cases = {view.case_id: view_document(view.record) for view in shown}
        now = dt.datetime.now(dt.UTC)
        self.transport.record_reads(records_for(cases, actor, operation, purpose, now))

    def _consume(
        self, stream: Stream, group: str | None, follow: bool, poll_interval_s: float
    ) -> Iterator[Delivery]:
        cursor = self.transport.open_cursor(self.partner.id, stream, group)
        try:
            self.witness_checkpoint()
            witnessed_at = time.monotonic()
            while follow or not cursor.caught_up():
                for delivery in cursor.poll(poll_interval_s):
                    yield delivery
                    cursor.mark(delivery)  # the caller came back for more: this one is handled
                cursor.commit()
                if follow and time.monotonic() - witnessed_at >= self.witness_every_s:
                    self.witness_checkpoint()  # a long-running follower keeps witnessing
                    witnessed_at = time.monotonic()
        finally:
            try:
                cursor.commit()  # what the caller handled before leaving the loop stays handled
            finally:
                cursor.close()

    def witness_checkpoint(self) -> None:
        """Check the hub's checkpoints since this partner's witness, and keep the newest.

        Raises ``HubHistoryDiverged`` (the connector stops) when the hub's history no longer
        extends the checkpoint witnessed before. Does nothing without a witness. Both the
        embedded and the Kafka transport serve the checkpoint topic.
        """
        if self.witness is None:
            return
        if isinstance(self.transport, CheckpointFeed):
            self.witness.observe(self.transport)
        else:
            _log().warning("checkpoint_witnessing_unavailable", partner=self.partner.id)

    def close(self) -> None:
        """Flush and close the transport."""
        self.transport.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
