"""``verify`` on the embedded hub: the chain and checkpoints, then the inputs the sealer consumed.

The chain is verified first on the records that are stored, so that a record removed from
audit.log is named by what it breaks (a link, a signed or witnessed checkpoint). Then every
topic of the history is read in full — a gap or an end recorded beyond the last record raises
``RecordsMissing`` — and every ingested input below the sealer's committed position is
accounted for (``ketenhub.core.input_accounting``). Reading is O(records of the history).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub import topics
from ketenhub.core.input_accounting import IngestTopic, InputAccounting, InputLedger
from ketenhub.core.sealing import decode_sealed
from ketenhub.core.verification import VerificationReport, verify_log
from ketenhub.core.witnessing import Witness
from ketenhub.runtime.embedded.runner import SEALER_GROUP
from ketenhub.topic_log import TopicLog, read_all


def verify_stored_chain(
    log: TopicLog, public_key: Ed25519PublicKey, witness: Witness | None
) -> VerificationReport:
    """Verify the stored records of audit.log against the checkpoints (and a witness)."""
    return verify_log(
        public_key,
        read_all(log, topics.AUDIT_LOG, tolerate_missing=True),
        read_all(log, topics.CHECKPOINTS, tolerate_missing=True),
        witness,
    )


def account_inputs(log: TopicLog) -> InputAccounting:
    """Account for every consumed input; raise RecordsMissing if a history topic has a hole."""
    for _ in read_all(log, topics.CHECKPOINTS):  # complete, like every topic read below
        pass
    ingest = [
        IngestTopic(
            topic, [r.value for r in read_all(log, topic)], log.committed(SEALER_GROUP, topic)
        )
        for topic in log.topics(topics.ingest(""))
    ]
    ledger = InputLedger(ingest)
    for stored in read_all(log, topics.AUDIT_LOG):
        sealed = decode_sealed(stored.value or b"", stored.offset)
        ledger.add_sealed(stored.offset, stored.headers, sealed)
    for topic in log.topics(topics.rejected("")):
        for stored in read_all(log, topic):
            ledger.add_refused(topic, stored.offset, stored.headers)
    return ledger.account()
