"""Signed checkpoints on the wire: their Avro record in the checkpoint topic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ketenhub.codec.single_object import decode_datum, encode_datum
from ketenhub.contract.schemas import AUDIT_NAMESPACE, SchemaVersion, catalogue
from ketenhub.core.checkpoints import Checkpoint
from ketenhub.errors import CheckpointInvalid, CodecError

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def checkpoint_schema() -> SchemaVersion:
    """Return the schema version checkpoints are written with."""
    return catalogue().latest(f"{AUDIT_NAMESPACE}.Checkpoint")


def checkpoint_datum(checkpoint: Checkpoint) -> dict[str, Any]:
    """The Avro datum of a checkpoint (the ``Checkpoint`` schema)."""
    return {
        "tree_size": checkpoint.tree_size,
        "root": checkpoint.root,
        "signed_at": _EPOCH + dt.timedelta(microseconds=checkpoint.signed_at_us),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
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


def encode_checkpoint(checkpoint: Checkpoint) -> bytes:
    """Encode a checkpoint for the checkpoint topic (single-object encoding)."""
    return encode_datum(checkpoint_schema(), checkpoint_datum(checkpoint))


def decode_checkpoint(value: bytes, offset: int) -> Checkpoint:
    """Decode the checkpoint stored at ``offset``; undecodable bytes are an invalid checkpoint."""
    try:
        writer, datum = decode_datum(value, checkpoint_schema())
    except CodecError as exc:
        raise CheckpointInvalid(
            -1, f"the record at checkpoint offset {offset} cannot be decoded ({exc})"
        ) from exc
    if writer.name != "Checkpoint":
        raise CheckpointInvalid(-1, f"the record at checkpoint offset {offset} is a {writer.name}")
    return checkpoint_from_datum(datum)
