"""The composition root of a hub's data folder: its registry, keys, protector and log path, opened here.

Every runtime, connector and command that works on a data folder opens what it holds
through ``HubFolder``, so the layout (``ketenhub.data_folder``) is followed in one place:
the registry is the folder's ``partners.toml`` (else the shipped one) with the folder's
``codes.toml`` (else the shipped lists), on either runtime; the keys are those of
``keys/``; the embedded topic log is ``log.sqlite``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ketenhub.config import load_registry
from ketenhub.core.partners import PartnerRegistry
from ketenhub.data_folder import (
    ACCESS_LOG_FILE,
    CODES_FILE,
    KEY_FOLDER,
    LOG_FILE,
    REGISTRY_FILE,
    warn_if_exposed,
)
from ketenhub.errors import KetenhubError
from ketenhub.protection.key_files import KeyFiles
from ketenhub.protection.protector import KeyStoreProtector


class HubNotFound(KetenhubError):
    """The data folder holds no embedded hub."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        super().__init__(
            f"no embedded hub in {data_dir}: create one with `ketenhub init --data-dir {data_dir}` "
            f"(or `ketenhub demo --data-dir {data_dir}` for one with a synthetic year)"
        )


@dataclass(frozen=True)
class HubFolder:
    """One hub's data folder: where each of its files lives, and opening them."""

    path: Path

    @property
    def log_file(self) -> Path:
        """The embedded runtime's topic log."""
        return self.path / LOG_FILE

    @property
    def access_log_file(self) -> Path:
        """The embedded access.log: the processing record of every read of personal case data."""
        return self.path / ACCESS_LOG_FILE

    @property
    def registry_file(self) -> Path:
        """Where the folder's own partner registry is (it may not exist)."""
        return self.path / REGISTRY_FILE

    @property
    def codes_file(self) -> Path:
        """Where the folder's own code lists are (they may not exist)."""
        return self.path / CODES_FILE

    @property
    def keys(self) -> KeyFiles:
        """The hub's key files, in ``keys/``."""
        return KeyFiles(self.path / KEY_FOLDER)

    def own_registry_file(self) -> Path | None:
        """The registry file of the folder, if it has its own (else the shipped one applies)."""
        return self.registry_file if self.registry_file.exists() else None

    def registry(self) -> PartnerRegistry:
        """The partner registry with its code lists: the folder's own, else the shipped ones."""
        return load_registry(self.own_registry_file(), codes_file=self.codes_file)

    def require_log(self) -> Path:
        """The embedded log file, or ``HubNotFound`` when the folder holds no embedded hub."""
        if not self.log_file.exists():
            raise HubNotFound(self.path)
        return self.log_file

    def protector(self) -> KeyStoreProtector:
        """The pseudonymiser and field encryptor of the folder's existing key files."""
        return self.keys.protector()

    def signing_key(self) -> Ed25519PrivateKey:
        """The hub's checkpoint signing key (its key file must exist)."""
        return self.keys.signing_key()

    def public_key(self) -> Ed25519PublicKey:
        """The hub's checkpoint verification key, from ``keys/``."""
        return self.keys.public_key()

    def warn_if_exposed(self) -> None:
        """Log one warning line when any path of the folder is open to group or others."""
        warn_if_exposed(self.path)
