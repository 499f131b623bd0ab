"""The hub's key files in a data folder: its Ed25519 signing key, pseudonym secret and subject keys."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ketenhub.core.checkpoints import (
    generate_hub_key,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
)
from ketenhub.embedded.keystore import SqliteKeyStore, load_or_create_secret
from ketenhub.embedded.protector import KeyStoreProtector
from ketenhub.errors import IntegrityError

SIGNING_KEY = "hub-signing-key.pem"
PUBLIC_KEY = "hub-signing-key.pub.pem"


def key_folder(data_dir: Path) -> Path:
    """The folder holding the keys of the hub in ``data_dir`` (created if missing)."""
    folder = data_dir / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_or_create_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The hub's checkpoint signing key; created (mode 0600) with its public key on first use."""
    folder = key_folder(data_dir)
    private = folder / SIGNING_KEY
    if private.exists():
        return private_key_from_pem(private.read_bytes())
    key = generate_hub_key()
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private_key_to_pem(key))
    (folder / PUBLIC_KEY).write_bytes(public_key_to_pem(key.public_key()))
    return key


def load_public_key(data_dir: Path) -> Ed25519PublicKey:
    """The hub's checkpoint verification key, as published next to the signing key."""
    path = data_dir / "keys" / PUBLIC_KEY
    if not path.exists():
        msg = f"no hub public key at {path}: verification needs the key of the hub that signed the log"
        raise IntegrityError(msg)
    return public_key_from_pem(path.read_bytes())


def open_protector(data_dir: Path) -> KeyStoreProtector:
    """The pseudonymiser and field encryptor backed by the key files in ``data_dir``."""
    folder = key_folder(data_dir)
    return KeyStoreProtector(
        load_or_create_secret(folder / "pseudonym.secret"),
        SqliteKeyStore(folder / "subjects.sqlite"),
    )
