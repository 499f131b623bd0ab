"""Arrivals on Kafka: the order in which the sealer receives ingested messages, and decides them.

With one partition per ingest topic (the default) the sealing agent reads the ingest topics
itself: Faust assigns partition 0 of every one-partition topic of the app to one worker, so
one worker reads them all and the order in which it consumes them is the arrival order
(README, "One pipeline, one ordering rule"); each message is decided as read, with no hop in
between. With more ingest partitions, spread over several workers, each message is forwarded,
as it is consumed, to ``hub.admitted`` (one partition), whose order is then the arrival order:
the forwarder passes the raw bytes and the partner's headers on unread and appends two of its
own, the partner whose ingest topic carried the message and where it was read
(``topic/partition/offset``, the input's identity). Either way the sealer alone decodes and
judges the message, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketenhub.core.input_ref import InputRef
from ketenhub.errors import KetenhubError
from ketenhub.pipeline.sealing_step import Input
from ketenhub.runtime.kafka.record_batches import Outgoing
from ketenhub.topics import TopicNames

PARTNER_HEADER = "ketenhub_partner"
WHERE_HEADER = "ketenhub_where"
EARLIER_VERDICT_HEADER = "ketenhub_refusal"  # added by validators before the sealer judged alone
Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Forwarded:
    """A message as forwarded to the sealer: the partner's headers, its partner and origin."""

    headers: Headers
    partner: str
    where: InputRef

    def input(self, value: bytes | None) -> Input:
        """The pipeline's input for the forwarded message with ``value``."""
        return Input(self.where, self.partner, value, self.headers)


class NotForwarded(KetenhubError):
    """A message on hub.admitted lacks the headers the forwarder appends."""

    def __init__(self, missing: str) -> None:
        self.missing = missing
        super().__init__(
            f"a message on hub.admitted has no valid {missing} header: only the hub's workers "
            "may write to hub.admitted (check the topic's ACLs)"
        )


def ingested(names: TopicNames, where: InputRef, value: bytes | None, headers: Headers) -> Input:
    """The pipeline's input for the message read at ``where``, an ingest topic, by the sealer."""
    return Input(where, names.partner_of_ingest(where.topic), value, headers)


def forwarding_headers(
    headers: Sequence[tuple[str, bytes]], partner: str, where: InputRef
) -> list[tuple[str, bytes]]:
    """Headers of a message forwarded to the sealer: the originals, then its partner and origin."""
    return [*headers, (PARTNER_HEADER, partner.encode()), (WHERE_HEADER, where.encode())]


def arrival(
    names: TopicNames,
    where: InputRef,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
) -> Outgoing:
    """The record forwarding the message read at ``where`` (an ingest topic) to hub.admitted."""
    partner = names.partner_of_ingest(where.topic)
    return Outgoing(names.admitted, value, None, forwarding_headers(headers, partner, where))


def read_forwarded(headers: Sequence[tuple[str, bytes]]) -> Forwarded:
    """Split a forwarded message's headers back into the partner's and the two appended last.

    Only the last two count: a partner's own header of the same name stays among its headers,
    where the sealer refuses it as it refuses any header it does not know.
    """
    own = list(headers)
    if own and own[-1][0] == EARLIER_VERDICT_HEADER:
        own.pop()  # the sealer judges the message itself
    if len(own) < 2 or own[-1][0] != WHERE_HEADER or own[-2][0] != PARTNER_HEADER:
        raise NotForwarded(
            WHERE_HEADER if not own or own[-1][0] != WHERE_HEADER else PARTNER_HEADER
        )
    where = InputRef.decode(own[-1][1])
    if where is None:
        raise NotForwarded(WHERE_HEADER)
    return Forwarded(tuple(own[:-2]), own[-2][1].decode(), where)
