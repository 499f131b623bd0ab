"""The hub's key files in a data folder: its Ed25519 signing key, pseudonym secret and subject keys.

Keys are made once, by ``create_hub_keys`` (``ketenhub init`` and ``ketenhub demo``), and
only loaded afterwards. A missing key file is ``KeyFileMissing``, never a new key: a new
pseudonym secret would give one person a second pseudonym, a new signing key would sign a
history that the pinned key no longer vouches for, and an empty subject key store would
make every encrypted field unreadable.
"""

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
from ketenhub.data_folder import PRIVATE_FILE, PRIVATE_FOLDER, create_private_folder
from ketenhub.embedded.keystore import SqliteKeyStore, load_or_create_secret
from ketenhub.embedded.protector import KeyStoreProtector
from ketenhub.errors import KetenhubError

KEY_FOLDER = "keys"
SIGNING_KEY = "hub-signing-key.pem"
PUBLIC_KEY = "hub-signing-key.pub.pem"
PSEUDONYM_SECRET = "pseudonym.secret"
SUBJECT_KEYS = "subjects.sqlite"

_WHY_NOT_RECREATED = {
    SIGNING_KEY: "a new signing key would sign checkpoints the pinned hub key does not vouch for",
    PUBLIC_KEY: "it is the hub's checkpoint verification key",
    PSEUDONYM_SECRET: "a new secret would give every person a second, different pseudonym",
    SUBJECT_KEYS: "without it every encrypted field is unreadable",
}


class KeyFileMissing(KetenhubError):
    """A key file of an existing hub is gone; Ketenhub refuses to make a new one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"key file {path} is missing: restore it from the backup of the data folder "
            f"(never recreated, because {_WHY_NOT_RECREATED.get(path.name, 'the hub depends on it')})"
        )


def key_folder(data_dir: Path) -> Path:
    """The folder holding the keys of the hub in ``data_dir``."""
    return data_dir / KEY_FOLDER


def create_hub_keys(data_dir: Path) -> Ed25519PublicKey:
    """Make a new hub's keys (folder 0700, files 0600); return its checkpoint public key.

    A complete set of existing key files is kept (a hub made around the key folder another
    runtime of the same hub uses); a partial set is ``KeyFileMissing``, never completed.
    """
    folder = key_folder(data_dir)
    names = (SIGNING_KEY, PUBLIC_KEY, PSEUDONYM_SECRET, SUBJECT_KEYS)
    present = [name for name in names if (folder / name).exists()]
    if len(present) == len(names):
        return load_public_key(data_dir)
    if present:
        missing = next(name for name in names if name not in present)
        raise KeyFileMissing(folder / missing)
    create_private_folder(folder)
    folder.chmod(PRIVATE_FOLDER)
    key = generate_hub_key()
    _write_private(folder / SIGNING_KEY, private_key_to_pem(key))
    _write_private(folder / PUBLIC_KEY, public_key_to_pem(key.public_key()))
    load_or_create_secret(folder / PSEUDONYM_SECRET)
    SqliteKeyStore(folder / SUBJECT_KEYS).close()
    return key.public_key()


def load_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The hub's checkpoint signing key, or ``KeyFileMissing``."""
    return private_key_from_pem(_existing(key_folder(data_dir) / SIGNING_KEY).read_bytes())


def load_public_key(data_dir: Path) -> Ed25519PublicKey:
    """The hub's checkpoint verification key, as stored next to the signing key."""
    return public_key_from_pem(_existing(key_folder(data_dir) / PUBLIC_KEY).read_bytes())


def open_protector(data_dir: Path) -> KeyStoreProtector:
    """The pseudonymiser and field encryptor backed by the existing key files in ``data_dir``."""
    folder = key_folder(data_dir)
    secret = load_or_create_secret(_existing(folder / PSEUDONYM_SECRET))  # exists: only loads
    return KeyStoreProtector(secret, SqliteKeyStore(_existing(folder / SUBJECT_KEYS)))


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise KeyFileMissing(path)
    return path


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)
