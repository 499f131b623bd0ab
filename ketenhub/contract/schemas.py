"""Schema files of the contract, parsed and indexed by event type, version and fingerprint."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

from ketenhub.errors import ContractError

EVENT_NAMESPACE = "nl.ketenhub.events"
AUDIT_NAMESPACE = "nl.ketenhub.audit"
_FILE_NAME = re.compile(r"^(?P<stem>[a-z0-9_]+)\.v(?P<version>[1-9][0-9]*)\.avsc$")


@dataclass(frozen=True)
class SchemaVersion:
    """One version of one record type: its source file, parsed schema and fingerprint."""

    name: str
    version: int
    path: Path
    source: Mapping[str, Any]
    parsed: Any
    fingerprint: bytes

    @property
    def full_name(self) -> str:
        """The Avro full name, e.g. ``nl.ketenhub.events.SignalReceived``."""
        return f"{self.source['namespace']}.{self.name}"


def schema_dir() -> Path:
    """Return the folder holding the ``.avsc`` files (packaged copy first, then the checkout)."""
    packaged = Path(__file__).parent / "avro"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "schemas" / "avro"


def crc64_fingerprint(parsed: Any) -> bytes:
    """Return the 8-byte little-endian CRC-64-AVRO fingerprint of a parsed schema."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))


def _load(path: Path) -> SchemaVersion:
    match = _FILE_NAME.match(path.name)
    if match is None:
        msg = f"schema file {path.name} must be named <type_in_snake_case>.v<N>.avsc"
        raise ContractError(msg)
    try:
        source = json.loads(path.read_text(encoding="utf-8"))
        parsed = fastavro.parse_schema(source)
    except (ValueError, fastavro.schema.SchemaParseException) as exc:
        msg = f"schema file {path.name} is not a valid Avro schema: {exc}"
        raise ContractError(msg) from exc
    return SchemaVersion(
        name=source["name"],
        version=int(match["version"]),
        path=path,
        source=source,
        parsed=parsed,
        fingerprint=crc64_fingerprint(parsed),
    )


class SchemaCatalogue:
    """Every schema version of the contract, by (namespace, name), version and fingerprint."""

    def __init__(self, versions: Iterable[SchemaVersion]) -> None:
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        self._by_name: dict[str, list[SchemaVersion]] = {}
        for version in versions:
            if version.fingerprint in self._by_fingerprint:
                other = self._by_fingerprint[version.fingerprint].path.name
                msg = f"{version.path.name} and {other} have the same canonical form"
                raise ContractError(msg)
            self._by_fingerprint[version.fingerprint] = version
            self._by_name.setdefault(version.full_name, []).append(version)
        for name, listed in self._by_name.items():
            listed.sort(key=lambda v: v.version)
            numbers = [v.version for v in listed]
            if numbers != list(range(1, len(listed) + 1)):
                msg = f"versions of {name} must be 1..N without gaps, found {numbers}"
                raise ContractError(msg)

    def by_fingerprint(self, value: bytes) -> SchemaVersion | None:
        """Return the schema version with this fingerprint, or None."""
        return self._by_fingerprint.get(value)

    def versions(self, full_name: str) -> list[SchemaVersion]:
        """Return every version of a record type, oldest first."""
        try:
            return list(self._by_name[full_name])
        except KeyError:
            msg = f"no schema named {full_name} in {schema_dir()}"
            raise ContractError(msg) from None

    def latest(self, full_name: str) -> SchemaVersion:
        """Return the newest version of a record type."""
        return self.versions(full_name)[-1]

    def names(self, namespace: str) -> list[str]:
        """Return the short names of all record types in a namespace, sorted."""
        prefix = namespace + "."
        return sorted(n.removeprefix(prefix) for n in self._by_name if n.startswith(prefix))


def load_catalogue(folder: Path) -> SchemaCatalogue:
    """Parse the ``.avsc`` files directly in ``folder`` (not its subfolders) into a catalogue."""
    paths = sorted(folder.glob("*.avsc"))
    if not paths:
        msg = f"no .avsc files found in {folder}"
        raise ContractError(msg)
    return SchemaCatalogue(_load(path) for path in paths)


@cache
def catalogue() -> SchemaCatalogue:
    """Return the catalogue of the installed event contract (parsed once per process)."""
    return load_catalogue(schema_dir())
