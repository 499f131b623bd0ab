"""Pseudonyms and per-subject field encryption behave as the privacy design requires."""

from __future__ import annotations

import re

import pytest

from ketenhub.core.privacy import (
    EncryptedText,
    FieldUndecryptable,
    InvalidKeyMaterial,
    SecretTooShort,
    decrypt_text,
    encrypt_text,
    new_subject_key,
    pseudonymise,
)
from ketenhub.errors import PrivacyError

SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))
KEY = bytes(range(100, 132))
SUBJECT = "psn-0123456789abcdef0123456789abcdef"
AAD = b"ketenhub:event:7f0c2a9e:field:remarks"
TEXT = "Synthetic remark: meldde zich bij het wijkteam (test data)"


def test_pseudonym_is_deterministic_and_well_formed() -> None:
    """The same secret, namespace and identifier always give the same ``psn-`` + 32 hex."""
    first = pseudonymise(SECRET, "person", "synthetic-000123")
    assert first == pseudonymise(SECRET, "person", "synthetic-000123")
    assert re.fullmatch(r"psn-[0-9a-f]{32}", first)


def test_pseudonym_differs_across_secrets_namespaces_and_identifiers() -> None:
    """Changing the secret, the namespace or the identifier changes the pseudonym."""
    base = pseudonymise(SECRET, "person", "synthetic-000123")
    assert pseudonymise(OTHER_SECRET, "person", "synthetic-000123") != base
    assert pseudonymise(SECRET, "location", "synthetic-000123") != base
    assert pseudonymise(SECRET, "person", "synthetic-000124") != base


def test_pseudonym_encoding_is_unambiguous() -> None:
    """Moving characters between namespace and identifier does not collide."""
    assert pseudonymise(SECRET, "ab", "c") != pseudonymise(SECRET, "a", "bc")
    assert pseudonymise(SECRET, "", "ab") != pseudonymise(SECRET, "ab", "")


def test_short_secret_is_refused() -> None:
    """A secret shorter than 32 bytes raises ``SecretTooShort`` saying so."""
    with pytest.raises(SecretTooShort, match=r"31 byte.*at least 32") as caught:
        pseudonymise(bytes(31), "person", "synthetic-000123")
    assert isinstance(caught.value, PrivacyError)


def test_encrypt_decrypt_round_trip() -> None:
    """Text encrypted under a subject key decrypts to the same text with the same AAD."""
    sealed = encrypt_text(KEY, SUBJECT, TEXT, AAD)
    assert sealed.subject == SUBJECT
    assert len(sealed.nonce) == 12
    assert TEXT.encode() not in sealed.ciphertext
    assert decrypt_text(KEY, sealed, AAD) == TEXT


def test_empty_and_non_ascii_text_round_trip() -> None:
    """Empty text and non-ASCII text survive encryption unchanged."""
    for text in ("", "Café 't Hoekje — ñ 名"):
        assert decrypt_text(KEY, encrypt_text(KEY, SUBJECT, text, AAD), AAD) == text


def test_random_nonces_differ_and_given_nonce_is_used() -> None:
    """Each encryption draws a fresh nonce unless one is given, which makes it deterministic."""
    assert (
        encrypt_text(KEY, SUBJECT, TEXT, AAD).nonce != encrypt_text(KEY, SUBJECT, TEXT, AAD).nonce
    )
    nonce = bytes(12)
    assert encrypt_text(KEY, SUBJECT, TEXT, AAD, nonce) == encrypt_text(
        KEY, SUBJECT, TEXT, AAD, nonce
    )


def test_wrong_key_fails_naming_subject_not_content() -> None:
    """Decrypting with another key raises ``FieldUndecryptable`` naming only the subject."""
    sealed = encrypt_text(KEY, SUBJECT, TEXT, AAD)
    with pytest.raises(FieldUndecryptable) as caught:
        decrypt_text(new_subject_key(), sealed, AAD)
    assert caught.value.subject == SUBJECT
    assert SUBJECT in str(caught.value)
    assert "Synthetic" not in str(caught.value)


