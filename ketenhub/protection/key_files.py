"""The hub's key files in a keys folder: its Ed25519 signing key, pseudonym secret and subject keys.

Keys are made once, by ``KeyFiles.create`` (``ketenhub init`` and ``ketenhub demo``), and
only loaded afterwards. A missing key file is ``KeyFileMissing``, never a new key: a new
pseudonym secret would give one person a second pseudonym, a new signing key would sign a
history that the pinned key no longer vouches for, and an empty subject key store would
make every encrypted field unreadable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
from ketenhub.errors import KetenhubError
from ketenhub.protection.keystore import SqliteKeyStore, load_or_create_secret
from ketenhub.protection.protector import KeyStoreProtector

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


@dataclass(frozen=True)
class KeyFiles:
    """The key files in one keys folder: their paths, made once, loaded afterwards."""

    folder: Path

    @property
    def signing_key_file(self) -> Path:
        """The hub's Ed25519 checkpoint signing key (PEM)."""
        return self.folder / SIGNING_KEY

    @property
    def public_key_file(self) -> Path:
        """The hub's checkpoint verification key (PEM): the one to pin outside the folder."""
        return self.folder / PUBLIC_KEY

    @property
    def pseudonym_secret_file(self) -> Path:
        """The 32-byte secret every pseudonym and keyed id is derived from."""
        return self.folder / PSEUDONYM_SECRET

    @property
    def subject_keys_file(self) -> Path:
        """The SQLite store of one AES key per data subject."""
        return self.folder / SUBJECT_KEYS

    def create(self) -> Ed25519PublicKey:
        """Make a new hub's keys (folder 0700, files 0600); return its checkpoint public key.

        A complete set of existing key files is kept (a hub made around the key folder another
        runtime of the same hub uses); a partial set is ``KeyFileMissing``, never completed.
        """
        paths = (
            self.signing_key_file,
            self.public_key_file,
            self.pseudonym_secret_file,
            self.subject_keys_file,
        )
        missing = [path for path in paths if not path.exists()]
        if not missing:
            return self.public_key()
        if len(missing) < len(paths):
            raise KeyFileMissing(missing[0])
        create_private_folder(self.folder)
        self.folder.chmod(PRIVATE_FOLDER)
        key = generate_hub_key()
        _write_private(self.signing_key_file, private_key_to_pem(key))
        _write_private(self.public_key_file, public_key_to_pem(key.public_key()))
        load_or_create_secret(self.pseudonym_secret_file)
        SqliteKeyStore(self.subject_keys_file).close()
        return key.public_key()

    def signing_key(self) -> Ed25519PrivateKey:
        """The hub's checkpoint signing key, or ``KeyFileMissing``."""
        return private_key_from_pem(_existing(self.signing_key_file).read_bytes())

    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key, as stored next to the signing key."""
        return public_key_from_pem(_existing(self.public_key_file).read_bytes())

    def protector(self) -> KeyStoreProtector:
        """The pseudonymiser and field encryptor backed by the existing key files."""
        secret = load_or_create_secret(_existing(self.pseudonym_secret_file))  # exists: only loads
        return KeyStoreProtector(secret, SqliteKeyStore(_existing(self.subject_keys_file)))


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise KeyFileMissing(path)
    return path


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)
