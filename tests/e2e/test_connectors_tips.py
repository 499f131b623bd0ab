"""The anonymous-tips connector end to end: drop folder in, anonymous signals out, no reporter anywhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from connectors.anonymous_tips.drop_folder import import_folder
from connectors.sdk import EmbeddedTransport, PartnerClient
from connectors.sdk.transport import Headers
from ketenhub import topics
from ketenhub.cli.main import cli
from ketenhub.cli.rendering import decrypt_view
from ketenhub.codec.single_object import decode_event
from ketenhub.codec.views import decode_view
from ketenhub.contract import models as m
from ketenhub.core.partners import Partner
from ketenhub.core.sealing import decode_sealed
from ketenhub.runtime.embedded.hub import EmbeddedHub

REPORTER = {
    "reporter_name": "Jannie Synthetisch-Melder",
    "reporter_phone": "06-98765432",
    "Email": "melder.synthetisch@example.org",
    "contact": {"street": "Verzonnenstraat 12", "phone": "+31 70 123 4567"},
}
IDENTITY_VALUES = [
    "Jannie Synthetisch-Melder",
    "Synthetisch-Melder",
    "06-98765432",
    "0698765432",
    "98765432",
    "melder.synthetisch@example.org",
    "melder.synthetisch",
    "Verzonnenstraat",
    "123 4567",
    "1234567",
]


def tip(number: int, **extra: object) -> dict[str, object]:
    """One synthetic tip in the drop-folder format."""
    return {
        "tip_id": f"MMA-2025-{number:05d}",
        "received_at": "2025-11-03T09:15:00+01:00",
        "exploitation_forms": ["SEXUAL"],
        "area_code": "2261",
        "indicators": ["ADVERTISED_ONLINE"],
        "persons": [f"synthetic suspect {number}"],
        "description": f"Synthetic tip {number}: young women brought to a house at night.",
    } | extra


def write_csv(path: Path, count: int, start: int = 1) -> None:
    """A CSV tip file of ``count`` tips, with a reporter column that must be stripped."""
    lines = ["tip_id,received_at,exploitation_forms,area_code,indicators,persons,description,name"]
    for n in range(start, start + count):
        lines.append(
            f"MMA-2025-{n:05d},2025-11-04T10:00:00+01:00,LABOUR;CRIMINAL,2262,LIVES_AT_WORK;NO_ID_PAPERS,"
            f'synthetic person {n},"Synthetic tip {n}: workers sleep in the shed.",Jannie Synthetisch-Melder'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def initialised_hub(tmp_path: Path) -> None:
    """An empty hub in tmp_path/hub, made by `ketenhub init`: connectors never create one."""
    done = CliRunner().invoke(cli, ["init", "--data-dir", str(tmp_path / "hub")])
    assert done.exit_code == 0, done.output


def run(*args: str) -> Result:
    """Run ``ketenhub ARGS`` in this process, as a user would type it."""
    return CliRunner().invoke(cli, list(args))


def signals_sealed(hub_dir: Path) -> list[m.SignalReceived]:
    with EmbeddedHub(hub_dir) as hub:
        events = [
            decode_event(decode_sealed(r.value or b"", r.offset).payload)
            for r in hub.records(topics.AUDIT_LOG)
        ]
    return [e for e in events if isinstance(e, m.SignalReceived)]


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def test_tips_from_json_and_csv_become_anonymous_signals(drop: Path, tmp_path: Path) -> None:
    """Each tip becomes a SignalReceived on channel ANONYMOUS_TIP; imported files leave the folder."""
    (drop / "tips-001.json").write_text(json.dumps([tip(1), tip(2, municipality_code="GM0599")]))
    write_csv(drop / "tips-002.csv", 1, start=3)
    done = run("connector", "anonymous-tips", str(drop), "--data-dir", str(tmp_path / "hub"))
    assert done.exit_code == 0, done.output
    assert "tips-001.json: imported, 2 tip(s) stored" in done.stdout
    assert (
        "tips-002.csv: imported, 1 tip(s) stored; stripped 1 reporter value(s) (name)"
        in done.stdout
    )
    assert sorted(p.name for p in drop.iterdir()) == [".ketenhub"]
    signals = {s.case_id: s for s in signals_sealed(tmp_path / "hub")}
    assert sorted(signals) == ["tip-mma-2025-00001", "tip-mma-2025-00002", "tip-mma-2025-00003"]
    first = signals["tip-mma-2025-00001"]
    assert (first.channel, first.reporter_role, first.recorded_by) == (
        "ANONYMOUS_TIP",
        None,
        "meld-misdaad-anoniem",
    )
    assert first.persons[0].startswith("psn-") and first.free_text is not None
    assert signals["tip-mma-2025-00002"].location.municipality_code == "GM0599"
    assert signals["tip-mma-2025-00003"].exploitation_forms == ["LABOUR", "CRIMINAL"]


def test_no_reporter_identity_is_stored_or_logged_anywhere(
    ketenhub, drop: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Reporter fields and contact details in the text are stripped: no value in logs, files, topics or views."""
    described = "Synthetic tip. Call me on 06-98765432 or melder.synthetisch@example.org, or +31 70 123 4567."
    (drop / "tips-001.json").write_text(
        json.dumps({"tips": [tip(1, description=described, **REPORTER)]})
    )
    write_csv(drop / "tips-002.csv", 2, start=2)
    hub_dir = tmp_path / "hub"
    done = ketenhub(
        "--log-level", "DEBUG", "connector", "anonymous-tips", str(drop), "--data-dir", str(hub_dir)
    )
    assert (
        "stripped 4 reporter value(s) (Email, contact, reporter_name, reporter_phone)"
        in done.stdout
    )
    assert "removed 3 e-mail address(es)/phone number(s)" in done.stdout
    assert (
        '"event": "event_published"' in done.stderr
    )  # the structured logs were written, and scanned below
    with EmbeddedHub(hub_dir) as hub:
        records = [r for t in hub.log.topics() for r in hub.records(t)]
        views = {p.id: hub.live_views(p.id) for p in hub.registry.partners}
        coordinator = decode_view(views["municipality"]["tip-mma-2025-00001"])
        free_text = decrypt_view(coordinator, hub.protector)["signal"]["free_text"]
    assert free_text == "Synthetic tip. Call me on [removed] or [removed], or [removed]."
    places = {
        "stdout": done.stdout,
        "stderr": done.stderr,
        "views": repr(views),
        "free text": free_text,
    }
    places |= {f"record {r.topic}@{r.offset}": repr(r) for r in records}
    places |= {
        str(p): p.read_bytes().decode("latin-1")
        for p in [*hub_dir.rglob("*"), *drop.rglob("*")]
        if p.is_file()
    }
    for value in IDENTITY_VALUES:
        found = [where for where, text in places.items() if value in text]
        assert not found, f"{value!r} found in {found}"
    assert len(records) > 3 and views["meld-misdaad-anoniem"] == {}  # the channel sees nothing back


