"""Signed checkpoints on the wire: their Avro record in the checkpoint topic.

Version 2 of the record adds ``previous_tree_size`` and ``consistency_proof`` (the
``ChainedCheckpoint``): who reads the topic in order can check that each checkpoint extends
the one before, without access to audit.log. A record written with version 1 reads as a
checkpoint with previous size 0 and an empty proof.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ketenhub.codec.single_object import decode_datum, encode_datum
from ketenhub.contract.schemas import AUDIT_NAMESPACE, SchemaVersion, catalogue
from ketenhub.core.checkpoints import ChainedCheckpoint, Checkpoint
from ketenhub.errors import CheckpointInvalid, CodecError

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def checkpoint_schema() -> SchemaVersion:
    """Return the schema version checkpoints are written with."""
    return catalogue().latest(f"{AUDIT_NAMESPACE}.Checkpoint")


def checkpoint_datum(checkpoint: Checkpoint | ChainedCheckpoint) -> dict[str, Any]:
    """The Avro datum of a checkpoint (the ``Checkpoint`` schema), with its proof if it has one."""
    chained = (
        checkpoint if isinstance(checkpoint, ChainedCheckpoint) else ChainedCheckpoint(checkpoint)
    )
    signed = chained.checkpoint
    return {
        "tree_size": signed.tree_size,
        "root": signed.root,
        "signed_at": _EPOCH + dt.timedelta(microseconds=signed.signed_at_us),
        "key_id": signed.key_id,
        "signature": signed.signature,
        "previous_tree_size": chained.previous_tree_size,
        "consistency_proof": list(chained.consistency_proof),
    }


def checkpoint_from_datum(datum: dict[str, Any]) -> Checkpoint:
    """A checkpoint from its Avro datum."""
    signed_at: dt.datetime = datum["signed_at"]
    return Checkpoint(
        tree_size=datum["tree_size"],
        root=datum["root"],
        signed_at_us=(signed_at - _EPOCH) // dt.timedelta(microseconds=1),
        key_id=datum["key_id"],
        signature=datum["signature"],
    )


def chained_from_datum(datum: dict[str, Any]) -> ChainedCheckpoint:
    """A checkpoint and its consistency proof from the previous one, from its Avro datum."""
    return ChainedCheckpoint(
        checkpoint_from_datum(datum),
        previous_tree_size=datum.get("previous_tree_size", 0),
        consistency_proof=tuple(datum.get("consistency_proof", ())),
    )


def encode_checkpoint(checkpoint: Checkpoint | ChainedCheckpoint) -> bytes:
    """Encode a checkpoint for the checkpoint topic (single-object encoding)."""
    return encode_datum(checkpoint_schema(), checkpoint_datum(checkpoint))


def decode_checkpoint(value: bytes, offset: int) -> Checkpoint:
    """Decode the checkpoint stored at ``offset``; undecodable bytes are an invalid checkpoint."""
    return decode_chained_checkpoint(value, offset).checkpoint


def decode_chained_checkpoint(value: bytes, offset: int) -> ChainedCheckpoint:
    """Decode the checkpoint stored at ``offset`` with its proof from the previous checkpoint."""
    try:
        writer, datum = decode_datum(value, checkpoint_schema())
    except CodecError as exc:
        raise CheckpointInvalid(
            -1, f"the record at checkpoint offset {offset} cannot be decoded ({exc})"
        ) from exc
    if writer.name != "Checkpoint":
        raise CheckpointInvalid(-1, f"the record at checkpoint offset {offset} is a {writer.name}")
    return chained_from_datum(datum)
