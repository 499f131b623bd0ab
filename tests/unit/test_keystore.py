"""The subject key store creates, returns and crypto-shreds keys; the secret file is guarded."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketenhub.core.privacy import FieldUndecryptable, decrypt_text, encrypt_text
from ketenhub.errors import PrivacyError, SubjectKeyErased
from ketenhub.protection.keystore import (
    SecretFileInvalid,
    SqliteKeyStore,
    UnknownSubject,
    load_or_create_secret,
)

SUBJECT = "psn-0123456789abcdef0123456789abcdef"
OTHER = "psn-fedcba9876543210fedcba9876543210"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteKeyStore]:
    """A key store in a fresh file, closed after the test."""
    store = SqliteKeyStore(tmp_path / "keys" / "subjects.db")
    yield store
    store.close()


def test_key_for_creates_once_and_get_returns_it(store: SqliteKeyStore) -> None:
    """The first ``key_for`` creates a 32-byte key; later calls and ``get`` return the same key."""
    key = store.key_for(SUBJECT)
    assert len(key) == 32
    assert store.key_for(SUBJECT) == key
    assert store.get(SUBJECT) == key
    assert store.key_for(OTHER) != key


def test_get_of_unknown_subject_raises(store: SqliteKeyStore) -> None:
    """``get`` of a subject that never had a key raises ``UnknownSubject`` and creates nothing."""
    with pytest.raises(UnknownSubject, match=SUBJECT) as caught:
        store.get(SUBJECT)
    assert isinstance(caught.value, PrivacyError)
    with pytest.raises(UnknownSubject):
        store.get(SUBJECT)


def test_erased_subject_raises_from_key_for_and_get(store: SqliteKeyStore) -> None:
    """After ``erase``, ``key_for`` and ``get`` raise ``SubjectKeyErased``; no key reappears."""
    store.key_for(SUBJECT)
    store.erase(SUBJECT)
    assert store.is_erased(SUBJECT)
    with pytest.raises(SubjectKeyErased) as caught:
        store.key_for(SUBJECT)
    assert caught.value.subject == SUBJECT
    with pytest.raises(SubjectKeyErased):
        store.get(SUBJECT)


def test_erase_is_idempotent(store: SqliteKeyStore) -> None:
    """Erasing twice leaves the subject erased; the second erasure reports that nothing changed."""
    store.key_for(SUBJECT)
    assert store.erase(SUBJECT) is True
    assert store.erase(SUBJECT) is False
    assert store.is_erased(SUBJECT)
    with pytest.raises(SubjectKeyErased):
        store.key_for(SUBJECT)


def test_erasing_an_unknown_subject_raises_and_records_nothing(store: SqliteKeyStore) -> None:
    """A subject that never had a key cannot be erased: the error says so and no erasure is kept."""
    with pytest.raises(UnknownSubject):
        store.erase(OTHER)
    assert not store.is_erased(OTHER)
    store.key_for(OTHER)  # still usable: nothing was recorded


def test_erase_leaves_other_subjects_readable(store: SqliteKeyStore) -> None:
    """Erasing one subject does not touch another subject's key."""
    key = store.key_for(OTHER)
    store.key_for(SUBJECT)
    store.erase(SUBJECT)
    assert store.get(OTHER) == key
    assert not store.is_erased(OTHER)


def test_crypto_shredding_makes_fields_unreadable(store: SqliteKeyStore) -> None:
    """A field encrypted before erasure cannot be decrypted with any key the store gives."""
    sealed = encrypt_text(store.key_for(SUBJECT), SUBJECT, "synthetic remark", b"aad")
    store.erase(SUBJECT)
    with pytest.raises(SubjectKeyErased):
        decrypt_text(store.get(SUBJECT), sealed, b"aad")
    with pytest.raises(FieldUndecryptable):
        decrypt_text(store.key_for(OTHER), sealed, b"aad")


def test_erased_key_bytes_are_gone_from_the_files(tmp_path: Path) -> None:
    """After erasure the key bytes occur nowhere in the database, its WAL or shared memory."""
    path = tmp_path / "subjects.db"
    store = SqliteKeyStore(path)
    keys = [store.key_for(f"psn-{i:032x}") for i in range(20)]
    kept = store.key_for(SUBJECT)
    for i in range(20):
        store.erase(f"psn-{i:032x}")
    while_open = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    store.close()
    after_close = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert kept in after_close
    assert not [key for key in keys if key in while_open or key in after_close]


