"""The archive format: Avro object container files of one year's sealed records and checkpoints.

An archive of year Y in a folder holds:

- ``audit-Y.records.avro``: the sealed records of the year (schema ``SealedRecord``,
  embedded in the file), in offset order, deflate-compressed;
- ``audit-Y.checkpoints.avro``: the signed checkpoints that cover them (schema ``Checkpoint``);
- ``audit-Y.manifest.json``: where the records sit in audit.log (first and end offset), the
  hash before the first record and the Merkle frontier of the records before it (the
  *anchor*), the Merkle root of the log up to the year's end, and the consistency proof from
  there to the first checkpoint after it (the *tail*);
- ``hub-signing-key.pub.pem``: the hub's public key (check its key id against the hub's).

Any Avro tool reads the container files; ``replay.archive`` verifies them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro

from ketenhub.core.checkpoint_records import checkpoint_schema
from ketenhub.core.sealing import SealedRecord, sealed_record_schema
from ketenhub.core.sealing import record_from_datum as _sealed_from_datum
from ketenhub.errors import IntegrityError

FORMAT = "ketenhub-archive/v1"
CODEC = "deflate"


class ArchiveUnreadable(IntegrityError):
    """An archive file is missing, cannot be decoded, or contradicts its manifest."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"archive file {path}: {detail}")


@dataclass(frozen=True)
class Manifest:
    """Where an archived year sits in audit.log, and what links it to the log around it."""

    year: int
    first_offset: int
    end_offset: int
    prev_hash: bytes
    frontier: bytes
    root: bytes
    tail_size: int | None
    tail_proof: tuple[bytes, ...]
    key_id: str

    @property
    def stem(self) -> str:
        """The common start of the archive's file names."""
        return f"audit-{self.year}"

    def to_json(self) -> str:
        """The manifest as indented JSON (bytes as hex)."""
        body = {
            "format": FORMAT,
            "year": self.year,
            "first_offset": self.first_offset,
            "end_offset": self.end_offset,
            "records": self.end_offset - self.first_offset,
            "prev_hash": self.prev_hash.hex(),
            "frontier": self.frontier.hex(),
            "root": self.root.hex(),
            "tail": None
            if self.tail_size is None
            else {"tree_size": self.tail_size, "proof": [p.hex() for p in self.tail_proof]},
            "key_id": self.key_id,
            "files": {
                "records": records_name(self.year),
                "checkpoints": checkpoints_name(self.year),
            },
        }
        return json.dumps(body, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """Read a manifest written by ``to_json``."""
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            if body.get("format") != FORMAT:
                detail = f"format is {body.get('format')!r}, expected {FORMAT!r}"
                raise ArchiveUnreadable(path, detail)
            tail = body["tail"]
            return cls(
                year=int(body["year"]),
                first_offset=int(body["first_offset"]),
                end_offset=int(body["end_offset"]),
                prev_hash=bytes.fromhex(body["prev_hash"]),
                frontier=bytes.fromhex(body["frontier"]),
                root=bytes.fromhex(body["root"]),
                tail_size=None if tail is None else int(tail["tree_size"]),
                tail_proof=() if tail is None else tuple(bytes.fromhex(p) for p in tail["proof"]),
                key_id=str(body["key_id"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ArchiveUnreadable(path, f"not a readable manifest ({exc})") from exc


def records_name(year: int) -> str:
    """File name of a year's sealed records."""
    return f"audit-{year}.records.avro"


def checkpoints_name(year: int) -> str:
    """File name of a year's checkpoints."""
    return f"audit-{year}.checkpoints.avro"


def manifest_name(year: int) -> str:
    """File name of a year's manifest."""
    return f"audit-{year}.manifest.json"


def _sync_marker(name: str) -> bytes:
    """A fixed 16-byte sync marker per file, so the same history gives the same bytes."""
    return hashlib.sha256(f"ketenhub-archive/{name}".encode()).digest()[:16]


def write_container(path: Path, schema: dict[str, Any], data: Iterable[dict[str, Any]]) -> None:
    """Write an Avro object container file with ``schema`` embedded."""
    parsed = fastavro.parse_schema(schema)
    with path.open("wb") as out:
        fastavro.writer(out, parsed, data, codec=CODEC, sync_marker=_sync_marker(path.name))


def read_container(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of an Avro object container file; unreadable bytes raise ``ArchiveUnreadable``."""
    try:
        with path.open("rb") as stream:
            for datum in fastavro.reader(stream):
                if not isinstance(datum, dict):
                    raise ArchiveUnreadable(path, "holds a value that is not an Avro record")
                yield datum
    except ArchiveUnreadable:
        raise
    except Exception as exc:  # fastavro raises many kinds on corrupt bytes; name the file instead
        raise ArchiveUnreadable(path, f"cannot be decoded ({type(exc).__name__}: {exc})") from exc


def record_schema() -> dict[str, Any]:
    """The ``SealedRecord`` schema as written in the contract."""
    return dict(sealed_record_schema().source)


def checkpoint_file_schema() -> dict[str, Any]:
    """The ``Checkpoint`` schema as written in the contract."""
    return dict(checkpoint_schema().source)


def record_from_datum(datum: dict[str, Any]) -> SealedRecord:
    """A sealed record from its container datum."""
    return _sealed_from_datum(datum)
