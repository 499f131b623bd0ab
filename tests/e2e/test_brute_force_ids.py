"""An attacker with every stored byte but no key cannot recover a BSN or a stripped phone number by brute force.

The attack that worked before keyed ids: ids and digests were unkeyed hashes of content that
held clear identifiers (a publish line with a BSN, a tip file with the reporter's phone), so
hashing every candidate of a small search space and looking the result up among the stored
ids revealed the value in seconds. This test plays the attacker with the strongest
knowledge — the exact line and file templates, the old derivations, generic hashes — and
looks every candidate up in every stored byte, file name and ledger line.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from ketenhub.core.personal_data import passes_eleven_test

Run = Callable[..., subprocess.CompletedProcess[str]]
SEARCH_SPACE = 1500
# The namespaces the unkeyed derivations used: an attacker reads them from the source.
PUBLISH_NAMESPACE = uuid.UUID("3f1c7a52-6d7e-4e0b-9a51-6b1f0c2d9e11")
TIP_NAMESPACE = uuid.UUID("0d6f3c1e-9a55-4d0b-8f0e-5c1b7a2e4d93")
_TOKENS = re.compile(
    rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,}"
)


def candidate_bsns() -> Iterator[str]:
    """A small search space of synthetic BSNs (nine digits passing the eleven-test)."""
    number, found = 200_000_000, 0
    while found < SEARCH_SPACE:
        number += 1
        if passes_eleven_test(str(number)):
            found += 1
            yield str(number)


def candidate_phones() -> Iterator[str]:
    """A small search space of synthetic Dutch mobile numbers."""
    for n in range(SEARCH_SPACE):
        yield f"06-5555{n:04d}"


def line_fields(bsn: str) -> dict[str, object]:
    return {
        "type": "SignalReceived",
        "occurred_at": "2025-11-03T09:15:00+01:00",
        "case_id": "case-brute-0001",
        "channel": "INTERNAL_ROUTE",
        "reporter_role": "CASEWORKER_WMO",
        "exploitation_forms": ["LABOUR"],
        "indicators": [],
        "location": {"municipality_code": "GM1916", "area_code": "2264"},
        "persons": [bsn],
    }


def tip_file(phone: str) -> bytes:
    tip = {
        "tip_id": "MMA-2025-90001",
        "received_at": "2025-11-03T09:15:00+01:00",
        "exploitation_forms": ["SEXUAL"],
        "area_code": "2261",
        "description": "Synthetic tip: young women brought to a house at night.",
        "reporter_phone": phone,
    }
    return json.dumps([tip]).encode()


def old_publish_id(bsn: str) -> uuid.UUID:
    """The unkeyed id `publish` derived before: uuid5 over the clear line."""
    fields = line_fields(bsn)
    event_type = fields.pop("type")
    fields["recorded_by"] = "municipal-staff"
    content = json.dumps(["municipal-staff", event_type, fields], sort_keys=True, default=str)
    return uuid.uuid5(PUBLISH_NAMESPACE, content)


def guesses(value: str, whole: bytes, old_id: uuid.UUID) -> Iterator[bytes]:
    """Every unkeyed function of a candidate an attacker would compute and look up."""
    for data in (value.encode(), whole):
        for digest in (hashlib.sha256(data), hashlib.sha1(data), hashlib.md5(data)):
            yield digest.hexdigest().encode()
            yield digest.hexdigest()[:16].encode()
    file_digest = hashlib.sha256(whole).hexdigest()
    yield str(uuid.uuid5(TIP_NAMESPACE, f"{file_digest}:1")).encode()
    yield str(old_id).encode()
    for namespace in (uuid.NAMESPACE_URL, uuid.NAMESPACE_OID, uuid.NAMESPACE_DNS):
        yield str(uuid.uuid5(namespace, value)).encode()


def stored_tokens(*folders: Path) -> tuple[set[bytes], bytes]:
    """Every hex or uuid token in any stored byte or file name, and all stored bytes."""
    blob = b"".join(
        p.read_bytes() + p.name.encode()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    )
    found = {t.lower() for t in _TOKENS.findall(blob)}
    found |= {t[:16] for t in found}
    return found, blob


def test_no_stored_id_or_digest_gives_away_a_bsn_or_a_stripped_phone(
    ketenhub: Run, tmp_path: Path
) -> None:
    """Brute force over synthetic BSNs and phones against every stored id, digest and byte finds nothing."""
    hub, drop = tmp_path / "hub", tmp_path / "drop"
    drop.mkdir()
    ketenhub("init", "--data-dir", str(hub))
    bsns, phones = list(candidate_bsns()), list(candidate_phones())
    secret_bsn, secret_phone = bsns[SEARCH_SPACE // 3], phones[SEARCH_SPACE // 2]
    source = tmp_path / "line.jsonl"
    source.write_text(json.dumps(line_fields(secret_bsn)) + "\n", encoding="utf-8")
    ketenhub("publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub))
    (drop / "tips-brute.json").write_bytes(tip_file(secret_phone))
    ketenhub("connector", "anonymous-tips", str(drop), "--data-dir", str(hub))
    source.unlink()
    assert not (drop / "tips-brute.json").exists()

    tokens, blob = stored_tokens(hub, drop)
    assert len(tokens) > 10  # the ids and hashes of the sealed records are there to be searched

    recovered = []
    for bsn in bsns:
        line = json.dumps(line_fields(bsn)).encode()
        if any(g in tokens for g in guesses(bsn, line, old_publish_id(bsn))):
            recovered.append("a BSN")
        if hashlib.sha256(line).digest() in blob or hashlib.sha256(bsn.encode()).digest() in blob:
            recovered.append("a BSN (raw digest)")
    for phone in phones:
        whole = tip_file(phone)
        if any(g in tokens for g in guesses(phone, whole, old_publish_id(phone))):
            recovered.append("a phone number")
        if hashlib.sha256(whole).digest() in blob:
            recovered.append("a phone number (raw digest)")
    assert recovered == []
    assert secret_bsn.encode() not in blob and secret_phone.encode() not in blob
