"""The sealer on Kafka: decides admitted messages in batches, writes with an idempotent producer,
and re-synchronises with its own outputs (audit.log is the source of truth) before each batch.

Only the newest claimant of the sealer role writes: a zombie sealer is fenced before its next
batch (``streams.sealer_fence``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.core.checkpoint_records import decode_checkpoint, encode_checkpoint
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.rejection import Rejection, RejectionCode
from ketenhub.core.sealer import Refused, Sealed, Sealer, input_id
from ketenhub.core.sealing import encode_sealed
from ketenhub.errors import ChainBroken
from ketenhub.topic_log import LogRecord
from ketenhub.topics import TopicNames
from streams.kafka_log import KafkaLogReader
from streams.sealer_fence import FENCE_KEY, SealerFenced, SealerOverlap, claim_value, fence_topic
from streams.settings import KafkaSettings
from streams.topology import ensure_topics

PARTNER_HEADER = "ketenhub_partner"
WHERE_HEADER = "ketenhub_where"
REFUSAL_HEADER = "ketenhub_refusal"
FORWARDING_HEADERS = (PARTNER_HEADER, WHERE_HEADER, REFUSAL_HEADER)
log = structlog.get_logger("ketenhub.streams.sealer")


@dataclass(frozen=True)
class Forwarded:
    """A message as the validator forwards it to the sealer."""

    headers: tuple[tuple[str, bytes], ...]
    partner: str
    where: tuple[str, int, int]
    refused: Rejection | None


def forwarding_headers(
    headers: Sequence[tuple[str, bytes]],
    partner: str,
    where: tuple[str, int, int],
    refused: Rejection | None = None,
) -> list[tuple[str, bytes]]:
    """Headers of a message forwarded to the sealer: the originals, its partner, origin and verdict."""
    added = [(PARTNER_HEADER, partner.encode()), (WHERE_HEADER, input_id(*where).encode())]
    if refused is not None:
        added.append((REFUSAL_HEADER, f"{refused.code.value} {refused.reason}".encode()))
    return [*headers, *added]


def read_forwarded(headers: Sequence[tuple[str, bytes]]) -> Forwarded:
    """Split a forwarded message's headers back into the originals and what the validator added."""
    found = {name: value.decode() for name, value in headers if name in FORWARDING_HEADERS}
    topic, partition, offset = found[WHERE_HEADER].rsplit("/", 2)
    refused = None
    if REFUSAL_HEADER in found:
        code, _, reason = found[REFUSAL_HEADER].partition(" ")
        refused = Rejection(RejectionCode(code), reason)
    original = tuple((n, v) for n, v in headers if n not in FORWARDING_HEADERS)
    return Forwarded(original, found[PARTNER_HEADER], (topic, int(partition), int(offset)), refused)


