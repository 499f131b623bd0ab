"""`ketenhub subject-report`: what the hub holds about one person, and every partner that could see it.

Person Beta is named in case 1: forwarded to the police at intake, shared with HEIT and
revoked again, and Beta is identified as a victim and referred to SHOP. Person Gamma is named
in case 1 too and alone in case 2, which is shared with the RIEC only. Beta's report must list
exactly the partners whose view held Beta's data (the municipality, police, HEIT, SHOP), with
when; never the RIEC or the municipal staff (who see a status only), never Gamma.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from synthetic import Story  # shared synthetic events of the unit tests

from ketenhub.hub_folder import HubFolder
from ketenhub.runtime.embedded.hub import EmbeddedHub

BETA, GAMMA = "Testpersoon Beta", "Testpersoon Gamma"  # synthetic clear identifiers
BETA_TEXT, GAMMA_TEXT = "beta werkt zonder contract in de kas", "gamma slaapt in de loods"


def signal(case: str, persons: list[str], subject: str, text: str) -> str:
    """A JSON line of `ketenhub publish`: a signal naming ``persons``, free text keyed to ``subject``."""
    return json.dumps(
        {
            "type": "SignalReceived",
            "occurred_at": "2025-11-03T09:15:00+01:00",
            "case_id": case,
            "channel": "INTERNAL_ROUTE",
            "reporter_role": "CASEWORKER_WMO",
            "exploitation_forms": ["LABOUR"],
            "indicators": ["LIVES_AT_WORK"],
            "location": {"municipality_code": "GM1916", "area_code": "2264"},
            "persons": persons,
            "free_text": {"subject": subject, "text": text},
        }
    )


def pseudonym(data_dir: Path, identifier: str) -> str:
    """The pseudonym the hub gives ``identifier``."""
    protector = HubFolder(data_dir).protector()
    try:
        return protector.pseudonym(identifier)
    finally:
        protector.close()


@pytest.fixture
def hub(ketenhub, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The two cases of the module docstring, sealed; the police read case 1 once."""
    data_dir = tmp_path / "hub"
    ketenhub("init", "--data-dir", str(data_dir))
    lines = [
        signal("case-1", [BETA, GAMMA], BETA, BETA_TEXT),
        signal("case-2", [GAMMA], GAMMA, GAMMA_TEXT),
    ]
    (tmp_path / "signals.jsonl").write_text("\n".join(lines) + "\n")
    ketenhub("publish", "--as", "municipal-staff", "signals.jsonl", "--data-dir", str(data_dir))
    beta = pseudonym(data_dir, BETA)
    story = Story()
    steps = [
        story.intake("case-1", outcome="FORWARD", forward_to="police"),
        story.share("case-1", "heit", decision="d-heit"),
        story.revoke("case-1", "heit", decision="d-heit"),
        story.victim("case-1", victim=beta),
        story.referral(victim=beta, provider="shop", referral="r-1", case="case-1"),
        story.intake("case-2"),
        story.share("case-2", "riec", decision="d-riec"),
    ]
    with EmbeddedHub(data_dir) as embedded:
        for step in steps:
            embedded.publish(step)
        stats = embedded.run()
        assert stats.sealed == len(steps), stats.rejections
    ketenhub("view", "police", "case-1", "--data-dir", str(data_dir))
    return data_dir


def report(ketenhub, hub: Path, *how: str, identifier: str | None = None) -> Any:  # type: ignore[no-untyped-def]
    """The JSON report, asked for by pseudonym or with the identifier on standard input."""
    done = ketenhub(
        "subject-report", *how, "--format", "json", "--data-dir", str(hub), input_text=identifier
    )
    return json.loads(done.stdout)


def test_the_report_lists_every_partner_that_could_see_the_subject(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Municipality, police, HEIT (until revoked) and SHOP saw Beta; the RIEC and the staff's status view did not."""
    beta = pseudonym(hub, BETA)
    found = report(ketenhub, hub, "--subject", beta)
    assert found["partners_that_could_see_or_read"] == ["heit", "municipality", "police", "shop"]
    seen = {(v["partner"], v["case_id"]): v for v in found["visible_to"]}
    assert set(seen) == {
        ("municipality", "case-1"),
        ("police", "case-1"),
        ("heit", "case-1"),
        ("shop", "case-1"),
    }
    assert seen[("heit", "case-1")]["until"] is not None  # the sharing was revoked
    assert seen[("police", "case-1")]["until"] is None
    assert [(s["partner"], s["revoked_at"] is not None) for s in found["sharing_decisions"]] == [
        ("heit", True)
    ]
    reads = [(r["partner"], r["operation"], r["case_id"]) for r in found["reads"]]
    assert reads == [("police", "cli.view", "case-1")]


def test_the_report_shows_the_subjects_data_and_nobody_elses(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Beta's events and decrypted text are there; Gamma's pseudonym and text are not; same by identifier."""
    beta, gamma = pseudonym(hub, BETA), pseudonym(hub, GAMMA)
    by_identifier = report(ketenhub, hub, "--identifier", identifier=BETA + "\n")
    assert by_identifier["subject"] == beta
    types = [e["event_type"] for e in by_identifier["events"]]
    assert types == ["SignalReceived", "VictimIdentified", "ReferralMade"]
    assert by_identifier["events"][0]["fields"]["free_text"] == BETA_TEXT
    text = json.dumps(by_identifier, ensure_ascii=False)
    for other in (gamma, GAMMA_TEXT, GAMMA, BETA, "case-2"):
        assert other not in text
    markdown = ketenhub("subject-report", "--subject", beta, "--data-dir", str(hub)).stdout
    assert markdown.startswith(f"# Overzicht van betrokkene `{beta}`")
    assert BETA_TEXT in markdown and GAMMA_TEXT not in markdown and gamma not in markdown
    assert "| heit | case-1 |" in markdown


def test_the_report_is_itself_a_recorded_read_and_keeps_no_identifier(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """Asking leaves a DATA_SUBJECT_REQUEST record; the clear identifier is in no file of the data folder."""
    beta = pseudonym(hub, BETA)
    report(ketenhub, hub, "--identifier", identifier=BETA + "\n")
    done = ketenhub("access-log", "--subject", beta, "--format", "csv", "--data-dir", str(hub))
    assert "cli.subject-report,DATA_SUBJECT_REQUEST,AVG art. 15,case-1" in done.stdout
    for path in hub.rglob("*"):
        if path.is_file():
            assert BETA.encode() not in path.read_bytes(), path


def test_an_erased_subject_shows_its_erasure_and_no_text(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """After erase, the report names the time of erasure and the text as [erased]."""
    beta = pseudonym(hub, BETA)
    ketenhub("erase", beta, "--yes", "--data-dir", str(hub))
    found = report(ketenhub, hub, "--subject", beta)
    assert found["erased_at"] is not None
    assert found["events"][0]["fields"]["free_text"] == "[erased]"
    assert BETA_TEXT not in json.dumps(found, ensure_ascii=False)


def test_a_clear_identifier_is_refused_as_subject(ketenhub, hub: Path) -> None:  # type: ignore[no-untyped-def]
    """--subject takes a pseudonym only; the refusal does not repeat the value."""
    done = ketenhub("subject-report", "--subject", BETA, "--data-dir", str(hub), check=False)
    assert done.returncode == 2 and BETA not in done.stderr