def test_a_file_with_an_unknown_field_is_refused_whole_without_its_values(
    drop: Path, tmp_path: Path
) -> None:
    """An unknown field refuses the file: moved to refused/ with a reason naming tip and field, nothing published."""
    (drop / "tips-003.json").write_text(json.dumps([tip(1), tip(2, licence_plate="XX-999-X")]))
    done = run("connector", "anonymous-tips", str(drop), "--data-dir", str(tmp_path / "hub"))
    assert done.exit_code == 1
    assert (
        "tips-003.json: REFUSED" in done.stdout
        and "tips-003.json tip 2: licence_plate" in done.stdout
    )
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert errors[0].startswith("Error: 1 tip file(s) refused") and "Traceback" not in done.stderr
    assert len(errors) == 1 and "XX-999-X" not in done.output
    reason = (drop / "refused" / "tips-003.json.reason.txt").read_text()
    assert "licence_plate: is not part of the tip format" in reason and "XX-999-X" not in reason
    assert (drop / "refused" / "tips-003.json").exists() and not (drop / "tips-003.json").exists()
    assert signals_sealed(tmp_path / "hub") == []


def test_a_file_dropped_again_is_not_imported_twice(drop: Path, tmp_path: Path) -> None:
    """The same file again is recognised by its content and removed; the same tip in a new file is rejected."""
    content = json.dumps([tip(1)])
    (drop / "a.json").write_text(content)
    run("connector", "anonymous-tips", str(drop), "--data-dir", str(tmp_path / "hub"))
    (drop / "a-again.json").write_text(content)
    again = run("connector", "anonymous-tips", str(drop), "--data-dir", str(tmp_path / "hub"))
    assert again.exit_code == 0 and "a-again.json: already imported earlier" in again.stdout
    (drop / "b.json").write_text(json.dumps([tip(1, received_at="2025-11-05T09:00:00+01:00")]))
    other = run("connector", "anonymous-tips", str(drop), "--data-dir", str(tmp_path / "hub"))
    assert other.exit_code == 1
    assert "REJECTED SignalReceived" in other.stderr and "ALREADY_EXISTS" in other.stderr
    assert len(signals_sealed(tmp_path / "hub")) == 1


