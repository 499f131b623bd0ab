"""Archiving a year of audit.log, and proving an archive is part of the live log.

``write_archive`` verifies the whole log first, then writes the records *sealed* in the
year (by ``sealed_at``, UTC; sealing times never go back, so they are one range of
offsets) with the checkpoints covering them; see ``replay.archive_format``.
``check_against_live`` proves with an RFC 9162 consistency proof that an archive's
records are the beginning of the live log, against the live log's latest signed checkpoint.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketenhub.core.checkpoint_records import checkpoint_datum
from ketenhub.core.checkpoints import Checkpoint, public_key_to_pem, verify_checkpoint
from ketenhub.core.merkle import MerkleFrontier, consistency_proof, leaf_hash, verify_consistency
from ketenhub.core.sealing import decode_sealed
from ketenhub.data_folder import create_private_file, create_private_folder
from ketenhub.errors import CheckpointInvalid, KetenhubError, ProofInvalid
from replay.archive_format import (
    Manifest,
    checkpoint_file_schema,
    checkpoints_name,
    manifest_name,
    record_schema,
    records_name,
    write_container,
)
from replay.sources import PUBLIC_KEY_FILE, SealedLogSource
from replay.verify import LogVerifier, Verification, VerificationFailed


class NothingToArchive(KetenhubError):
    """The log holds nothing that can be archived for the year asked."""

    def __init__(self, year: int, detail: str) -> None:
        self.year = year
        self.detail = detail
        super().__init__(f"cannot archive {year}: {detail}")


@dataclass
class _YearRead:
    """What one verified pass over the live log found for the year."""

    first: int | None = None
    end: int | None = None
    prev_hash: bytes = b""
    datums: list[dict[str, Any]] | None = None
    first_sealed: dt.datetime | None = None
    last_sealed: dt.datetime | None = None


def _read_year(source: SealedLogSource, year: int) -> tuple[_YearRead, Verification]:
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    stop = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    verifier = LogVerifier(
        source.public_key(), source.checkpoints(), source.anchor(), keep_leaves=True
    )
    found = _YearRead(datums=[])
    for offset, value in source.records():
        record = verifier.feed(offset, value)
        found.first_sealed = found.first_sealed or record.sealed_at
        found.last_sealed = record.sealed_at
        if found.end is None and record.sealed_at >= stop:
            found.end = offset
        if found.first is None and start <= record.sealed_at < stop:
            found.first, found.prev_hash = offset, record.prev_hash
        if found.first is not None and found.end is None and found.datums is not None:
            found.datums.append(record.datum())
    verification = verifier.finish(source.tail())
    if verification.first_offset != 0:
        raise NothingToArchive(year, "archive from a whole log (the embedded hub or Kafka)")
    if found.first is None:
        raise NothingToArchive(year, _nothing_sealed(year, found))
    if found.end is None:
        found.end = verification.end_offset
    return found, verification


def _nothing_sealed(year: int, found: _YearRead) -> str:
    """Why no record was selected: the year is by sealing time; when the log was sealed."""
    detail = (
        f"no record of audit.log was sealed in {year} (an archive holds the records sealed in "
        "its year, UTC, not the events that occurred in it)"
    )
    if found.first_sealed is None or found.last_sealed is None:
        return detail + "; audit.log holds no record yet"
    first, last = found.first_sealed.date().isoformat(), found.last_sealed.date().isoformat()
    return detail + f"; the first was sealed on {first}, the last on {last}"


def _tail(checkpoints: list[Checkpoint], end: int, year: int) -> Checkpoint:
    later = sorted((c for c in checkpoints if c.tree_size >= end), key=lambda c: c.tree_size)
    if not later:
        detail = (
            f"no signed checkpoint covers the records up to offset {end - 1} yet; let the hub "
            "write one (it does when idle) and archive again"
        )
        raise NothingToArchive(year, detail)
    return later[0]


def write_archive(source: SealedLogSource, year: int, folder: Path) -> Manifest:
    """Verify ``source`` and write the archive of ``year`` into ``folder``; return its manifest."""
    found, verification = _read_year(source, year)
    first, end = found.first or 0, found.end or 0
    leaves = verification.leaf_hashes
    frontier = MerkleFrontier()
    for leaf in leaves[:first]:
        frontier.append(leaf)
    prefix = frontier.to_bytes()
    for leaf in leaves[first:end]:
        frontier.append(leaf)
    checkpoints = source.checkpoints()
    tail = _tail(checkpoints, end, year)
    covering = [c for c in checkpoints if first < c.tree_size <= end or c == tail]
    manifest = Manifest(
        year=year,
        first_offset=first,
        end_offset=end,
        prev_hash=found.prev_hash,
        frontier=prefix,
        root=frontier.root(),
        tail_size=tail.tree_size,
        tail_proof=tuple(consistency_proof(leaves, end, tail.tree_size)),
        key_id=tail.key_id,
    )
    create_private_folder(folder)
    _atomic(
        folder / records_name(year),
        lambda p: write_container(p, record_schema(), found.datums or []),
    )
    datums = [checkpoint_datum(c) for c in sorted(covering, key=lambda c: c.tree_size)]
    _atomic(
        folder / checkpoints_name(year),
        lambda p: write_container(p, checkpoint_file_schema(), datums),
    )
    _atomic(
        folder / manifest_name(year), lambda p: p.write_text(manifest.to_json(), encoding="utf-8")
    )
    _atomic(
        folder / PUBLIC_KEY_FILE, lambda p: p.write_bytes(public_key_to_pem(source.public_key()))
    )
    return manifest


def _atomic(path: Path, write: Any) -> None:
    """Write through a temporary file, readable by its owner only, and rename it into place."""
    temporary = path.with_name(path.name + ".tmp")
    create_private_file(temporary)
    write(temporary)
    os.replace(temporary, path)


def check_against_live(archive: Verification, live: SealedLogSource) -> Checkpoint:
    """Prove the verified archive is a prefix of the live log; return the live checkpoint used."""
    checkpoints = live.checkpoints()
    where = "archive against the live log"
    if not checkpoints:
        raise VerificationFailed(where, "the live log has no signed checkpoint to check against")
    latest = max(checkpoints, key=lambda c: c.tree_size)
    try:
        verify_checkpoint(latest, live.public_key())
    except CheckpointInvalid as exc:
        raise VerificationFailed(where, f"the live log's latest checkpoint: {exc}") from exc
    if latest.tree_size < archive.end_offset:
        detail = (
            f"the live log's latest checkpoint covers {latest.tree_size} records, fewer than the "
            f"{archive.end_offset} the archive reaches"
        )
        raise VerificationFailed(where, detail)
    leaves = _live_leaves(live, latest.tree_size)
    proof = consistency_proof(leaves, archive.end_offset, latest.tree_size)
    try:
        verify_consistency(archive.end_offset, latest.tree_size, archive.root, latest.root, proof)
    except ProofInvalid as exc:
        detail = f"the archive is not part of the live log's signed history ({exc})"
        raise VerificationFailed(where, detail, archive.first_offset) from exc
    return latest


def _live_leaves(live: SealedLogSource, size: int) -> list[bytes]:
    leaves: list[bytes] = []
    for offset, value in live.records():
        if offset >= size:
            break
        leaves.append(leaf_hash(decode_sealed(value, offset).hash))
    if len(leaves) < size:
        detail = f"the live log holds {len(leaves)} records, fewer than its checkpoint's {size}"
        msg = "archive against the live log"
        raise VerificationFailed(msg, detail, len(leaves))
    return leaves
