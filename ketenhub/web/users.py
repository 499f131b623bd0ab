"""People who sign in to the pages: each belongs to one partner; passwords kept as argon2id hashes.

``web-users.json`` in the data folder (mode 0600, written whole and renamed into place)
keeps per user an opaque id (``usr-`` and 12 hex characters, what logs and read records
name), the sign-in name, the partner, the argon2id hash of the password (argon2-cffi's
defaults: memory-hard, salted) and when the user was added or disabled. A password is
never stored or logged. The store reads the file again when it changed on disk, so
``ketenhub users disable`` takes effect in a running server at its next request. Every
change is made under an exclusive lock (``.web-users.lock``) on the file as it is then, so
two commands (or a command and the server) changing users at once lose neither change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ketenhub.core.partners import PartnerRegistry
from ketenhub.data_folder import USERS_FILE
from ketenhub.errors import KetenhubError
from ketenhub.web.record_file import RecordFile

USERS_FORMAT = "ketenhub-web-users/v1"
MIN_PASSWORD = 12
MAX_PASSWORD = 256
_NAME_MAX = 64
_HASHER = PasswordHasher()
# verified when a name is unknown, so that a wrong name costs as long as a wrong password
_DECOY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class UserError(KetenhubError):
    """A user cannot be added, changed or read; the message says which and why."""


@dataclass(frozen=True)
class UserRecord:
    """One user as stored: never the password itself, only its argon2id hash."""

    user_id: str
    name: str
    partner: str
    password_hash: str
    created_at: str
    disabled_at: str | None = None

    @property
    def active(self) -> bool:
        """Whether the user may sign in."""
        return self.disabled_at is None

    @property
    def credential(self) -> str:
        """What a session remembers of the password it was opened with (a digest of its hash).

        A new password gives a new credential, so sessions opened with the old one end.
        """
        return hashlib.sha256(self.password_hash.encode()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def check_password(password: str) -> None:
    """Refuse a password too short or too long to be a good one."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        msg = f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        raise UserError(msg)


def check_name(name: str) -> None:
    """Refuse a sign-in name that is empty, too long or not printable."""
    if not name or len(name) > _NAME_MAX or not name.isprintable() or name != name.strip():
        msg = f"a sign-in name is 1 to {_NAME_MAX} printable characters without outer spaces"
        raise UserError(msg)


class UserStore(RecordFile[UserRecord]):
    """The users of one data folder."""

    LOCK_FILE = ".web-users.lock"
    ENSURE_ASCII = False  # names as they are written

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir / USERS_FILE)

    def records(self) -> list[UserRecord]:
        """Every user, disabled ones included, by sign-in name."""
        self._reload()
        return sorted(self._records.values(), key=lambda r: r.name)

    def add(self, registry: PartnerRegistry, partner: str, name: str, password: str) -> UserRecord:
        """Add a user of a registered partner with a password."""
        registry.get(partner)
        check_name(name)
        check_password(password)
        password_hash = _HASHER.hash(password)  # slow: made before the file is locked
        with self._editing():
            if self._by_name(name) is not None:
                msg = "there is a user with that name already; see `ketenhub users list`"
                raise UserError(msg)
            user_id = f"usr-{secrets.token_hex(6)}"
            record = UserRecord(user_id, name, partner, password_hash, _now())
            self._records[user_id] = record
            self._save()
        return record

    def set_password(self, name: str, password: str) -> UserRecord:
        """Give a user a new password."""
        check_password(password)
        password_hash = _HASHER.hash(password)
        with self._editing():
            changed = replace(self._named(name), password_hash=password_hash)
            self._records[changed.user_id] = changed
            self._save()
        return changed

    def disable(self, name: str) -> UserRecord:
        """Stop a user from signing in (its sessions end at their next request)."""
        with self._editing():
            record = self._named(name)
            disabled = replace(record, disabled_at=record.disabled_at or _now())
            self._records[record.user_id] = disabled
            self._save()
        return disabled

    def authenticate(self, name: str, password: str) -> UserRecord | None:
        """The active user with this name and password, or None (as slow for every wrong answer)."""
        self._reload()
        record = self._by_name(name)
        try:
            _HASHER.verify(record.password_hash if record else _DECOY_HASH, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if record is None or not record.active:
            return None
        if _HASHER.check_needs_rehash(record.password_hash):
            return self._rehash(record, _HASHER.hash(password[:MAX_PASSWORD]))
        return record

    def _rehash(self, record: UserRecord, password_hash: str) -> UserRecord:
        """Keep a stronger hash of the same password, unless the user changed meanwhile."""
        with self._editing():
            now = self._records.get(record.user_id)
            if now is None or now != record:
                return record
            rehashed = replace(record, password_hash=password_hash)
            self._records[record.user_id] = rehashed
            self._save()
            return rehashed

    def active_user(self, user_id: str) -> UserRecord | None:
        """The user with this id if it may still sign in."""
        self._reload()
        record = self._records.get(user_id)
        return record if record is not None and record.active else None

    def _by_name(self, name: str) -> UserRecord | None:
        return next((r for r in self._records.values() if r.name == name), None)

    def _named(self, name: str) -> UserRecord:
        self._reload()
        record = self._by_name(name)
        if record is None:
            msg = f"no such user in {self.path}; see `ketenhub users list`"
            raise UserError(msg)
        return record

    def _parse(self, path: Path) -> dict[str, UserRecord]:
        return _parse(path)

    def _document(self) -> dict[str, Any]:
        return {
            "format": USERS_FORMAT,
            "users": [asdict(r) for r in sorted(self._records.values(), key=lambda r: r.user_id)],
        }


def _parse(path: Path) -> dict[str, UserRecord]:
    try:
        document = json.loads(path.read_bytes())
        if document.get("format") != USERS_FORMAT:
            msg = f"{path} is not a {USERS_FORMAT} file"
            raise UserError(msg)
        records = [UserRecord(**entry) for entry in document["users"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        msg = (
            f"{path} is not a readable users file ({type(exc).__name__}); restore it from a backup"
        )
        raise UserError(msg) from None
    return {record.user_id: record for record in records}
