"""`ketenhub publish` refuses every kind of bad line on its own, never with a traceback, and ids reveal nothing."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ketenhub.contract.models import SignalReceived
from ketenhub.core.identifiers import is_pseudonym
from ketenhub.core.personal_data import passes_eleven_test
from ketenhub.core.privacy import associated_data
from ketenhub.json_events import InvalidEventLine, event_from_json
from ketenhub.protection.keystore import SqliteKeyStore
from ketenhub.protection.protector import KeyStoreProtector

Run = Callable[..., subprocess.CompletedProcess[str]]

CHANNEL, TARGET = "SOCIAL_MEDIA", "GENERAL_PUBLIC"
SIGNAL = {
    "type": "SignalReceived",
    "occurred_at": "2025-11-03T09:15:00+01:00",
    "case_id": "case-lines-0001",
    "channel": "INTERNAL_ROUTE",
    "reporter_role": "CASEWORKER_WMO",
    "exploitation_forms": ["LABOUR"],
    "indicators": [],
    "location": {"municipality_code": "GM1916", "area_code": "2264"},
    "persons": ["synthetic-person-1"],
    "free_text": "Workers say they sleep in the storage room.",
}


def synthetic_bsns() -> Iterator[str]:
    """Nine-digit numbers that pass the eleven-test, counted up from a synthetic start."""
    number = 100_000_000
    while True:
        number += 1
        if passes_eleven_test(str(number)):
            yield str(number)


def line(**changes: object) -> str:
    """One JSON line: the synthetic signal with ``changes`` applied."""
    return json.dumps({**SIGNAL, **changes})


@pytest.fixture
def protector(tmp_path: Path) -> Iterator[KeyStoreProtector]:
    store = SqliteKeyStore(tmp_path / "subjects.sqlite")
    opened = KeyStoreProtector(bytes(range(32)), store)
    yield opened
    opened.close()


BAD_LINES = {
    "deeply nested JSON": "[" * 100_000 + "]" * 100_000,
    "persons as a number": line(persons=5),
    "a date beyond the calendar": line(occurred_at="9999-12-31T23:59:59-12:00"),
    "a time without a zone": line(occurred_at="2025-11-03T09:15:00"),
    "a boolean as a count": json.dumps(
        {
            "type": "CampaignHeld",
            "occurred_at": "2025-03-01T10:00:00+01:00",
            "campaign_id": "campaign-1",
            "channel": CHANNEL,
            "target_group": TARGET,
            "reach": True,
        }
    ),
    "an integer beyond Avro's int": json.dumps(
        {
            "type": "CampaignHeld",
            "occurred_at": "2025-03-01T10:00:00+01:00",
            "campaign_id": "campaign-1",
            "channel": CHANNEL,
            "target_group": TARGET,
            "reach": 2**31,
        }
    ),
    "a list where a line must be an object": "[1, 2, 3]",
    "an unknown type with control characters": json.dumps({"type": "Sig\x1b[31mnal"}),
    "recorded_by of another partner": line(recorded_by="pol\x1b]0;x\x07ice"),
    "free text holding a BSN": line(free_text="Her number is 1112.22.333 says the caseworker."),
    "free text holding a phone number": line(free_text="Call back on 06 - 12 34 56 78."),
    "a text subject that is no string": line(free_text={"subject": 7, "text": "x"}),
    "a key given twice": line()[:-1] + ', "case_id": "case-lines-0099"}',
    "an unpaired surrogate": line()[:-1] + ', "recorded_by": "\\ud800"}',
    "an empty identifier": line(persons=[" "]),
    "an identifier of invisible characters only": line(persons=["\u200b\u00ad"]),
}


@pytest.mark.parametrize("reason", list(BAD_LINES))
def test_each_bad_line_is_one_refusal_naming_its_number(
    reason: str, protector: KeyStoreProtector
) -> None:
    """Every kind of bad line raises InvalidEventLine with its number; the message repeats no raw value."""
    with pytest.raises(InvalidEventLine) as refused:
        event_from_json(BAD_LINES[reason].encode(), 7, "municipal-staff", protector)
    message = str(refused.value)
    assert message.startswith("line 7: ")
    assert all(ch.isprintable() for ch in message), message
    for secret in ("1112.22.333", "12 34 56 78", "\x1b", "\x07"):
        assert secret not in message


def test_bytes_that_are_not_utf8_are_refused_with_their_column(
    protector: KeyStoreProtector,
) -> None:
    """A line with a byte that is not UTF-8 is refused, naming the column, not the byte."""
    raw = line().encode().replace(b"LABOUR", b"LAB\xffOUR")
    with pytest.raises(
        InvalidEventLine, match=r"line 3: not UTF-8 text \(invalid byte at column \d+\)"
    ):
        event_from_json(raw, 3, "municipal-staff", protector)


def test_event_ids_are_keyed_over_the_protected_event(
    tmp_path: Path, protector: KeyStoreProtector
) -> None:
    """The derived id is the same for the same line and differs under another secret, even for equal stored content."""
    bsn = next(synthetic_bsns())
    text = line(persons=[bsn])
    first = event_from_json(text, 1, "municipal-staff", protector).event
    again = event_from_json(text, 1, "municipal-staff", protector).event
    other_store = SqliteKeyStore(tmp_path / "other.sqlite")
    other = KeyStoreProtector(bytes(range(1, 33)), other_store)
    try:
        elsewhere = event_from_json(text, 1, "municipal-staff", other).event
    finally:
        other.close()
    assert first.event_id == again.event_id != elsewhere.event_id
    assert first.event_id.version == 8
    stored_form = line(persons=[first.persons[0]], free_text=None)  # nothing left to protect
    ours = event_from_json(stored_form, 1, "municipal-staff", protector).event
    other = KeyStoreProtector(bytes(range(1, 33)), SqliteKeyStore(tmp_path / "other.sqlite"))
    try:
        theirs = event_from_json(stored_form, 1, "municipal-staff", other).event
    finally:
        other.close()
    assert ours.model_dump(exclude={"event_id"}) == theirs.model_dump(exclude={"event_id"})
    assert ours.event_id != theirs.event_id  # so the id is keyed, not a hash of what is stored
    assert isinstance(first, SignalReceived) and all(is_pseudonym(p) for p in first.persons)


def test_a_given_event_id_is_kept(protector: KeyStoreProtector) -> None:
    """An event_id in the line is the partner's own and is kept as given."""
    given = uuid.uuid4()
    parsed = event_from_json(line(event_id=str(given)), 1, "municipal-staff", protector)
    assert parsed.event.event_id == given


