"""`ketenhub retention run` reaches the data subjects of messages the hub refused: one named only
in a refused message is erased when `refused_inputs` has run from the refusal and not a day
before; one also named in a sealed case keeps the case's longer period; afterwards the chain and
checkpoints verify and no stored byte holds the erased key or text."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ketenhub.codec.cloudevents import build_headers
from ketenhub.codec.single_object import decode_event, encode_event
from ketenhub.contract import models as m
from ketenhub.core.privacy import associated_data
from ketenhub.core.refused_inputs import refused_input
from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.sqlite_log import SqliteTopicLog
from ketenhub.topic_log import LogRecord, read_all
from tests.retention_setup import erasures, signal_line
from tests.retention_setup import line as shared_line
from tests.unit.synthetic import Story

Run = Callable[..., subprocess.CompletedProcess[str]]
ONLY, BOTH = "synthetic-person-refused-only", "synthetic-person-refused-both"  # clear identifiers
SEALED_TEXT = "Synthetic text delta: sleeps above the bakery."
REFUSED_TEXTS = {
    ONLY: "Synthetic text echo: sent twice by mistake.",
    BOTH: "Synthetic text foxtrot: the same person again.",
}
TODAY = dt.datetime.now(dt.UTC).date()
CLOSED_ON = TODAY - dt.timedelta(
    days=1
)  # the sealed case's close: its period outlasts the refusal's


def line(**fields: object) -> str:
    """A JSON line of ``ketenhub publish``."""
    return shared_line(**fields) + "\n"


def signal(person: str, text: str, day: dt.date) -> str:
    """A signal about ``person`` of case-rref-0001, its text keyed to the person."""
    return signal_line("case-rref-0001", person, text, f"{day}T00:00:01+00:00") + "\n"


def publish(ketenhub: Run, hub: Path, partner: str, text: str, *, check: bool = True) -> None:
    """Publish JSON lines as ``partner`` from a file."""
    path = hub.parent / f"{partner}.jsonl"
    path.write_text(text, encoding="utf-8")
    ketenhub("publish", "--as", partner, str(path), "--data-dir", str(hub), check=check)
    path.unlink()


@pytest.fixture
def hub(ketenhub: Run, tmp_path: Path) -> tuple[Path, str]:
    """A case about BOTH, sealed and closed yesterday; then two signals for the closed case, about
    ONLY and about BOTH, which the hub refuses (their keys were made when they were encrypted).
    The data folder and the fingerprint of its hub key, as `ketenhub init` printed it."""
    folder = tmp_path / "hub"
    printed = ketenhub("init", "--data-dir", str(folder)).stdout
    fingerprint = re.search(r"fingerprint \(SHA-256\): ([0-9a-f]{64})", printed)
    assert fingerprint is not None
    publish(ketenhub, folder, "municipal-staff", signal(BOTH, SEALED_TEXT, CLOSED_ON))
    close = line(
        type="CaseClosed",
        occurred_at=f"{CLOSED_ON}T00:00:02+00:00",
        case_id="case-rref-0001",
        reason="NOT_TRAFFICKING",
    )
    publish(ketenhub, folder, "municipality", close)
    again = signal(ONLY, REFUSED_TEXTS[ONLY], TODAY) + signal(BOTH, REFUSED_TEXTS[BOTH], TODAY)
    publish(ketenhub, folder, "municipal-staff", again, check=False)
    return folder, fingerprint[1]


def refused_records(hub: Path) -> list[LogRecord]:
    """The records of rejected.municipal-staff."""
    log = SqliteTopicLog(hub / "log.sqlite")
    try:
        return list(read_all(log, "rejected.municipal-staff"))
    finally:
        log.close()


def refused_texts(hub: Path) -> list[str]:
    """The free texts of the refused signals, decrypted with the hub's keys as they are now."""
    protector = HubFolder(hub).protector()
    try:
        shown = []
        for record in refused_records(hub):
            event = decode_event(record.value or b"")
            assert isinstance(event, m.SignalReceived) and event.free_text is not None
            bound = associated_data(event.EVENT_TYPE, "free_text")
            shown.append(protector.decrypt(event.free_text, bound))
        return shown
    finally:
        protector.close()


