"""The subject key store: one AES key per data subject in SQLite, erased by crypto-shredding.

Erasing a subject deletes its key row and remembers only the fact and time of erasure. To
keep the key material from lingering in the file, the store runs with
``secure_delete=ON`` (SQLite overwrites deleted content with zeros) and checkpoints and
truncates its write-ahead log after each erasure (a reader in another process that holds
an old snapshot can delay that truncation until the next erasure). The file and its WAL
are created with mode 0600; the keys are protected by file permissions, not by encryption
at rest.

Also here: ``load_or_create_secret``, for the hub's 32-byte pseudonym secret file.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from ketenhub.core.privacy import KEY_BYTES, MIN_SECRET_BYTES, new_subject_key
from ketenhub.errors import PrivacyError, SubjectKeyErased

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS subject_keys (subject TEXT PRIMARY KEY, key BLOB NOT NULL, "
    "created_us INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS erasures (subject TEXT PRIMARY KEY, erased_us INTEGER NOT NULL, "
    "reason TEXT)",
)


@dataclass(frozen=True)
class Erasure:
    """A data subject's key was erased: when, and why (None: on request, by ``ketenhub erase``)."""

    subject: str
    erased_at: dt.datetime
    reason: str | None


class UnknownSubject(PrivacyError):
    """The data subject never had a key in this store."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(f"data subject {subject} has no key: nothing was ever encrypted for it")


class KeyStoreError(PrivacyError):
    """The key store file could not be opened, read or written."""

    def __init__(self, path: Path, operation: str, detail: str) -> None:
        self.path = path
        self.operation = operation
        self.detail = detail
        super().__init__(f"subject key store {path}: cannot {operation}: {detail}")


class SecretFileInvalid(PrivacyError):
    """The pseudonym secret file does not hold exactly the expected number of bytes."""

    def __init__(self, path: Path, length: int) -> None:
        self.path = path
        self.length = length
        super().__init__(
            f"pseudonym secret file {path} holds {length} byte(s); it must hold exactly "
            f"{MIN_SECRET_BYTES} random bytes (restore the original file, never replace it: "
            "every pseudonym depends on it)"
        )


class SqliteKeyStore:
    """Keys per data subject in one SQLite file (created with mode 0600 if missing)."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = path
        with self._translate("open the key store"):
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            self._db = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None)
        try:
            with self._translate("prepare the key store"):
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA secure_delete=ON")
                for statement in _SCHEMA:
                    self._db.execute(statement)
                self._add_reason_column()
        except BaseException:
            self._db.close()
            raise

    def key_for(self, subject: str) -> bytes:
        """Return the subject's key, creating one on first use; refuse an erased subject."""
        with self._write(f"create the key of data subject {subject}"):
            self._refuse_erased(subject)
            self._db.execute(
                "INSERT OR IGNORE INTO subject_keys (subject, key, created_us) VALUES (?, ?, ?)",
                (subject, new_subject_key(), _now_us()),
            )
            return self._stored_key(subject)

    def get(self, subject: str) -> bytes:
        """Return the subject's existing key; raise if it was erased or never existed."""
        with self._translate(f"read the key of data subject {subject}"):
            self._refuse_erased(subject)
            return self._stored_key(subject)

    def erase(self, subject: str, reason: str | None = None) -> bool:
        """Delete the subject's key for good, remembering only that, when and why it was erased.

        ``reason`` (no personal data: e.g. the retention category and the case id) is kept with
        the erasure; None for an erasure on request. Returns False when the subject was already
        erased (nothing changes); raises UnknownSubject, recording nothing, when the subject
        never had a key here.
        """
        with self._write(f"erase the key of data subject {subject}"):
            if self._erased(subject):
                return False
            deleted = self._db.execute("DELETE FROM subject_keys WHERE subject = ?", (subject,))
            if deleted.rowcount == 0:
                raise UnknownSubject(subject)
            self._db.execute(
                "INSERT INTO erasures (subject, erased_us, reason) VALUES (?, ?, ?)",
                (subject, _now_us(), reason),
            )
        with self._translate("truncate the write-ahead log after an erasure"):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    def is_erased(self, subject: str) -> bool:
        """Return whether the subject's key was erased."""
        with self._translate(f"read the erasure of data subject {subject}"):
            return self._erased(subject)

    def has_key(self, subject: str) -> bool:
        """Whether the subject has a key now (it had one encrypted for it and was not erased)."""
        with self._translate(f"look up the key of data subject {subject}"):
            row = self._db.execute(
                "SELECT 1 FROM subject_keys WHERE subject = ?", (subject,)
            ).fetchone()
            return row is not None

    def erasure(self, subject: str) -> Erasure | None:
        """When and why the subject was erased, or None when it was not."""
        with self._translate(f"read the erasure of data subject {subject}"):
            row = self._db.execute(
                "SELECT erased_us, reason FROM erasures WHERE subject = ?", (subject,)
            ).fetchone()
        if row is None:
            return None
        erased_at = dt.datetime.fromtimestamp(row[0] / 1_000_000, dt.UTC)
        return Erasure(subject, erased_at, row[1])

    def close(self) -> None:
        """Close the key store file."""
        self._db.close()

    def _add_reason_column(self) -> None:
        """Stores made before erasures kept a reason get the column (their erasures: no reason)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(erasures)")}
        if "reason" not in columns:
            self._db.execute("ALTER TABLE erasures ADD COLUMN reason TEXT")

    def _erased(self, subject: str) -> bool:
        row = self._db.execute("SELECT 1 FROM erasures WHERE subject = ?", (subject,)).fetchone()
        return row is not None

    def _refuse_erased(self, subject: str) -> None:
        if self._erased(subject):
            raise SubjectKeyErased(subject)

    def _stored_key(self, subject: str) -> bytes:
        row = self._db.execute(
            "SELECT key FROM subject_keys WHERE subject = ?", (subject,)
        ).fetchone()
        if row is None:
            raise UnknownSubject(subject)
        key = bytes(row[0])
        if len(key) != KEY_BYTES:
            raise KeyStoreError(self.path, f"use the key of {subject}", "stored key has wrong size")
        return key

    @contextmanager
    def _write(self, operation: str) -> Iterator[None]:
        with self._translate(operation):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def _translate(self, operation: str) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise KeyStoreError(self.path, operation, str(exc)) from exc


def load_or_create_secret(path: Path) -> bytes:
    """Return the hub's pseudonym secret from ``path``, creating 32 random bytes (mode 0600)."""
    if not path.exists():
        _create_secret(path)
    try:
        secret = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read pseudonym secret file {path}: {exc.strerror}"
        raise PrivacyError(msg) from exc
    if len(secret) != MIN_SECRET_BYTES:
        raise SecretFileInvalid(path, len(secret))
    return secret


def _create_secret(path: Path) -> None:
    """Write a new secret to a private temporary file, then link it in place without clobbering."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with suppress(FileNotFoundError):  # left by a crashed process with the same pid
            temporary.unlink()
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(os.urandom(MIN_SECRET_BYTES))
            file.flush()
            os.fsync(file.fileno())
        with suppress(FileExistsError):  # another process created it first: use theirs
            os.link(temporary, path)
    except OSError as exc:
        msg = f"cannot create pseudonym secret file {path}: {exc.strerror}"
        raise PrivacyError(msg) from exc
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()


def _now_us() -> int:
    return time.time_ns() // 1000