class FailingTransport(EmbeddedTransport):
    """The embedded transport, failing on the n-th send: before storing it, or after."""

    def __init__(self, data_dir: Path, fail_at: int, *, after_storing: bool) -> None:
        super().__init__(data_dir, create=True)
        self.sends, self.fail_at, self.after_storing = 0, fail_at, after_storing

    def send(self, partner: Partner, value: bytes, headers: Headers) -> object:  # type: ignore[override]
        self.sends += 1
        if self.sends == self.fail_at and not self.after_storing:
            raise ConnectionError("injected failure before the message was stored")
        stored = super().send(partner, value, headers)
        if self.sends == self.fail_at:
            raise ConnectionError("injected failure after the message was stored")
        return stored


@pytest.mark.parametrize("after_storing", [False, True], ids=["before-storing", "after-storing"])
def test_a_failure_mid_file_resumes_without_duplicates(
    drop: Path, tmp_path: Path, after_storing: bool
) -> None:
    """A failure on tip 4 of 10 leaves the file; the next run sends the rest, and the hub seals each tip once."""
    write_csv(drop / "tips.csv", 10)
    hub_dir = tmp_path / "hub"
    failing = PartnerClient(
        "meld-misdaad-anoniem", FailingTransport(hub_dir, 4, after_storing=after_storing)
    )
    with pytest.raises(ConnectionError, match="injected"):
        import_folder(failing, drop)
    failing.close()
    assert (drop / "tips.csv").exists()
    with PartnerClient("meld-misdaad-anoniem", EmbeddedTransport(hub_dir)) as client:
        [outcome] = import_folder(client, drop)
        client.flush()
        assert (outcome.status, outcome.resumed_after, outcome.sent) == ("resumed", 3, 7)
        assert list(client.rejections()) == []
    with EmbeddedHub(hub_dir) as hub:
        ingested = len(list(hub.records(topics.ingest("meld-misdaad-anoniem"))))
    assert ingested == (
        11 if after_storing else 10
    )  # the tip in flight is sent twice: the hub ignores it
    assert sorted(s.case_id for s in signals_sealed(hub_dir)) == [
        f"tip-mma-2025-{n:05d}" for n in range(1, 11)
    ]


def ledger_rows(drop: Path) -> int:
    ledger = drop / ".ketenhub" / "ledger.jsonl"
    return ledger.read_text().count('"row"') if ledger.exists() else 0


def test_a_killed_import_resumes_without_duplicates(drop: Path, tmp_path: Path) -> None:
    """SIGKILL mid-file, then a second run: every tip of the file is sealed exactly once."""
    write_csv(drop / "big.csv", 800)
    hub_dir, command = (
        tmp_path / "hub",
        [sys.executable, "-m", "ketenhub", "connector", "anonymous-tips"],
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")}
    process = subprocess.Popen(
        [*command, str(drop), "--data-dir", str(hub_dir)], env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while ledger_rows(drop) < 20 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    sent_before = ledger_rows(drop)
    assert 20 <= sent_before < 800, "the import should have been killed mid-file"
    assert (drop / "big.csv").exists()
    resumed = subprocess.run(
        [*command, str(drop), "--data-dir", str(hub_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"big.csv: resumed, 800 tip(s) stored ({sent_before}" in resumed.stdout
    cases = [s.case_id for s in signals_sealed(hub_dir)]
    assert len(cases) == 800 == len(set(cases))
    assert not (drop / "big.csv").exists()


def test_the_help_explains_the_format_and_the_privacy_rule() -> None:
    """`anonymous-tips --help` describes the files, the stripping of reporters and the resume behaviour."""
    shown = run("connector", "anonymous-tips", "--help").stdout
    for phrase in (
        "tip_id",
        "Reporter identity never enters the hub",
        "refused/",
        "no duplicates",
        "KETENHUB_",
    ):
        assert phrase in shown


def test_a_ledger_line_cut_short_by_a_crash_is_dropped(drop: Path, tmp_path: Path) -> None:
    """A half-written last ledger line counts as not recorded: that tip is sent again, the ledger stays valid."""
    write_csv(drop / "tips.csv", 3)
    hub_dir = tmp_path / "hub"
    failing = PartnerClient(
        "meld-misdaad-anoniem", FailingTransport(hub_dir, 3, after_storing=True)
    )
    with pytest.raises(ConnectionError):
        import_folder(failing, drop)
    failing.close()
    ledger = drop / ".ketenhub" / "ledger.jsonl"
    with ledger.open("a") as out:
        out.write('{"digest": "')  # the crash hit while the third row was being recorded
    with PartnerClient("meld-misdaad-anoniem", EmbeddedTransport(hub_dir)) as client:
        [outcome] = import_folder(client, drop)
        client.flush()
    assert (outcome.resumed_after, outcome.sent) == (2, 1)
    assert all(json.loads(line) for line in ledger.read_text().splitlines())
    assert len(signals_sealed(hub_dir)) == 3
