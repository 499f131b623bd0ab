"""The sealer: the single decision point that turns ingested messages into the audit log's order.

It is a deterministic function of the order of its input: each message is admitted (sealed),
ignored (a duplicate) or refused. Both runtimes drive it through the application pipeline
(``ketenhub.pipeline``); both rebuild it from their outputs (``restore_*``) after a restart, so
that a message is never decided twice.

An event refused before and delivered again with the same content is refused again only if
the reason changed: publishing the same file twice records no second refusal, while an
event that has become admissible (its missing reference arrived) is sealed.

Each checkpoint carries the RFC 9162 proof that it extends the previous one, so partners
who may read only the checkpoint topic can witness the log. For that the sealer keeps the
Merkle frontier at the last checkpoint and the leaf hashes sealed since (at most about
``checkpoint_every`` of them), never the whole tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketenhub.codec.event_reader import read_event
from ketenhub.contract.base import Event
from ketenhub.core.admission import Duplicate, admit, content_digest
from ketenhub.core.checkpoints import ChainedCheckpoint, Checkpoint, sign_checkpoint
from ketenhub.core.clear_refusals import clear_marked
from ketenhub.core.frontier_proof import consistency_proof_from
from ketenhub.core.input_ref import INPUT_HEADER, InputRef, input_of
from ketenhub.core.ledger import Ledger
from ketenhub.core.merkle import MerkleFrontier, leaf_hash
from ketenhub.core.partners import Partner, PartnerRegistry, Role
from ketenhub.core.refusal_marks import MARK_HEADER, RefusalMarks, mark_of
from ketenhub.core.rejection import CODE_HEADER, Rejection, RejectionCode, rejection_headers
from ketenhub.core.sealing import ChainHead, SealedRecord, check_link, decode_sealed, seal
from ketenhub.errors import CodecError

Headers = tuple[tuple[str, bytes], ...]


HUB_HEADER_PREFIX = "ketenhub_"


def partner_headers(headers: Sequence[tuple[str, bytes]]) -> Headers:
    """A message's headers without any that only the hub may set (``ketenhub_*``).

    A partner that sends its own ``ketenhub_input`` or ``ketenhub_rejection_code`` must not
    be able to make the hub believe another partner's input was decided.
    """
    return tuple((name, value) for name, value in headers if not name.startswith(HUB_HEADER_PREFIX))


@dataclass(frozen=True)
class Sealed:
    """The message was admitted: append ``record`` to audit.log with ``headers``.

    ``event`` is the event the record seals, as admission decoded it.
    """

    record: SealedRecord
    headers: Headers
    event: Event


@dataclass(frozen=True)
class Refused:
    """The message was refused: append its original bytes to ``rejected.<partner>``."""

    partner: str
    rejection: Rejection
    headers: Headers


@dataclass(frozen=True)
class Ignored:
    """Nothing to write: a duplicate event, or an input already decided before a restart."""

    why: str


Decision = Sealed | Refused | Ignored


class Sealer:
    """Ledger, chain head and Merkle frontier of the audit log, and the inputs already decided."""

    def __init__(
        self, registry: PartnerRegistry, signing_key: Ed25519PrivateKey, checkpoint_every: int
    ) -> None:
        self._registry, self._key, self._every = registry, signing_key, checkpoint_every
        self.ledger = Ledger(
            police=frozenset(p.id for p in registry.with_role(Role.POLICE)),
            riec=frozenset(p.id for p in registry.with_role(Role.RIEC)),
        )
        self.head = ChainHead()
        self.frontier = MerkleFrontier()
        self.checkpointed = 0
        self._at_checkpoint = MerkleFrontier()  # the frontier at the last checkpoint known
        self._since_checkpoint: list[bytes] = []  # leaf hashes after _at_checkpoint
        self.decided: set[InputRef] = set()
        self._marks = RefusalMarks(signing_key)
        self.refused: dict[bytes, RejectionCode] = {}  # by refusal mark

    def restore_sealed(
        self, offset: int, value: bytes, headers: Sequence[tuple[str, bytes]]
    ) -> None:
        """Take in a record read back from audit.log (raises ChainBroken if it does not link)."""
        record = decode_sealed(value, offset)
        check_link(record, offset, self.head, value)  # hashes the stored bytes as they are
        event = read_event(record.payload)
        self.ledger.apply(event, content_digest(event))
        self._extend(record)
        if (origin := input_of(headers)) is not None:
            self.decided.add(origin)

    def restore_refused(self, headers: Sequence[tuple[str, bytes]], value: bytes | None) -> None:
        """Take in a record (original bytes and headers) read back from a rejected topic."""
        if (origin := input_of(headers)) is not None:
            self.decided.add(origin)
        codes = [v.decode(errors="replace") for n, v in headers if n == CODE_HEADER]
        code = codes[-1] if codes else ""
        if code not in RejectionCode.__members__:
            return
        mark = mark_of(headers)  # a withheld record keeps only its mark
        if mark is None and (identity := _identity(value)) is not None:
            mark = self._marks.mark(*identity)
        if mark is not None:
            self.refused[mark] = RejectionCode(code)

    def restore_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Take in a checkpoint read back from the checkpoint topic.

        Before or after the records it covers: read first, it keeps the leaves to hold down
        to the ones sealed after it.
        """
        if checkpoint.tree_size <= self.checkpointed:
            return
        self.checkpointed = checkpoint.tree_size
        if self.checkpointed <= self.frontier.size:  # its records were restored already
            self._move_checkpoint_frontier()

    def decide(
        self,
        partner: Partner,
        value: bytes,
        headers: Headers,
        where: InputRef,
        now: dt.datetime,
        refused: Rejection | None = None,
    ) -> Decision:
        """Decide one ingested message read at ``where``.

        ``refused`` is the verdict of a stateless validator that already inspected the
        message; the sealer then only records it, so that each input is refused once.
        """
        if where in self.decided:
            return Ignored(f"input {where} was decided before")
        self.decided.add(where)
        tagged = (*partner_headers(headers), (INPUT_HEADER, where.encode()))
        outcome = refused or admit(self.ledger, self._registry, partner, value, headers, now)
        if isinstance(outcome, Duplicate):
            return Ignored(f"event {outcome.event_id} was sealed before")
        if isinstance(outcome, Rejection):
            outcome = clear_marked(self._registry, outcome, value)
            identity = _identity(value)
            headers = rejection_headers(tagged, outcome, where.topic, where.offset, now)
            if identity is not None:
                mark = self._marks.mark(*identity)
                if self.refused.get(mark) is outcome.code:
                    return Ignored(f"event {identity[0]} was refused before for the same reason")
                self.refused[mark] = outcome.code
                headers = (*headers, (MARK_HEADER, mark.hex().encode()))
            return Refused(partner.id, outcome, headers)
        event = outcome.inspected.event
        record = seal(self.head, partner.id, event, value, now, self.ledger.case_of(event))
        self.ledger.apply(event, outcome.inspected.digest)
        self._extend(record)
        return Sealed(record, tagged, event)

    def checkpoint_due(self) -> bool:
        """Whether ``checkpoint_every`` records were sealed since the last checkpoint."""
        return self.frontier.size - self.checkpointed >= self._every

    def checkpoint(self, now: dt.datetime) -> ChainedCheckpoint | None:
        """Sign a checkpoint over everything sealed so far, unless it is already covered.

        It carries the consistency proof from the previous checkpoint's tree size.
        """
        if self.frontier.size <= self.checkpointed:
            return None
        signed_at_us = int(now.timestamp() * 1_000_000)
        checkpoint = sign_checkpoint(
            self._key, self.frontier.size, self.frontier.root(), signed_at_us
        )
        proof = consistency_proof_from(self._at_checkpoint, self._since_checkpoint)
        chained = ChainedCheckpoint(checkpoint, self._at_checkpoint.size, tuple(proof))
        self.checkpointed = checkpoint.tree_size
        self._move_checkpoint_frontier()
        return chained

    def _extend(self, record: SealedRecord) -> None:
        self.head = self.head.after(record)
        leaf = leaf_hash(record.hash)
        self.frontier.append(leaf)
        self._since_checkpoint.append(leaf)
        if self.frontier.size == self.checkpointed:  # a checkpoint restored before its records
            self._move_checkpoint_frontier()

    def _move_checkpoint_frontier(self) -> None:
        """Advance the frontier at the last checkpoint to ``checkpointed`` leaves."""
        move = self.checkpointed - self._at_checkpoint.size
        for leaf in self._since_checkpoint[:move]:
            self._at_checkpoint.append(leaf)
        del self._since_checkpoint[:move]


def _identity(value: bytes | None) -> tuple[UUID, bytes] | None:
    """The event id and content digest of a message, if it decodes to an event."""
    try:
        event = read_event(value or b"")
    except CodecError:
        return None
    return event.event_id, content_digest(event)
