"""The anonymous-tip file format: JSON and CSV read alike, reporter identity stripped, bad files refused."""

from __future__ import annotations

import json
import re

import pytest

from connectors.anonymous_tips.tip_format import parse_tip_file, redact
from connectors.sdk.errors import InputRefused
from ketenhub.core.reporter_fields import is_reporter_field

TIP = {
    "tip_id": "MMA-1",
    "received_at": "2025-11-03T09:15:00+01:00",
    "exploitation_forms": ["LABOUR"],
    "area_code": "2261",
}


def as_json(*tips: dict[str, object]) -> bytes:
    return json.dumps(list(tips)).encode()


def test_json_and_csv_give_the_same_tip() -> None:
    """A tip reads the same from a JSON list and from a CSV row with ';'-separated lists."""
    from_json = parse_tip_file("t.json", as_json(TIP | {"indicators": ["A_B", "C_D"]})).tips
    csv = (
        "tip_id,received_at,exploitation_forms,area_code,indicators\n"
        "MMA-1,2025-11-03T09:15:00+01:00,LABOUR,2261,A_B; C_D\n"
    )
    from_csv = parse_tip_file("t.csv", csv.encode("utf-8-sig")).tips
    assert from_json == from_csv
    assert from_json[0].case_id == "tip-mma-1"
    assert from_json[0].received_utc.isoformat() == "2025-11-03T08:15:00+00:00"


@pytest.mark.parametrize(
    "name",
    [
        "reporter",
        "Reporter_Name",
        "reporter-phone",
        "melder",
        "caller_id",
        "Contact Details",
        "name",
        "E-mail",
        "phone",
    ],
)
def test_reporter_fields_are_recognised(name: str) -> None:
    """Every spelling of a reporter field is recognised as one."""
    assert is_reporter_field(name)


@pytest.mark.parametrize("name", ["persons", "description", "tip_id", "area_code"])
def test_tip_fields_are_not_reporter_fields(name: str) -> None:
    """The tip's own fields are kept."""
    assert not is_reporter_field(name)


def test_reporter_fields_are_stripped_and_only_counted() -> None:
    """Reporter values are dropped as the file is read; the result keeps field names and counts only."""
    parsed = parse_tip_file(
        "t.json",
        as_json(
            TIP | {"reporter": {"name": "X Synthetic"}, "phone": "0611111111"},
            TIP | {"tip_id": "MMA-2"},
        ),
    )
    assert parsed.stripped_fields == {"reporter", "phone"} and parsed.stripped_values == 2
    assert "0611111111" not in repr(parsed) and "X Synthetic" not in repr(parsed)


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("call 06-12345678 or 070 123 4567", "call [removed] or [removed]", 2),
        ("+31 6 12345678, 0031612345678", "[removed], [removed]", 2),
        ("mail a.b+c@example.co.uk!", "mail [removed]!", 1),
        ("mail someone [at] example.nl or someone @ example.nl", "mail [removed] or [removed]", 2),
        ("call (06) 12345678 or 06 - 12 34 56 78", "call [removed] or [removed]", 2),
        ("abroad: +31 6-1234-5678.", "abroad: [removed].", 1),
        ("BSN 111 222 333, not 111 222 334", "BSN [removed], not 111 222 334", 1),
        (
            "on 2025-11-03 09:15 at 2261, room 12 of 15",
            "on 2025-11-03 09:15 at 2261, room 12 of 15",
            0,
        ),
    ],
)
def test_contact_details_are_removed_from_descriptions(
    text: str, expected: str, count: int
) -> None:
    """Phone numbers and e-mail addresses become [removed]; dates, postcodes and small numbers stay."""
    assert redact(text) == (expected, count)


@pytest.mark.parametrize(
    ("tip", "message"),
    [
        (
            TIP | {"licence_plate": "XX-999-X"},
            "t.json tip 1: licence_plate: is not part of the tip format",
        ),
        (
            TIP | {"received_at": "2025-11-03T09:15:00"},
            "t.json tip 1: received_at: Input should have timezone info",
        ),
        (TIP | {"area_code": "2261 AB 12"}, "t.json tip 1: area_code: String should match pattern"),
        (
            TIP | {"exploitation_forms": []},
            "t.json tip 1: exploitation_forms: List should have at least 1 item",
        ),
        (
            TIP | {"indicators": ["lives at work with Jan"]},
            "t.json tip 1: indicators.0: String should match pattern",
        ),
    ],
    ids=["unknown-field", "naive-time", "full-address", "no-form", "free-text-indicator"],
)
def test_a_bad_tip_refuses_the_file_naming_field_and_rule_but_not_value(
    tip: dict[str, object], message: str
) -> None:
    """The refusal says which tip and field broke which rule, and never repeats the value."""
    with pytest.raises(InputRefused) as refused:
        parse_tip_file("t.json", as_json(TIP | {"tip_id": "MMA-0"}, tip))
    text = str(refused.value).replace("tip 2", "tip 1")
    assert text.startswith(message)
    assert not any(str(v) in text for k, v in tip.items() if k not in TIP or v != TIP[k])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("t.json", b"{not json", "t.json: not valid JSON"),
        (
            "t.json",
            b'{"other": []}',
            't.json: a JSON tip file is a list of tips or {"tips": [...]}',
        ),
        ("t.json", b"[]", "t.json: holds no tips"),
        ("t.csv", b"tip_id\n\xff\n", "t.csv: not UTF-8"),
        (
            "t.csv",
            b"tip_id,area_code\nA,2261,extra\n",
            "t.csv: row 1 has more cells than the header",
        ),
        ("t.json", json.dumps([TIP, TIP]).encode(), "t.json: a tip_id occurs more than once"),
    ],
)
def test_a_malformed_file_is_refused_whole(name: str, data: bytes, message: str) -> None:
    """A file that is not JSON/CSV of tips is refused with what is wrong with it."""
    with pytest.raises(
        InputRefused,
        match="^" + re.escape(message),
    ):
        parse_tip_file(name, data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bel 06\u201312345678 na zessen", "bel [removed] na zessen"),
        ("bel \uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18!", "bel [removed]!"),
        ("bel 06\u200b1234\u200b5678.", "bel [removed]."),
        ("mail kees at werk dot nl", "mail [removed]"),
        ("mail jan(a)example.nl of jan[at]example[.]nl", "mail [removed] of [removed]"),
        ("mail jan\uff20example.nl", "mail [removed]"),
        ("works at bol.com; visit-01-2025-0003", "works at bol.com; visit-01-2025-0003"),
    ],
)
def test_contact_details_in_unicode_or_spelled_out_are_removed(text: str, expected: str) -> None:
    """En dashes, fullwidth characters, zero-width spaces and spelled-out addresses are redacted
    whole; ordinary words and ids of dates and counters stay."""
    assert redact(text)[0] == expected


@pytest.mark.parametrize("invisible", [" ", "\u200b", "\u00a0\u00ad"])
def test_a_person_with_nothing_visible_refuses_the_file(invisible: str) -> None:
    """An identifier of spaces or invisible characters would be everyone's pseudonym: the file is refused."""
    with pytest.raises(InputRefused, match="nothing visible"):
        parse_tip_file("t.json", as_json(TIP | {"persons": ["synthetic-person-1", invisible]}))