def test_the_anonymous_channel_has_reporter_and_contact_details_stripped(
    protector: KeyStoreProtector,
) -> None:
    """As the anonymous channel, reporter_role is dropped and contact details are removed from free text."""
    text = line(
        channel="ANONYMOUS_TIP",
        free_text="Reach the tipster at tipgever [at] example.nl or +31 6-1234-5678.",
    )
    parsed = event_from_json(text, 1, "anonymous-tips", protector, anonymous=True)
    assert parsed.stripped_fields == ("reporter_role",) and parsed.redactions == 2
    assert isinstance(parsed.event, SignalReceived) and parsed.event.reporter_role is None
    assert parsed.event.free_text is not None
    clear = protector.decrypt(
        parsed.event.free_text, associated_data("SignalReceived", "free_text")
    )
    assert "example.nl" not in clear and "5678" not in clear and "[removed]" in clear


def test_publishing_as_the_anonymous_channel_drops_every_reporter_field_as_the_connector_does(
    ketenhub: Run, tmp_path: Path
) -> None:
    """Fields naming the reporter (reporter*, melder*, contact*, phone, e-mail, ...) are dropped,
    named escaped and never stored; the tip itself is published and sealed."""
    hub = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(hub))
    phone, mail = "06-55501234", "tipgever@example.nl"
    tip = {
        **SIGNAL,
        "channel": "ANONYMOUS_TIP",
        "persons": [],
        "free_text": "Young women are brought to the house at night.",
        "reporter_phone": phone,
        "Melder Naam": "Placeholder Reporter",
        "contact-email": mail,
        "phone": phone,
        "reporter\x1b[2J": "x",
        f"contact {phone}": "x",
    }
    source = tmp_path / "tip.jsonl"
    source.write_text(json.dumps(tip) + "\n", encoding="utf-8")

    done = ketenhub(
        "publish", "--as", "meld-misdaad-anoniem", str(source), "--data-dir", str(hub), check=False
    )

    assert done.returncode == 0, done.stderr
    assert "published 1 event(s)" in done.stdout and "sealed 1, rejected 0" in done.stdout
    dropped = next(t for t in done.stdout.splitlines() if "dropped reporter field(s)" in t)
    for name in ("reporter_role", "reporter_phone", "Melder Naam", "contact-email", "phone"):
        assert name in dropped
    printed = done.stdout + done.stderr
    assert "\x1b" not in printed and phone not in printed and mail not in printed
    stored = b"".join(p.read_bytes() for p in hub.rglob("*") if p.is_file())
    for value in (phone, mail, "Placeholder Reporter", "55501234"):
        assert value.encode() not in stored


