"""Direct identifiers in text: BSNs (eleven-test), e-mail addresses and Dutch phone numbers."""

from __future__ import annotations

import random

import pytest

from ketenhub.core.identifiers import is_opaque_id, is_pseudonym, new_opaque_id
from ketenhub.core.personal_data import (
    PersonalDataKind,
    find_personal_data,
    passes_eleven_test,
    redact,
)

BSN, EMAIL, PHONE = PersonalDataKind.BSN, PersonalDataKind.EMAIL, PersonalDataKind.PHONE


def synthetic_bsn(rng: random.Random) -> str:
    """A random 9-digit number that passes the eleven-test (synthetic, issued to nobody known)."""
    while True:
        digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(7)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def failing_eleven_test(bsn: str) -> str:
    """The same number with its last digit changed so that it fails the eleven-test."""
    return bsn[:8] + str((int(bsn[8]) + 1) % 10)


@pytest.mark.parametrize("seed", range(5))
def test_numbers_passing_the_eleven_test_are_bsns_in_every_written_form(seed: int) -> None:
    """A synthetic BSN is found bare, grouped with spaces or dots, and inside an id."""
    bsn = synthetic_bsn(random.Random(seed))
    written = (
        bsn,
        f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}",
        f"{bsn[:3]}.{bsn[3:6]}.{bsn[6:]}",
        f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}",
        f"case-{bsn}",
        f"BSN {bsn} (synthetic)",
    )
    assert [find_personal_data(text) for text in written] == [BSN] * len(written)


@pytest.mark.parametrize("seed", range(5))
def test_a_nine_digit_number_failing_the_eleven_test_is_no_bsn(seed: int) -> None:
    """Nine digits that fail the eleven-test are just a number."""
    number = failing_eleven_test(synthetic_bsn(random.Random(seed)))
    assert not passes_eleven_test(number)
    assert find_personal_data(number) is None


def test_an_eight_digit_bsn_is_found_but_a_compact_date_is_not() -> None:
    """Eight digits passing the eleven-test are a BSN, unless they read as a date YYYYMMDD."""
    eight = next(str(n) for n in range(10_000_000, 10_001_000) if passes_eleven_test(str(n)))
    assert find_personal_data(f"ref {eight}") is BSN
    assert find_personal_data("20240115") is None


@pytest.mark.parametrize(
    "text",
    [
        "someone@example.nl",
        "a.b+c@example.co.uk",
        "someone [at] example.nl",
        "someone @ example.nl",
        "someone(at)example.nl",
        "someone at-sign: someone[at]example[dot]nl",
    ],
)
def test_email_addresses_are_found_also_when_obfuscated(text: str) -> None:
    """E-mail addresses are found as written and as people obfuscate them."""
    assert find_personal_data(text) is EMAIL


@pytest.mark.parametrize(
    "text",
    [
        "0612345678",
        "06-12345678",
        "(06) 12345678",
        "06 - 12 34 56 78",
        "+31 6-1234-5678",
        "+31 (0)6 12345678",
        "0031 6 12345678",
        "070-1234567",
        "(070) 123 4567",
        "call 010 - 123 45 67 today",
    ],
)
def test_dutch_phone_numbers_are_found_in_their_usual_notations(text: str) -> None:
    """Mobile, landline and international notations of Dutch numbers are phone numbers."""
    assert find_personal_data(text) is PHONE


@pytest.mark.parametrize(
    "text",
    [
        "2264",
        "2261 AB",
        "GM1916",
        "WK191601",
        "BU19160101",
        "2025",
        "2025-11-03",
        "3-11-2025",
        "15.01.2024",
        "01-02-2024 10:30",
        "2025-11-03T09:15:00+01:00",
        "12:30",
        "550e8400-e29b-41d4-a716-446655440000",
        "12345678-1234-1234-1234-123456789012",
        "psn-0123456789abcdef0123456789abcdef",
        "case-2025-0042",
        "control-day-2025-01-v3",
        "people encountered: 12 of 1500",
        "1.111.222.333",
        "room 12 of 15 at 2261",
    ],
)
def test_codes_dates_times_uuids_and_counts_are_no_personal_data(text: str) -> None:
    """Area codes, municipality codes, years, dates, times, UUIDs, digests and counts pass."""
    assert find_personal_data(text) is None


def test_redact_replaces_every_occurrence_and_counts_them() -> None:
    """Each identifier becomes [removed]; the count says how many; the rest of the text stays."""
    bsn = synthetic_bsn(random.Random(7))
    text = (
        f"Seen on 2025-11-03 at 2261. Call (06) 12345678 or 06 - 12 34 56 78 or +31 6-1234-5678, "
        f"mail someone [at] example.nl or someone @ example.nl; BSN {bsn[:3]} {bsn[3:6]} {bsn[6:]}."
    )
    redacted, count = redact(text)
    assert count == 6
    assert redacted == (
        "Seen on 2025-11-03 at 2261. Call [removed] or [removed] or [removed], "
        "mail [removed] or [removed]; BSN [removed]."
    )


def test_pseudonyms_have_one_strict_format() -> None:
    """Only psn- with 32 lowercase hex characters is a pseudonym; a name after psn- is not."""
    assert is_pseudonym("psn-0123456789abcdef0123456789abcdef")
    for value in ("psn-Jan de Vries", "psn-victim-1", "psn-0123456789ABCDEF0123456789ABCDEF", ""):
        assert not is_pseudonym(value)


def test_opaque_ids_are_lowercase_letters_digits_and_dashes() -> None:
    """Ids are 1-64 lowercase letters, digits and dashes; spaces, capitals and @ are refused."""
    assert is_opaque_id("case-2025-0001") and is_opaque_id("a1")
    for value in ("Case 1", "-case", "case_1", "a" * 65, "x@example.nl", ""):
        assert not is_opaque_id(value)


def test_new_opaque_ids_are_never_mistaken_for_personal_data() -> None:
    """Generated ids have the opaque format and hold no BSN- or phone-like number."""
    ids = [new_opaque_id("decision") for _ in range(200)]
    assert all(is_opaque_id(i) and find_personal_data(i) is None for i in ids)