def test_wrong_associated_data_fails() -> None:
    """Decrypting with other associated data raises ``FieldUndecryptable``."""
    sealed = encrypt_text(KEY, SUBJECT, TEXT, AAD)
    with pytest.raises(FieldUndecryptable):
        decrypt_text(KEY, sealed, AAD + b"x")


def test_subject_is_bound_into_associated_data() -> None:
    """A ciphertext relabelled with another subject does not decrypt."""
    sealed = encrypt_text(KEY, SUBJECT, TEXT, AAD)
    moved = EncryptedText(
        subject="psn-ffffffffffffffffffffffffffffffff",
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
    )
    with pytest.raises(FieldUndecryptable, match="psn-ffff"):
        decrypt_text(KEY, moved, AAD)


@pytest.mark.parametrize("field", ["nonce", "ciphertext"])
def test_flipped_byte_fails(field: str) -> None:
    """Flipping one bit of the nonce or the ciphertext raises ``FieldUndecryptable``."""
    sealed = encrypt_text(KEY, SUBJECT, TEXT, AAD)
    data = bytearray(getattr(sealed, field))
    data[len(data) // 2] ^= 0x01
    tampered = EncryptedText(
        subject=sealed.subject,
        nonce=bytes(data) if field == "nonce" else sealed.nonce,
        ciphertext=bytes(data) if field == "ciphertext" else sealed.ciphertext,
    )
    with pytest.raises(FieldUndecryptable):
        decrypt_text(KEY, tampered, AAD)


def test_bad_key_or_nonce_length_is_refused() -> None:
    """A key that is not 32 bytes or a nonce that is not 12 bytes raises ``InvalidKeyMaterial``."""
    with pytest.raises(InvalidKeyMaterial, match="subject key is 16 byte"):
        encrypt_text(bytes(16), SUBJECT, TEXT, AAD)
    with pytest.raises(InvalidKeyMaterial, match="nonce is 8 byte"):
        encrypt_text(KEY, SUBJECT, TEXT, AAD, nonce=bytes(8))
    with pytest.raises(InvalidKeyMaterial):
        decrypt_text(bytes(31), encrypt_text(KEY, SUBJECT, TEXT, AAD), AAD)


def test_truncated_nonce_in_stored_field_fails_as_undecryptable() -> None:
    """A stored field whose nonce has the wrong length is undecryptable, not a crash."""
    sealed = encrypt_text(KEY, SUBJECT, TEXT, AAD)
    broken = EncryptedText(subject=SUBJECT, nonce=sealed.nonce[:8], ciphertext=sealed.ciphertext)
    with pytest.raises(FieldUndecryptable):
        decrypt_text(KEY, broken, AAD)


def test_new_subject_keys_are_32_random_bytes() -> None:
    """Fresh subject keys are 32 bytes and differ from each other."""
    keys = {new_subject_key() for _ in range(8)}
    assert len(keys) == 8
    assert {len(key) for key in keys} == {32}


def test_derived_nonces_repeat_only_for_identical_input() -> None:
    """The synthetic IV is the same for the same text, subject and field, and differs when any of them does."""
    from ketenhub.core.privacy import derived_nonce

    nonce = derived_nonce(KEY, SUBJECT, TEXT, AAD)
    assert nonce == derived_nonce(KEY, SUBJECT, TEXT, AAD) and len(nonce) == 12
    assert nonce != derived_nonce(KEY, SUBJECT, TEXT + ".", AAD)
    assert nonce != derived_nonce(KEY, SUBJECT, TEXT, AAD + b"x")
    assert nonce != derived_nonce(KEY, SUBJECT + "0", TEXT, AAD)
    sealed = encrypt_text(KEY, SUBJECT, TEXT, AAD, nonce)
    assert decrypt_text(KEY, sealed, AAD) == TEXT