def test_a_refusal_never_repeats_a_key_or_value_holding_personal_data_or_control_characters(
    ketenhub: Run, tmp_path: Path
) -> None:
    """Unknown keys and a foreign recorder are named escaped, or withheld when they hold a phone,
    BSN or e-mail address; an escape sequence is shown as text, never sent to the terminal."""
    hub = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(hub))
    bsn = next(synthetic_bsns())
    lines = [
        json.dumps({**SIGNAL, "bel 06-55501234": 1, "0655501234": 2, "\x1b[31mred": 3}),
        json.dumps({**SIGNAL, "location": {"area_code": "2264", "tipgever@example.nl": 1}}),
        line(recorded_by=bsn),
        json.dumps({"type": f"Signal{bsn}"}),
    ]
    source = tmp_path / "keys.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    done = ketenhub(
        "publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub), check=False
    )

    assert done.returncode == 1 and "refused 4 bad line(s)" in done.stdout
    printed = done.stdout + done.stderr
    for secret in ("55501234", "example.nl", bsn):
        assert secret not in printed
    assert printed.count("(withheld: it holds personal data)") >= 4
    assert "\x1b" not in printed and "'\\x1b[31mred'" in printed  # escaped, as text


def test_publish_refuses_bad_lines_publishes_the_rest_and_exits_non_zero(
    ketenhub: Run, tmp_path: Path
) -> None:
    """A file mixing every bad kind with good lines: good ones published, each bad one named, exit 1, no traceback."""
    hub = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(hub))
    good = [line(case_id=f"case-lines-{n:04d}") for n in range(1, 4)]
    lines = [good[0], *BAD_LINES.values(), good[1], good[2]]
    data = (
        "\n".join(lines).encode()
        + b"\n"
        + line(case_id="case-lines-0009").encode().replace(b"LABOUR", b"\xff\xfe")
        + b"\n"
    )
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(data)

    done = ketenhub(
        "publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub), check=False
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"refused {len(BAD_LINES) + 1} bad line(s)" in done.stdout
    assert "published 3 event(s)" in done.stdout
    refused_numbers = [
        int(text.split()[2].rstrip(":"))
        for text in done.stderr.splitlines()
        if text.startswith("refused line ")
    ]
    assert refused_numbers == [*range(2, 2 + len(BAD_LINES)), len(lines) + 1]
    assert "\x1b" not in done.stderr + done.stdout and "\x07" not in done.stderr + done.stdout
    view = ketenhub("view", "municipality", "--json", "--data-dir", str(hub))
    assert set(json.loads(view.stdout)) == {"case-lines-0001", "case-lines-0002", "case-lines-0003"}


def test_publishing_the_same_file_twice_records_no_second_refusal(
    ketenhub: Run, tmp_path: Path
) -> None:
    """The hub refuses an event once: the same file published again adds nothing to rejected.<partner>."""
    hub = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(hub))
    source = tmp_path / "signals.jsonl"
    source.write_text(
        line() + "\n" + line(case_id="case-lines-0002", channel="POLICE") + "\n", encoding="utf-8"
    )
    first = ketenhub(
        "publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub), check=False
    )
    second = ketenhub(
        "publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub), check=False
    )

    assert first.returncode == 1 and "1 event(s) refused by the hub" in first.stderr
    assert "line 2: the hub refused event" in first.stderr and "NOT_AUTHORIZED" in first.stderr
    assert second.returncode == 0, second.stderr
    listed = ketenhub("rejected", "municipal-staff", "--data-dir", str(hub))
    assert "1 rejected message(s)" in listed.stdout


