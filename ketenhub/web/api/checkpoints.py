"""``/checkpoints`` and ``/consistency-proofs``: what a witness needs, over HTTP.

Checkpoints hold tree sizes, roots, times, signatures and a key id: no personal data. A
witness reads the checkpoint records on from the one it witnessed (each carries the RFC
9162 proof from the checkpoint before it) and checks them as ``ketenhub.core.witnessing``
does; ``/consistency-proofs`` gives the proof between any two tree sizes the hub has sealed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from ketenhub.core.trust import fingerprint
from ketenhub.web.auth import PartnerCaller
from ketenhub.web.backend import CheckpointEntry
from ketenhub.web.context import WebContextDep
from ketenhub.web.openapi_document import API_PREFIX
from ketenhub.web.problems import (
    INVALID_REQUEST,
    NOT_FOUND,
    RATE_LIMITED,
    UNAUTHORIZED,
    Problem,
    problem_responses,
)

router = APIRouter(tags=["checkpoints"])
MAX_PAGE = 500
MAX_SIZE = 2**62


class CheckpointDocument(BaseModel):
    """A signed checkpoint of audit.log, with the proof that it extends the one before."""

    offset: int = Field(description="Its offset in audit.checkpoints.")
    tree_size: int = Field(description="It covers the first tree_size records of audit.log.")
    root: str = Field(description="The RFC 9162 Merkle root over them (hex).")
    signed_at: dt.datetime
    signed_at_us: int = Field(description="The signing time as signed: UTC microseconds.")
    key_id: str = Field(description="The first 16 hex digits of the signing key's fingerprint.")
    signature: str = Field(description="Ed25519 signature over the checkpoint payload (hex).")
    previous_tree_size: int = Field(description="The tree size of the checkpoint before it.")
    consistency_proof: list[str] = Field(
        description="RFC 9162 consistency proof from previous_tree_size to tree_size (hex)."
    )


class LatestCheckpointDocument(CheckpointDocument):
    """The newest checkpoint, and the key the hub says it signs with (pin your own copy)."""

    public_key: str = Field(description="The hub's Ed25519 public key (raw 32 bytes, hex).")
    fingerprint: str = Field(description="SHA-256 of the public key (hex): compare to your pin.")


class CheckpointPage(BaseModel):
    """Checkpoint records in topic order."""

    checkpoints: list[CheckpointDocument]
    next: str | None = Field(description="The URL of the next page, if there may be one.")


class ConsistencyProofDocument(BaseModel):
    """The RFC 9162 proof that the log at new_size extends the log at old_size."""

    old_size: int
    new_size: int
    proof: list[str] = Field(description="Subtree hashes (hex), in RFC 9162 order.")


def checkpoint_document(entry: CheckpointEntry) -> CheckpointDocument:
    """A checkpoint record as the API shows it."""
    signed = entry.record.checkpoint
    return CheckpointDocument(
        offset=entry.offset,
        tree_size=signed.tree_size,
        root=signed.root.hex(),
        signed_at=dt.datetime.fromtimestamp(signed.signed_at_us / 1_000_000, dt.UTC),
        signed_at_us=signed.signed_at_us,
        key_id=signed.key_id,
        signature=signed.signature.hex(),
        previous_tree_size=entry.record.previous_tree_size,
        consistency_proof=[node.hex() for node in entry.record.consistency_proof],
    )


@router.get(
    "/checkpoints/latest",
    response_model=LatestCheckpointDocument,
    summary="The newest signed checkpoint",
    responses=problem_responses(UNAUTHORIZED, NOT_FOUND, RATE_LIMITED),
)
async def latest_checkpoint(
    caller: PartnerCaller, context: WebContextDep
) -> LatestCheckpointDocument:
    """The newest checkpoint and the hub's public key; 404 while the hub has signed none."""
    backend = context.hub.backend
    latest = await context.hub.call(backend.latest_checkpoint)
    if latest is None:
        raise Problem(NOT_FOUND, "the hub has signed no checkpoint yet")
    key = await context.hub.call(lambda: backend.public_key)
    return LatestCheckpointDocument(
        **checkpoint_document(latest).model_dump(),
        public_key=key.public_bytes_raw().hex(),
        fingerprint=fingerprint(key),
    )


@router.get(
    "/checkpoints",
    response_model=CheckpointPage,
    summary="Signed checkpoints, in order",
    responses=problem_responses(UNAUTHORIZED, RATE_LIMITED),
)
async def list_checkpoints(
    caller: PartnerCaller,
    context: WebContextDep,
    response: Response,
    from_offset: Annotated[
        int, Query(ge=0, le=MAX_SIZE, description="The first checkpoint offset to return.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Checkpoints per page.")] = 100,
) -> CheckpointPage:
    """Checkpoint records from an offset on (a witness reads on from the one it holds)."""
    found = await context.hub.call(context.hub.backend.checkpoints, from_offset, limit + 1)
    page = [checkpoint_document(e) for e in found[:limit]]
    next_url = None
    if len(found) > limit:
        next_url = f"{API_PREFIX}/checkpoints?from_offset={found[limit].offset}&limit={limit}"
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return CheckpointPage(checkpoints=page, next=next_url)


@router.get(
    "/consistency-proofs",
    response_model=ConsistencyProofDocument,
    summary="A consistency proof between two tree sizes",
    responses=problem_responses(INVALID_REQUEST, UNAUTHORIZED, RATE_LIMITED),
)
async def consistency_proof(
    caller: PartnerCaller,
    context: WebContextDep,
    old_size: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The smaller tree size.")],
    new_size: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The larger tree size.")],
) -> ConsistencyProofDocument:
    """The RFC 9162 proof that audit.log's first new_size records extend its first old_size."""
    backend = context.hub.backend
    sealed = await context.hub.call(backend.sealed_count)
    if not old_size <= new_size <= sealed:
        detail = f"need old_size <= new_size <= {sealed} (the records sealed so far)"
        raise Problem(INVALID_REQUEST, detail)
    proof = await context.hub.call(backend.consistency_proof, old_size, new_size)
    return ConsistencyProofDocument(
        old_size=old_size, new_size=new_size, proof=[node.hex() for node in proof]
    )