def listed(printed: str) -> list[str]:
    """The subjects a run lists to erase."""
    return re.findall(r"^  (psn-[0-9a-f]{32})  retention: ", printed, re.MULTILINE)


def test_a_subject_only_in_a_refused_message_is_erased_when_its_period_has_run(
    ketenhub: Run, hub: tuple[Path, str]
) -> None:
    """Not on the 89th day after the refusal, on the 90th (dry run lists, run erases, reason kept);
    BOTH only once its sealed case's 365 days have run; the history verifies; no stored byte holds
    ONLY's key or its text, which the refused record held readable before."""
    folder, fingerprint = hub
    pin = ("--trusted-key", fingerprint, "--data-dir", str(folder))
    records = refused_records(folder)
    assert len(records) == 2, "the hub refused both signals for the closed case"
    refused_on = refused_input(records[0]).refused_on
    protector = HubFolder(folder).protector()
    only, both = protector.pseudonym(ONLY), protector.pseudonym(BOTH)
    protector.close()
    with sqlite3.connect(folder / "keys" / "subjects.sqlite") as db:
        ((key,),) = db.execute("SELECT key FROM subject_keys WHERE subject = ?", (only,))
    assert refused_texts(folder) == [REFUSED_TEXTS[ONLY], REFUSED_TEXTS[BOTH]]

    def run(day: dt.date, *extra: str) -> str:
        return ketenhub("retention", "run", "--as-of", str(day), *extra, *pin).stdout

    day_before = refused_on + dt.timedelta(days=89)
    assert listed(run(day_before, "--dry-run")) == []
    assert "nothing to erase" in run(day_before, "--yes")
    expiry = refused_on + dt.timedelta(days=90)
    dry = run(expiry, "--dry-run")
    assert listed(dry) == [only] and "dry run: nothing erased" in dry and erasures(folder) == {}
    done = run(expiry, "--yes")
    assert listed(done) == [only] and "erased 1 data subject(s)" in done
    input_name = str(refused_input(records[0]).input)
    assert erasures(folder) == {
        only: f"retention: expired {expiry}; refused input {input_name}: refused_inputs, "
        f"90 days from {refused_on}"
    }
    assert refused_texts(folder) == ["[erased]", REFUSED_TEXTS[BOTH]]

    sealed_expiry = CLOSED_ON + dt.timedelta(days=365)
    assert listed(run(sealed_expiry - dt.timedelta(days=1), "--dry-run")) == []
    assert listed(run(sealed_expiry, "--yes")) == [both]
    assert erasures(folder)[both].startswith(f"retention: expired {sealed_expiry}; case case-rref")
    assert refused_texts(folder) == ["[erased]", "[erased]"]

    assert ketenhub("verify", "--views", *pin).returncode == 0
    stored = [p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()]
    assert any(p.name == "log.sqlite" for p in folder.rglob("*"))
    for content in stored:
        assert key not in content, "an erased key is stored"
        assert all(text.encode() not in content for text in REFUSED_TEXTS.values())
        assert SEALED_TEXT.encode() not in content