def test_lines_the_hub_would_refuse_for_what_they_hold_are_never_stored(
    ketenhub: Run, tmp_path: Path
) -> None:
    """Empty ids, control characters or a BSN in an id: refused as lines, escaped, and stored nowhere."""
    hub = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(hub))
    bsn = next(synthetic_bsns())
    source = tmp_path / "ids.jsonl"
    source.write_text(
        "\n".join(
            [
                line(case_id=""),
                line(case_id="case-\x1b[2J-x"),
                line(case_id=f"case-{bsn}"),
                line(case_id="case-lines-0004"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    done = ketenhub(
        "publish", "--as", "municipal-staff", str(source), "--data-dir", str(hub), check=False
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "published 1 event(s)" in done.stdout and "refused 3 bad line(s)" in done.stdout
    for number in (1, 2, 3):
        assert f"refused line {number}: " in done.stderr
    assert "PERSONAL_DATA_IN_FIELD" in done.stderr and "case_id" in done.stderr
    assert "\x1b" not in done.stderr + done.stdout and bsn not in done.stderr + done.stdout
    assert "sealed 1, rejected 0" in done.stdout
    stored = b"".join(p.read_bytes() for p in hub.rglob("*") if p.is_file())
    assert bsn.encode() not in stored


def test_a_victim_of_several_forms_and_a_signal_from_a_school_are_published(
    ketenhub: Run, tmp_path: Path
) -> None:
    """JSON lines carry every form of a victim and the kind of organisation; a second registration is refused."""
    hub = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(hub))
    victim = {
        "type": "VictimIdentified",
        "occurred_at": "2025-11-04T10:00:00+01:00",
        "case_id": "case-lines-0001",
        "victim": "synthetic-victim-1",
        "age_group": "UNDER_18",
        "gender": "FEMALE",
        "exploitation_form": "SEXUAL",
        "other_exploitation_forms": ["CRIMINAL"],
        "residence_status": "DUTCH",
    }
    again = {**victim, "occurred_at": "2025-11-05T10:00:00+01:00", "exploitation_form": "LABOUR"}
    external = line(
        channel="EXTERNAL_ROUTE",
        reporter_role="EXTERNAL_PROFESSIONAL",
        source_organisation="SCHOOL",
    )
    source = tmp_path / "victims.jsonl"
    source.write_text(
        "\n".join([external, json.dumps(victim), json.dumps(again)]) + "\n", encoding="utf-8"
    )
    done = ketenhub(
        "publish", "--as", "municipality", str(source), "--data-dir", str(hub), check=False
    )
    assert done.returncode == 1 and "1 event(s) refused by the hub" in done.stderr
    assert "line 3: the hub refused event" in done.stderr and "ALREADY_EXISTS" in done.stderr
    view = json.loads(ketenhub("view", "municipality", "--json", "--data-dir", str(hub)).stdout)
    assert list(view) == ["case-lines-0001"]
    listed = ketenhub("rejected", "municipality", "--data-dir", str(hub)).stdout
    assert "1 rejected message(s)" in listed and "other_exploitation_forms" in listed
