"""Sources of sealed history: a topic log (the embedded data folder's), an archive folder, or Kafka.

A ``SealedLogSource`` gives the records of audit.log in offset order (as stored: Avro
single-object ``SealedRecord`` bytes), the signed checkpoints, the hub's public key, and
where its records begin (an ``Anchor``) and end (a ``TailProof``, for an archive).

Replay reads a log only through the ``TopicReader`` port (``ketenhub.topic_log``): a
``LogSource`` is given an open reader by whoever composes the command (the CLI opens the
embedded data folder's log, ``ketenhub.cli.sources.EmbeddedSource``), so replay never
imports a runtime.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub import topics
from ketenhub.core.checkpoint_records import checkpoint_from_datum, decode_checkpoint
from ketenhub.core.checkpoints import Checkpoint, public_key_from_pem
from ketenhub.core.sealing import encode_sealed
from ketenhub.errors import KetenhubError
from ketenhub.protection.key_files import PUBLIC_KEY
from ketenhub.topic_log import LogRecord, TopicReader, read_all, read_all_values
from replay.archive_format import (
    ArchiveUnreadable,
    Manifest,
    checkpoints_name,
    manifest_name,
    read_container,
    record_from_datum,
    records_name,
)
from replay.verify import Anchor, TailProof

PUBLIC_KEY_FILE = PUBLIC_KEY  # an archive folder keeps a copy of the key under the same name
Stored = tuple[int, bytes]


class SourceUnavailable(KetenhubError):
    """A source of sealed history cannot be opened or read."""

    def __init__(self, what: str, detail: str) -> None:
        self.what = what
        self.detail = detail
        super().__init__(f"{what}: {detail}")


class SealedLogSource(Protocol):
    """Sealed history to replay: records in offset order, checkpoints and the key to check them."""

    description: str

    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key."""
        ...

    def checkpoints(self) -> list[Checkpoint]:
        """Every signed checkpoint the source holds."""
        ...

    def records(self) -> Iterator[Stored]:
        """``(offset, value)`` of every sealed record, in offset order."""
        ...

    def anchor(self) -> Anchor:
        """Where the records begin (offset 0 for a whole log)."""
        ...

    def tail(self) -> TailProof | None:
        """The proof linking the last record to a later checkpoint, if the source has one."""
        ...

    def rejected(self, partners: Sequence[str]) -> Iterator[LogRecord]:
        """The records of the partners' rejected topics (refused messages; none in an archive).

        Not part of the sealed chain: retention counts them only to keep a subject longer or to
        erase one that no sealed record names.
        """
        ...


def read_public_key(path: Path) -> Ed25519PublicKey:
    """Read the hub's public key PEM from ``path``."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        msg = f"hub public key {path}"
        raise SourceUnavailable(msg, exc.strerror or str(exc)) from exc
    return public_key_from_pem(pem)


class LogSource:
    """The audit.log and checkpoints of a topic log, read through the ``TopicReader`` port."""

    def __init__(self, reader: TopicReader, public_key_file: Path, description: str) -> None:
        self.description = description
        self._reader = reader
        self._key_file = public_key_file

    def public_key(self) -> Ed25519PublicKey:
        """The key in the file given (a data folder's ``keys/hub-signing-key.pub.pem``, or a pin)."""
        return read_public_key(self._key_file)

    def checkpoints(self) -> list[Checkpoint]:
        """The checkpoints of ``audit.checkpoints``."""
        return [
            decode_checkpoint(r.value or b"", r.offset)
            for r in read_all(self._reader, topics.CHECKPOINTS)
        ]

    def records(self) -> Iterator[Stored]:
        """The records of ``audit.log`` up to its end when the read starts (their values:
        a sealed record is all its value; the headers beside it are not read)."""
        for offset, value in read_all_values(self._reader, topics.AUDIT_LOG):
            yield offset, value or b""

    def anchor(self) -> Anchor:
        """The whole log: offset 0."""
        return Anchor()

    def tail(self) -> TailProof | None:
        """A whole log needs no tail proof."""
        return None

    def rejected(self, partners: Sequence[str]) -> Iterator[LogRecord]:
        """The records of each partner's ``rejected.<partner>``, partner by partner."""
        for partner in partners:
            yield from read_all(self._reader, topics.rejected(partner))


class ArchiveSource:
    """The archived years in a folder (``ketenhub archive``), read as one contiguous log."""

    def __init__(self, folder: Path, public_key_file: Path | None = None) -> None:
        paths = sorted(folder.glob("audit-*.manifest.json"))
        if not paths:
            detail = "holds no archive (no audit-<year>.manifest.json); run `ketenhub archive`"
            msg = f"archive folder {folder}"
            raise SourceUnavailable(msg, detail)
        self.folder = folder
        self.manifests = sorted((Manifest.read(p) for p in paths), key=lambda m: m.first_offset)
        for before, after in itertools.pairwise(self.manifests):
            if after.first_offset != before.end_offset:
                detail = (
                    f"the archive of {before.year} ends at offset {before.end_offset} but the "
                    f"next, of {after.year}, starts at offset {after.first_offset}"
                )
                msg = f"archive folder {folder}"
                raise SourceUnavailable(msg, detail)
        self.description = f"archive {folder} ({', '.join(str(m.year) for m in self.manifests)})"
        self._key_file = public_key_file or folder / PUBLIC_KEY_FILE

    def public_key(self) -> Ed25519PublicKey:
        """The key given, else the copy in the archive folder."""
        return read_public_key(self._key_file)

    def checkpoints(self) -> list[Checkpoint]:
        """The checkpoints of every archived year (each once)."""
        found: dict[tuple[int, bytes], Checkpoint] = {}
        for manifest in self.manifests:
            for datum in read_container(self.folder / checkpoints_name(manifest.year)):
                checkpoint = checkpoint_from_datum(datum)
                found.setdefault((checkpoint.tree_size, checkpoint.signature), checkpoint)
        return [found[key] for key in sorted(found)]

    def records(self) -> Iterator[Stored]:
        """The archived records, with the offsets their place in the files gives them."""
        for manifest in self.manifests:
            path = self.folder / records_name(manifest.year)
            offset = manifest.first_offset
            for datum in read_container(path):
                yield offset, encode_sealed(record_from_datum(datum))
                offset += 1
            if offset != manifest.end_offset:
                detail = (
                    f"holds records up to offset {offset - 1} but its manifest says the year "
                    f"ends at offset {manifest.end_offset} (records were removed)"
                )
                raise ArchiveUnreadable(path, detail)

    def anchor(self) -> Anchor:
        """The first archived year's anchor."""
        first = self.manifests[0]
        return Anchor(first.first_offset, first.prev_hash, first.frontier)

    def tail(self) -> TailProof | None:
        """The last archived year's proof to the first checkpoint after it."""
        last = self.manifests[-1]
        if last.tail_size is None or last.tail_size == last.end_offset:
            return None
        for checkpoint in self.checkpoints():
            if checkpoint.tree_size == last.tail_size:
                return TailProof(checkpoint, last.tail_proof)
        detail = f"names a checkpoint at tree size {last.tail_size} that the archive lacks"
        raise ArchiveUnreadable(self.folder / manifest_name(last.year), detail)

    def rejected(self, partners: Sequence[str]) -> Iterator[LogRecord]:
        """None: an archive keeps sealed history only."""
        return iter(())