class KafkaSealer:
    """The core sealer driven from Faust: one instance per worker, active where hub.admitted is assigned."""

    def __init__(
        self, settings: KafkaSettings, registry: PartnerRegistry, key: Ed25519PrivateKey
    ) -> None:
        self._settings, self._registry, self._key = settings, registry, key
        self._names = TopicNames(settings.topic_prefix)
        self.sealer = Sealer(registry, key, settings.checkpoint_every)
        self._positions: dict[tuple[str, int], int] = {}
        self._producer: Any = None
        self._reader: KafkaLogReader | None = None
        self._fence = fence_topic(settings)
        self.epoch: int | None = None  # the offset of this sealer's claim on the fence topic
        self.fenced: SealerFenced | None = None
        self.lock = asyncio.Lock()

    async def start(self) -> None:
        """Start the idempotent producer and read back everything written so far."""
        if self.fenced is not None:
            raise self.fenced
        if self._producer is not None:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, ensure_topics, self._settings, [self._fence])
        self._producer = AIOKafkaProducer(
            **self._settings.client_config(), acks="all", enable_idempotence=True, linger_ms=5
        )
        await self._producer.start()
        await self.catch_up()

    async def stop(self) -> None:
        """Flush and stop the producer; close the reader."""
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    async def claim(self) -> None:
        """Claim the sealer role (on assignment of hub.admitted): every earlier claimant is fenced.

        An assignment makes this worker the owner again even if it was fenced before (the
        partition moved away and back): it then starts afresh from the log and claims anew.
        """
        async with self.lock:
            if self.fenced is not None:
                log.info("sealer_role_reclaimed", fenced_epoch=self.fenced.epoch)
                self.fenced, self.epoch = None, None
            await self._claim()

    async def _claim(self) -> None:
        await self.start()
        stored = await self._producer.send_and_wait(
            self._fence.name, value=claim_value(), key=FENCE_KEY
        )
        self.epoch = stored.offset
        log.info("sealer_role_claimed", epoch=self.epoch)

    async def catch_up(self) -> dict[tuple[str, int], int]:
        """Read outputs this instance has not seen (after a restart, or written by another worker).

        Returns the end offsets it read up to, the fence topic's included.
        """
        return await asyncio.get_running_loop().run_in_executor(None, self._catch_up_blocking)

    async def _check_fence(self, ends: dict[tuple[str, int], int]) -> None:
        """Stop for good, writing nothing, when a sealer claimed the role after this one."""
        newest = ends.get((self._fence.name, 0), 0) - 1
        if self.epoch is None or newest > self.epoch:
            await self._stop_fenced(SealerFenced(self.epoch, newest))

    async def _stop_fenced(self, fenced: SealerFenced) -> None:
        self.fenced = fenced
        log.error("sealer_fenced", epoch=fenced.epoch, newest=fenced.newest, error=str(fenced))
        await self.stop()
        raise fenced

    def _catch_up_blocking(self) -> dict[tuple[str, int], int]:
        if self._reader is None:
            self._reader = KafkaLogReader(self._settings)
        rejected = [self._names.rejected(p.id) for p in self._registry.partners]
        ends = self._reader.end_offsets_of(
            [self._names.audit_log, self._names.checkpoints, *rejected, self._fence.name]
        )
        # checkpoints first: the sealer keeps only the leaf hashes sealed after the last one
        for record in self._new(self._names.checkpoints, ends):
            self.sealer.restore_checkpoint(decode_checkpoint(record.value or b"", record.offset))
        for record in self._new(self._names.audit_log, ends):
            self.sealer.restore_sealed(record.offset, record.value or b"", record.headers)
        for topic in rejected:
            for record in self._new(topic, ends):
                self.sealer.restore_refused(record.headers, record.value)
        return ends

    def _new(self, topic: str, ends: dict[tuple[str, int], int]) -> Iterator[LogRecord]:
        """Records of ``topic`` this instance has not seen: not written by it, or before its start."""
        assert self._reader is not None
        for (name, partition), end in ends.items():
            if name != topic:
                continue
            start = self._positions.get((topic, partition), 0)
            if topic == self._names.audit_log:
                start = self.sealer.head.next_sequence
            if start < end:
                yield from self._reader.records(topic, partition, start, end)
            self._positions[(topic, partition)] = end

    def _written(self, stored: Sequence[Any]) -> None:
        """Remember our own writes, so that catching up does not read them back."""
        for meta in stored:
            key = (meta.topic, meta.partition)
            if self._positions.get(key, 0) == meta.offset:
                self._positions[key] = meta.offset + 1

    def chain_head(self) -> str:
        """The chain head as stored in the changelog-backed ``chain-head`` table."""
        head = self.sealer.head
        return json.dumps({"next_sequence": head.next_sequence, "last_hash": head.last_hash.hex()})

    def check_chain_head(self, stored: str | None) -> None:
        """Refuse to continue when the table recorded more sealed records than audit.log holds.

        A restarted or moved sealer continues from audit.log (the single total order); the
        table, kept in its own changelog, witnesses where the chain stood. If the table is
        ahead, records were lost from audit.log, and sealing on would hide that.
        """
        if stored is None:
            return
        recorded = json.loads(stored)
        head = self.sealer.head
        if recorded["next_sequence"] > head.next_sequence:
            raise ChainBroken(
                head.next_sequence,
                f"the chain-head table recorded {recorded['next_sequence']} sealed records but "
                f"audit.log holds {head.next_sequence}: records were lost; refusing to continue",
            )
        if (
            recorded["next_sequence"] == head.next_sequence
            and recorded["last_hash"] != head.last_hash.hex()
        ):
            raise ChainBroken(
                head.next_sequence - 1,
                "the last record of audit.log is not the one the chain-head table recorded",
            )

    async def decide_batch(
        self,
        messages: Sequence[tuple[bytes, Sequence[tuple[str, bytes]]]],
        chain_head: str | None = None,
    ) -> dict[str, int]:
        """Decide a batch of admitted messages, write every output and wait until all are stored.

        Raises ``SealerFenced``, having written nothing, when another sealer claimed the role
        since this one did (this sealer then stays stopped).
        """
        counts = {"sealed": 0, "rejected": 0, "ignored": 0}
        async with self.lock:
            if self.fenced is not None:
                raise self.fenced
            if self.epoch is None:
                await self._claim()
            await self._check_fence(await self.catch_up())
            self.check_chain_head(chain_head)
            pending: list[Any] = []
            sequences: list[tuple[int, int]] = []  # (index in pending, sequence) of sealed records
            for value, raw_headers in messages:
                forwarded = read_forwarded(raw_headers)
                partner, where = self._registry.get(forwarded.partner), forwarded.where
                now = dt.datetime.now(dt.UTC)
                decision = self.sealer.decide(
                    partner, value, forwarded.headers, where, now, forwarded.refused
                )
                if isinstance(decision, Sealed):
                    sequences.append((len(pending), decision.record.sequence))
                    pending.append(
                        await self._send(
                            self._names.audit_log,
                            encode_sealed(decision.record),
                            None,
                            decision.headers,
                        )
                    )
                    counts["sealed"] += 1
                elif isinstance(decision, Refused):
                    key = input_id(*where).encode()
                    pending.append(
                        await self._send(
                            self._names.rejected(partner.id), value, key, decision.headers
                        )
                    )
                    counts["rejected"] += 1
                    log.info(
                        "event_rejected", partner=partner.id, code=decision.rejection.code.value
                    )
                else:
                    counts["ignored"] += 1
            stored = await asyncio.gather(*pending)
            self._written(stored)
            await self._check_landed(stored, sequences)
            if self.sealer.checkpoint_due():  # only now: a checkpoint never covers unstored records
                self._written(await asyncio.gather(*await self._checkpoint()))
        return counts

    async def checkpoint_if_idle(self) -> bool:
        """Sign a checkpoint over everything sealed, unless a batch is being decided right now."""
        if self.lock.locked() or self._producer is None or self.epoch is None:
            return False
        async with self.lock:
            if self.fenced is not None:
                return False
            try:
                await self._check_fence(await self.catch_up())
            except SealerFenced:
                return False  # logged where it was found; the seal agent stops on its next batch
            pending = await self._checkpoint()
            self._written(await asyncio.gather(*pending))
            return bool(pending)

    async def _check_landed(self, stored: Sequence[Any], sequences: list[tuple[int, int]]) -> None:
        """Stop for good when a sealed record did not land at the offset its sequence says."""
        for index, sequence in sequences:
            if stored[index].offset != sequence:
                await self._stop_fenced(SealerOverlap(self.epoch, sequence, stored[index].offset))

    async def _checkpoint(self) -> list[Any]:
        checkpoint = self.sealer.checkpoint(dt.datetime.now(dt.UTC))
        if checkpoint is None:
            return []
        return [await self._send(self._names.checkpoints, encode_checkpoint(checkpoint), None, ())]

    async def _send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> Any:
        return await self._producer.send(topic, value=value, key=key, headers=list(headers))