def test_reopen_keeps_keys_and_erasures(tmp_path: Path) -> None:
    """Keys and erasures survive closing and reopening the store."""
    path = tmp_path / "subjects.db"
    store = SqliteKeyStore(path)
    key = store.key_for(SUBJECT)
    store.key_for(OTHER)
    store.erase(OTHER)
    store.close()
    reopened = SqliteKeyStore(path)
    try:
        assert reopened.get(SUBJECT) == key
        assert reopened.is_erased(OTHER)
        with pytest.raises(SubjectKeyErased):
            reopened.key_for(OTHER)
    finally:
        reopened.close()


def test_key_store_file_is_private(tmp_path: Path) -> None:
    """The key store file is created readable and writable by its owner only."""
    path = tmp_path / "subjects.db"
    SqliteKeyStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secret_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    """A missing secret file is created with 32 bytes and mode 0600, then read back unchanged."""
    path = tmp_path / "secrets" / "pseudonym.key"
    secret = load_or_create_secret(path)
    assert len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == secret
    assert sorted(p.name for p in path.parent.iterdir()) == ["pseudonym.key"]


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_secret_file_of_wrong_length_is_refused(tmp_path: Path, length: int) -> None:
    """A secret file that does not hold exactly 32 bytes raises an error naming the path."""
    path = tmp_path / "pseudonym.key"
    path.write_bytes(bytes(length))
    with pytest.raises(SecretFileInvalid, match=f"holds {length} byte") as caught:
        load_or_create_secret(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, PrivacyError)
    assert path.read_bytes() == bytes(length)


def test_an_erasure_keeps_its_reason(store: SqliteKeyStore) -> None:
    """An erasure by retention keeps its reason; one on request has none; a second changes nothing."""
    store.key_for(SUBJECT)
    store.key_for(OTHER)
    assert store.has_key(SUBJECT) and store.erasure(SUBJECT) is None
    assert store.erase(SUBJECT, "retention: expired 2026-01-01; case case-1: synthetic")
    assert store.erase(OTHER)
    assert not store.has_key(SUBJECT)
    found = store.erasure(SUBJECT)
    assert (
        found is not None
        and found.reason == "retention: expired 2026-01-01; case case-1: synthetic"
    )
    assert store.erasure(OTHER) is not None and store.erasure(OTHER).reason is None  # type: ignore[union-attr]
    assert not store.erase(SUBJECT, "another reason")
    assert store.erasure(SUBJECT).reason.startswith("retention: expired 2026-01-01")  # type: ignore[union-attr]


def test_a_store_made_before_reasons_were_kept_opens_with_its_erasures(tmp_path: Path) -> None:
    """An older store's erasures table gains the reason column; its erasures stay, without reason."""
    path = tmp_path / "subjects.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE subject_keys (subject TEXT PRIMARY KEY, key BLOB NOT NULL, "
            "created_us INTEGER NOT NULL)"
        )
        db.execute("CREATE TABLE erasures (subject TEXT PRIMARY KEY, erased_us INTEGER NOT NULL)")
        db.execute("INSERT INTO erasures VALUES (?, ?)", (SUBJECT, 1_700_000_000_000_000))
    db.close()
    store = SqliteKeyStore(path)
    try:
        found = store.erasure(SUBJECT)
        assert found is not None and found.reason is None and found.erased_at.year == 2023
        store.key_for(OTHER)
        assert store.erase(OTHER, "retention: synthetic")
        assert store.erasure(OTHER).reason == "retention: synthetic"  # type: ignore[union-attr]
        with pytest.raises(SubjectKeyErased):
            store.key_for(SUBJECT)
    finally:
        store.close()


def test_the_hubs_protector_shreds_a_new_text_of_an_erased_subject_on_arrival(
    tmp_path: Path,
) -> None:
    """Encrypting for an erased subject gives a field like any other, unreadable, and makes no key."""
    from ketenhub.protection.protector import ERASED, KeyStoreProtector

    keys = SqliteKeyStore(tmp_path / "subjects.sqlite")
    protector = KeyStoreProtector(bytes(range(32)), keys)
    try:
        protector.encrypt(SUBJECT, "Before.", b"SignalReceived.free_text")
        assert protector.erase(SUBJECT)
        field = protector.encrypt(SUBJECT, "After.", b"SignalReceived.free_text")
        other = protector.encrypt(OTHER, "After.", b"SignalReceived.free_text")
        assert field.subject == SUBJECT
        assert (len(field.nonce), len(field.ciphertext)) == (
            len(other.nonce),
            len(other.ciphertext),
        )
        assert protector.decrypt(field, b"SignalReceived.free_text") == ERASED
        with pytest.raises(SubjectKeyErased):
            keys.get(SUBJECT)
    finally:
        protector.close()
