"""One person, one pseudonym: an identifier is pseudonymised in one canonical form."""

from __future__ import annotations

import pytest

from ketenhub.core.identifier_form import canonical_identifier
from ketenhub.core.personal_data import passes_eleven_test
from ketenhub.protection.keystore import SqliteKeyStore
from ketenhub.protection.protector import KeyStoreProtector

BSN = "111222333"  # passes the eleven-test; synthetic


@pytest.mark.parametrize(
    "written",
    [
        BSN,
        f" {BSN}\n",
        "111 222 333",
        "1112.22.333",
        "111-222-333",
        "".join(chr(0xFF10 + int(d)) for d in BSN),
        "111\u200b222333",
    ],
)
def test_a_bsn_in_any_written_form_is_its_nine_digits(written: str) -> None:
    """Spaces, dots, dashes, fullwidth digits and invisible characters do not make another person."""
    assert canonical_identifier(written) == BSN


def test_an_eight_digit_bsn_gets_its_leading_zero() -> None:
    """An 8-digit BSN is the same number as the 9-digit one with a leading zero."""
    eight = next(str(n) for n in range(11_000_000, 12_000_000) if passes_eleven_test(str(n)))
    assert canonical_identifier(eight) == canonical_identifier(f"0{eight}") == f"0{eight}"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("  Placeholder\u00a0 Person ", "Placeholder Person"),
        ("Jean\u2013Pierre", "Jean-Pierre"),
        ("synthetic-person-1", "synthetic-person-1"),
        ("20250103", "20250103"),  # a compact date is no BSN: kept as written
        ("111222334", "111222334"),  # fails the eleven-test: kept as written
    ],
)
def test_other_identifiers_lose_only_spacing_and_notation(written: str, canonical: str) -> None:
    """Names and other ids keep their letters and digits; only spacing and dash forms are folded."""
    assert canonical_identifier(written) == canonical


@pytest.mark.parametrize(
    "decomposed",
    ["Jose\u0301 Synthetisch", "Zoe\u0308 Synthetisch", "Franc\u0327ois Synthetisch"],
)
def test_a_name_has_one_form_composed_or_decomposed(decomposed: str) -> None:
    """An accent written as a combining mark (NFD, as macOS and some databases store it) is the composed letter."""
    import unicodedata

    composed = unicodedata.normalize("NFC", decomposed)
    assert canonical_identifier(decomposed) == canonical_identifier(composed)
    unaccented = "".join(c for c in decomposed if not unicodedata.combining(c))
    assert canonical_identifier(decomposed) != canonical_identifier(unaccented)


@pytest.mark.parametrize("invisible", ["", "   ", "\u200b", "\u00ad\u200d", "\n\t"])
def test_nothing_visible_is_the_empty_identifier(invisible: str) -> None:
    """An identifier of invisible characters only is empty (publish refuses it)."""
    assert canonical_identifier(invisible) == ""


def test_the_hubs_protector_gives_every_written_form_one_pseudonym(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The pseudonym of a BSN does not depend on how it was written; another number gets another."""
    protector = KeyStoreProtector(bytes(range(32)), SqliteKeyStore(tmp_path / "subjects.sqlite"))
    try:
        forms = {protector.pseudonym(w) for w in (BSN, "111 222 333", "1112.22.333")}
        assert len(forms) == 1
        assert protector.pseudonym("111222334") not in forms
    finally:
        protector.close()