def test_a_message_refused_for_a_clear_identifier_keeps_no_copy_yet_its_subject_expires(
    ketenhub: Run, tmp_path: Path
) -> None:
    """A partner's own system sends a signal naming a person by clear name beside a pseudonym whose
    key encrypted its text: the hub refuses it naming the field, keeps none of its bytes in
    rejected.<partner> (only the pseudonyms they named), the history and its rejections verify,
    and retention erases the pseudonym's key when refused_inputs has run."""
    folder = tmp_path / "hub"
    printed = ketenhub("init", "--data-dir", str(folder)).stdout
    fingerprint = re.search(r"fingerprint \(SHA-256\): ([0-9a-f]{64})", printed)
    assert fingerprint is not None
    pin = ("--trusted-key", fingerprint[1], "--data-dir", str(folder))
    clear_name, text = "Testpersoon Kilo Lima", "Synthetic text juliet: works nights."
    with EmbeddedHub(folder) as hub:
        person = hub.protector.pseudonym(ONLY)
        bound = associated_data(m.SignalReceived.EVENT_TYPE, "free_text")
        sealed_text = hub.protector.encrypt(person, text, bound)
        event = Story().signal(
            "case-rref-0002", persons=[person, clear_name], free_text=sealed_text
        )
        partner = hub.registry.get(event.recorded_by)
        hub.publish_raw(partner.id, encode_event(event), build_headers(event, partner.urn))
        stats = hub.run()
    assert stats.rejected == 1 and stats.sealed == 0
    (record,) = refused_records(folder)
    headers = {name: value.decode() for name, value in record.headers}
    assert headers["ketenhub_rejection_code"] == "INVALID_VALUE"
    assert headers["ketenhub_rejection_reason"].startswith("persons[1] is not a pseudonym")
    assert record.value is None and headers["ketenhub_value_withheld"] == "INVALID_VALUE"
    assert headers["ketenhub_subjects"] == person and headers["ce_id"] == str(event.event_id)
    assert clear_name.encode() not in repr(record).encode()
    assert ketenhub("verify", "--views", *pin).returncode == 0

    refused_on = refused_input(record).refused_on
    day_before = str(refused_on + dt.timedelta(days=89))
    assert (
        "nothing to erase"
        in ketenhub("retention", "run", "--as-of", day_before, "--yes", *pin).stdout
    )
    expiry = str(refused_on + dt.timedelta(days=90))
    done = ketenhub("retention", "run", "--as-of", expiry, "--yes", *pin).stdout
    assert listed(done) == [person] and list(erasures(folder)) == [person]


def test_the_subject_report_lists_the_refused_messages_that_name_the_person(
    ketenhub: Run, hub: tuple[Path, str]
) -> None:
    """ONLY is named only in a refused message: the report lists it (partner, code, that its
    content is kept, when it expires) and counts the partner that sent it among those that could
    see the person's data; BOTH's report lists its refusal beside its sealed events and keeps the
    case's longer period as the person's retention date. Asked for by clear identifier."""
    folder, fingerprint = hub
    (record_only, _) = refused_records(folder)
    refused_on = refused_input(record_only).refused_on

    def report(identifier: str, *extra: str) -> str:
        how = ("subject-report", "--identifier", *extra, "--data-dir", str(folder))
        return ketenhub(*how, "--trusted-key", fingerprint, input_text=identifier).stdout

    only = json.loads(report(ONLY, "--format", "json"))
    assert only["events"] == [] and only["partners_that_could_see_or_read"] == ["municipal-staff"]
    (message,) = only["refused_messages"]
    assert message["partner"] == "municipal-staff" and message["code"] == "ALREADY_EXISTS"
    assert message["content_kept"] is True and message["input"] == refused_input(record_only).input
    expiry = str(refused_on + dt.timedelta(days=90))
    assert message["refused_on"] == str(refused_on) and message["retention"]["erase_on"] == expiry
    assert only["retention"]["erase_on"] == expiry

    both = json.loads(report(BOTH, "--format", "json"))
    assert len(both["refused_messages"]) == 1 and both["events"]
    assert both["retention"]["erase_on"] == str(CLOSED_ON + dt.timedelta(days=365))

    markdown = report(ONLY)
    assert "## Geweigerde berichten over deze persoon" in markdown
    assert (
        f"| municipal-staff | {message['input']} | {refused_on} | ALREADY_EXISTS | ja | {expiry} |"
        in markdown
    )
    assert ONLY not in markdown and ONLY not in json.dumps(only)
