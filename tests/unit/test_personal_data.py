"""Direct identifiers in text: BSNs (eleven-test), e-mail addresses and Dutch phone numbers."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ketenhub.core.identifiers import is_opaque_id, is_pseudonym, new_opaque_id
from ketenhub.core.personal_data import (
    REDACTED,
    PersonalDataKind,
    find_personal_data,
    passes_eleven_test,
    personal_data_in,
    redact,
)
from ketenhub.core.personal_data_patterns import BSN as BSN_PATTERN
from ketenhub.core.personal_data_patterns import EMAIL as EMAIL_PATTERN
from ketenhub.core.personal_data_patterns import PHONE as PHONE_PATTERN
from ketenhub.core.text_folding import fold

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


def _bsns(count: int) -> list[str]:
    """``count`` synthetic BSNs, each passing the eleven-test."""
    rng = random.Random(2025)
    return [synthetic_bsn(rng) for _ in range(count)]


@pytest.mark.parametrize("bsn", _bsns(3))
def test_a_bsn_is_found_however_it_is_glued_or_split_inside_an_id(bsn: str) -> None:
    """Dash, slash and underscore groups, a zero-width space, a hex-looking prefix, a date
    before it and a zero-padded UUID do not hide a BSN."""
    a, b, c = bsn[:3], bsn[3:6], bsn[6:]
    written = (
        f"case-{a}-{b}-{c}",
        f"case-123-{a}-{b}-{c}",
        f"seen {a}/{b}/{c} twice",
        f"ref {a}_{b}_{c}",
        f"case-{a}\u200b{b}\u2060{c}",
        f"ref-aaaaaaa{bsn}",
        f"ref-{bsn}abcdef0123456789",
        f"zaak-2025-11-03-{bsn}",
        f"00000000-0000-4000-8000-000{bsn}",
    )
    assert [find_personal_data(text) for text in written] == [BSN] * len(written)


@pytest.mark.parametrize(
    "text",
    [
        "tel0612345678",
        "contact0701234567x",
        "case-31612345678",
        "abroad 31612345678",
        "zaak-2025-11-03-0612345678",
        "zaak-2025-11-03t09-0612345678",
        "ref-0123-456789",
        "ref-070-1234567",
        "case-06-12345678",
        "case-06-12-34-56-78",
        "case-0048601234567",
        "00000000-0000-4000-8000-000612345678",
    ],
)
def test_phone_numbers_glued_into_ids_are_found(text: str) -> None:
    """A phone number after letters, after a date, without + or 00 before 31, or zero-padded
    into a UUID is still a phone number."""
    assert find_personal_data(text) is PHONE


@pytest.mark.parametrize(
    "text",
    [
        "visit-01-2025-0003",
        "case-0042-2025-0001",
        "meeting-07-2025-0012",
        "meeting-06-2025-0012",
        "controledag-03012025",
        "case-2025-0001",
        "ref-2025-007",
        "tip-mma-2025-00001",
        "case-0001-234567",
        "case-0100-000001",
        "visit-2025-11-03-v12",
        "buurt BU03630000",
        "550e8400-e29b-41d4-a716-446655440000",
    ],
)
def test_ids_of_short_digit_groups_dates_and_counters_are_not_personal_data(text: str) -> None:
    """Month-year-counter ids, padded counters and compact dates are not phone numbers or BSNs."""
    assert find_personal_data(text) is None


def test_no_compact_date_of_2020_to_2030_in_an_id_is_a_bsn() -> None:
    """Every day of 2020-2030, written DDMMYYYY or YYYYMMDD inside an id, passes."""
    day, refused = dt.date(2020, 1, 1), []
    while day.year <= 2030:
        for compact in (day.strftime("%d%m%Y"), day.strftime("%Y%m%d")):
            if find_personal_data(f"controledag-{compact}") is not None:
                refused.append(compact)
        day += dt.timedelta(days=1)
    assert refused == []


@pytest.mark.parametrize(
    "text",
    [
        "bel \uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
        "bel 06\u201312345678",
        "bel 06\u201112345678",
        "bel 06\u00a012\u00a034\u00a056\u00a078",
        "bel 06\u200b12345678",
        "bel \u0660\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    ],
)
def test_phone_numbers_in_unicode_notation_are_found(text: str) -> None:
    """Fullwidth or other-script digits, en dashes, non-breaking hyphens and spaces, and
    zero-width characters do not hide a phone number."""
    assert find_personal_data(text) is PHONE


@pytest.mark.parametrize(
    "text",
    [
        "someone\uff20example.nl",
        "some\u200bone@exam\u00adple.nl",
        "kees at werk dot nl",
        "naam apenstaartje domein punt nl",
        "jan(a)example.nl",
        "jan[at]example[.]nl",
        "jan@example dot nl",
    ],
)
def test_email_addresses_in_unicode_or_spelled_out_are_found(text: str) -> None:
    """A fullwidth at sign, invisible characters, spelled at/dot/punt and (a) or [.] still
    make an e-mail address."""
    assert find_personal_data(text) is EMAIL


@pytest.mark.parametrize(
    "text",
    [
        "works at bol.com since May",
        "he was at home dot dot dot",
        "Hij at brood punt uit",
        "option (a) and option (b)",
    ],
)
def test_the_word_at_in_a_sentence_is_no_email_address(text: str) -> None:
    """Without a spelled dot before a known top-level domain, a bare 'at' is just a word."""
    assert find_personal_data(text) is None


def test_redact_replaces_the_number_where_it_stands_in_the_original_text() -> None:
    """The span replaced is that of the original characters, invisible ones included: no
    digit of the number is left behind."""
    bsn = _bsns(1)[0]
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in "0612345678")
    text = (
        f"bel {fullwidth} of 06\u201312\u00a034\u00a056\u00a078, "
        f"BSN {bsn[:4]}\u200b{bsn[4:]}, mail jan\uff20example.nl."
    )
    assert redact(text) == ("bel [removed] of [removed], BSN [removed], mail [removed].", 4)


ADVERSARIAL_UNITS = ["a", "a.", "a at ", "a@a.", "0", "06 ", "06-", "111-", "+1 ", "(0", "a[at]"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", [*ADVERSARIAL_UNITS, "\u2013", "\u200b1"])
def test_a_long_adversarial_text_is_searched_in_linear_time(unit: str) -> None:
    """100 kB of a repeated fragment that would make a backtracking pattern explode is searched
    at once (this test hangs if a pattern backtracks catastrophically)."""
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    redacted, count = redact(text)
    assert len(personal_data_in(text)) == count
    assert count == 0 or REDACTED in redacted
    assert personal_data_in("") == [] and redact("") == ("", 0)


SHORT_TEXT_UNITS = ["0", "1", "7", "06", "31", "+", "-", ".", "/", "_", ",", ":", "#", "a", "f"]
SHORT_TEXT_UNITS += ["at", "dot", "nl", "\uff10", "\uff16", "\u2013", "\u200b", "case-", "psn-"]


@pytest.mark.parametrize("seed", range(3))
def test_no_pattern_matches_a_text_with_under_eight_digits_and_no_at_bracket_or_space(
    seed: int,
) -> None:
    """What the quick pre-check relies on: a folded text with fewer than 8 ASCII digits and no
    ``@``, bracket or whitespace matches no BSN, phone or e-mail pattern, so skipping the
    search for it changes no finding."""
    rng = random.Random(seed)
    tried = 0
    while tried < 3000:
        folded = fold("".join(rng.choices(SHORT_TEXT_UNITS, k=rng.randrange(1, 16)))).text
        signs = [c for c in folded if c in "@[({<" or c.isspace()]
        if sum(c.isdigit() for c in folded) >= 8 or signs:
            continue
        tried += 1
        patterns = (BSN_PATTERN, PHONE_PATTERN, EMAIL_PATTERN)
        assert [p.pattern for p in patterns if p.search(folded)] == [], folded
        assert personal_data_in(folded) == []


def test_a_short_text_gets_the_same_verdict_every_time() -> None:
    """Verdicts on short texts are remembered: asking again, in any order, gives the same kind."""
    texts = ["case-2025-0001", "0612345678", "jan@example.nl", f"case-{_bsns(1)[0]}", "a1"]
    first = [find_personal_data(text) for text in texts]
    again = [find_personal_data(text) for text in reversed(texts)][::-1]
    assert first == again == [None, PHONE, EMAIL, BSN, None]
