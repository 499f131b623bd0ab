"""A hub's data folder on disk: its layout, created private (0700, files 0600), checked for wider access.

The layout, spelled here once::

    <data folder>/          0700
      log.sqlite            the embedded topic log (and SQLite's -wal/-shm beside it)
      access.sqlite         access.log: every read of personal case data (its own writers)
      partners.toml         the folder's own partner registry (optional: else the shipped one)
      codes.toml            the folder's own code lists (optional: else the shipped ones)
      web-tokens.json       0600, the API tokens' digests (ketenhub.web.tokens)
      web-users.json        0600, the pages' users and their argon2id hashes (ketenhub.web.users)
      keys/                 0700, the hub's key files (ketenhub.protection.key_files names them)

The folder holds the topic log and the keys: special-category data and the secrets that
protect it. It is created with mode 0700, ``log.sqlite`` (and SQLite's ``-wal``/``-shm``,
which inherit its mode) and every key file with 0600, the ``keys`` folder with 0700.
Whenever a command opens a data folder, ``warn_if_exposed`` logs one warning line naming
every path that group or others may read, write or enter; it changes nothing itself.
``ketenhub.hub_folder`` opens what the folder holds.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import structlog

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
DEFAULT_DATA_DIR = Path("ketenhub-data")  # unless --data-dir or KETENHUB_DATA_DIR names another
LOG_FILE = "log.sqlite"
ACCESS_LOG_FILE = "access.sqlite"
REGISTRY_FILE = "partners.toml"
CODES_FILE = "codes.toml"
KEY_FOLDER = "keys"
TOKENS_FILE = "web-tokens.json"
USERS_FILE = "web-users.json"
_WIDER_THAN_OWNER = stat.S_IRWXG | stat.S_IRWXO
_CHECKED = (
    "",
    *(f"{name}{suffix}" for name in (LOG_FILE, ACCESS_LOG_FILE) for suffix in ("", "-wal", "-shm")),
    KEY_FOLDER,
    TOKENS_FILE,
    USERS_FILE,
)


def create_private_folder(path: Path) -> None:
    """Create ``path`` (and missing parents) with mode 0700; tighten it if it exists empty."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    if not any(path.iterdir()):
        path.chmod(PRIVATE_FOLDER)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (so later writers keep that mode)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))


def exposed_paths(data_dir: Path) -> list[tuple[Path, int]]:
    """The paths of a data folder (itself, log, keys, web users and tokens) open to group or others."""
    candidates = [data_dir / name for name in _CHECKED]
    keys = data_dir / KEY_FOLDER
    if keys.is_dir():
        candidates.extend(sorted(keys.iterdir()))
    found = []
    for path in candidates:
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except OSError:
            continue  # absent (no -wal yet, no keys folder): nothing to expose
        if mode & _WIDER_THAN_OWNER:
            found.append((path, mode))
    return found


_WARNED: set[tuple[tuple[Path, int], ...]] = set()  # what this process has warned about


def warn_if_exposed(data_dir: Path) -> None:
    """Log one warning line when any path of the data folder is open to group or others.

    A command that opens the folder twice (it reads the log, then records the read in
    access.log) warns once: the same findings are not logged again by the same process.
    """
    found = exposed_paths(data_dir)
    if found and tuple(found) not in _WARNED:
        _WARNED.add(tuple(found))
        listed = ", ".join(f"{path} ({mode:04o})" for path, mode in found)
        structlog.get_logger("ketenhub").warning(
            "data_folder_exposed",
            detail=f"readable by group or others: {listed}; run `chmod -R go-rwx {data_dir}`",
        )
