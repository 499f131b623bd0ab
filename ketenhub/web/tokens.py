"""Bearer tokens of the partners' systems: shown once, kept hashed in the data folder.

A token reads ``khp_<token id>_<secret>``: the token id (``tok-`` and 12 hex characters)
names the stored entry, the secret is 32 random bytes (URL-safe base64). The data folder
keeps, per token, its id, partner, label, creation and revocation time and the SHA-256 of
the whole token, in ``web-tokens.json`` (mode 0600, written whole and renamed into place).

Why SHA-256 and not a slow hash: a slow hash (argon2, bcrypt) protects secrets people
choose, which an attacker can guess. These secrets are 256 random bits: a stolen file
gives nobody a way to find one faster than trying 2^255 on average, whatever the hash
costs, while a slow hash would cost every API request tens of milliseconds. The token is
compared by its digest in constant time.

``TokenStore`` reads the file again when it changed on disk, so ``ketenhub partners token
revoke`` takes effect in a running server at its next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.personal_data import find_personal_data
from ketenhub.data_folder import TOKENS_FILE
from ketenhub.errors import KetenhubError
from ketenhub.web.record_file import RecordFile

TOKENS_FORMAT = "ketenhub-web-tokens/v1"
TOKEN_PREFIX = "khp_"
_ID_HEX = 12
_LABEL_MAX = 80


class TokenError(KetenhubError):
    """A token cannot be made, changed or read; the message says which and why."""


@dataclass(frozen=True)
class TokenRecord:
    """One token as stored: never the token itself, only its digest."""

    token_id: str
    partner: str
    label: str
    digest: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        """Whether the token still opens the API."""
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: the only moment its secret exists outside the partner's system."""

    record: TokenRecord
    token: str


def token_digest(token: str) -> str:
    """The SHA-256 of a token (hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _new_token(token_id: str) -> str:
    return f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def token_id_of(token: str) -> str | None:
    """The token id a presented token names, if it has the token format."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_id, separator, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not separator or not secret or not token_id.startswith("tok-"):
        return None
    return token_id


class TokenStore(RecordFile[TokenRecord]):
    """The tokens of one data folder."""

    LOCK_FILE = ".web-tokens.lock"

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir / TOKENS_FILE)

    def records(self) -> list[TokenRecord]:
        """Every token, revoked ones included, by creation."""
        with self._lock:
            self._reload()
            return sorted(self._records.values(), key=lambda r: (r.created_at, r.token_id))

    def add(self, registry: PartnerRegistry, partner: str, label: str = "") -> IssuedToken:
        """Make a token for a registered partner; the returned token is shown once."""
        registry.get(partner)
        _check_label(label)
        with self._editing():
            token_id = f"tok-{secrets.token_hex(_ID_HEX // 2)}"
            token = _new_token(token_id)
            record = TokenRecord(token_id, partner, label, token_digest(token), _now())
            self._records[token_id] = record
            self._save()
        return IssuedToken(record, token)

    def rotate(self, token_id: str) -> IssuedToken:
        """Give a token a new secret: the old one stops working at once."""
        with self._editing():
            token = _new_token(token_id)
            rotated = replace(self._active(token_id), digest=token_digest(token), created_at=_now())
            self._records[token_id] = rotated
            self._save()
        return IssuedToken(rotated, token)

    def revoke(self, token_id: str) -> TokenRecord:
        """Revoke a token for good."""
        with self._editing():
            revoked = replace(self._active(token_id), revoked_at=_now())
            self._records[token_id] = revoked
            self._save()
        return revoked

    def authenticate(self, token: str) -> TokenRecord | None:
        """The active token record a presented token opens, or None."""
        token_id = token_id_of(token)
        if token_id is None:
            return None
        with self._lock:
            self._reload()
            record = self._records.get(token_id)
        if record is None or not record.active:
            return None
        if not hmac.compare_digest(record.digest, token_digest(token)):
            return None
        return record

    def _active(self, token_id: str) -> TokenRecord:
        record = self._records.get(token_id)
        if record is None:
            msg = f"no token {token_id!r} in {self.path}; see `ketenhub partners token list`"
            raise TokenError(msg)
        if not record.active:
            msg = f"token {token_id} was revoked at {record.revoked_at}; add a new one instead"
            raise TokenError(msg)
        return record

    def _parse(self, path: Path) -> dict[str, TokenRecord]:
        return _parse(path)

    def _document(self) -> dict[str, Any]:
        return {
            "format": TOKENS_FORMAT,
            "tokens": [asdict(r) for r in sorted(self._records.values(), key=lambda r: r.token_id)],
        }


def _check_label(label: str) -> None:
    if len(label) > _LABEL_MAX or not label.isprintable():
        msg = f"a token label is at most {_LABEL_MAX} printable characters (it names a system, never a person)"
        raise TokenError(msg)
    found = find_personal_data(label)
    if found is not None:
        msg = (
            f"a token label names a system, never a person: this one holds what looks like a "
            f"{found.description} (the value is not repeated here)"
        )
        raise TokenError(msg)


def _parse(path: Path) -> dict[str, TokenRecord]:
    try:
        document = json.loads(path.read_bytes())
        if document.get("format") != TOKENS_FORMAT:
            msg = f"{path} is not a {TOKENS_FORMAT} file"
            raise TokenError(msg)
        records = [TokenRecord(**entry) for entry in document["tokens"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        msg = (
            f"{path} is not a readable token file ({type(exc).__name__}); restore it from a backup"
        )
        raise TokenError(msg) from None
    return {record.token_id: record for record in records}
