"""Findings for the evaluation: recorded by the coordinator, kept per part, shown in the report."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from evaluation_story import Chronicle, at  # the hand-built history of the evaluation tests
from synthetic import PurePipeline, Story, pseudonym

from ketenhub.contract import models as m
from ketenhub.core.admission import Admitted
from ketenhub.core.rejection import Rejection, RejectionCode
from ketenhub.evaluation import evaluate_events
from ketenhub.evaluation.wording import Language
from replay.pipeline import EvaluationRun, Provenance
from replay.report import speech_in
from replay.report_annual import annual_document
from replay.report_document import Finding, Section


def summary(text: str) -> m.EncryptedField:
    """A stand-in ciphertext that carries its text (the report's reader is given in each test)."""
    return m.EncryptedField(
        subject=pseudonym("interviewee"), nonce=bytes(12), ciphertext=text.encode()
    )


def finding(s: Chronicle | Story, when: dt.datetime, **fields: Any) -> m.EvaluationFindingRecorded:
    """A finding recorded at ``when`` by the coordinator, from an interview that day unless given."""
    values: dict[str, Any] = {
        "finding_id": f"f-{when:%Y%m%d%H}",
        "part": "VICTIM_SUPPORT",
        "source_role": "CARE_COORDINATOR",
        "held_on": when.date(),
        "summary": summary("Shelter places for men remain scarce."),
    } | fields
    if isinstance(s, Chronicle):
        return s.make(m.EvaluationFindingRecorded, when, **values)
    return s.make(m.EvaluationFindingRecorded, "municipality", occurred_at=when, **values)


def test_the_coordinator_records_a_finding_and_no_one_else_may() -> None:
    """The coordinator's finding is sealed; the police's is refused as NOT_AUTHORIZED."""
    hub, s = PurePipeline(), Story()
    when = dt.datetime(2025, 11, 20, 10, tzinfo=dt.UTC)
    assert isinstance(hub.submit(finding(s, when)), Admitted)
    police = finding(s, when, finding_id="f-2").model_copy(update={"recorded_by": "police"})
    refused = hub.submit(police)
    assert isinstance(refused, Rejection) and refused.code is RejectionCode.NOT_AUTHORIZED


def test_a_finding_from_a_later_interview_than_its_recording_is_refused() -> None:
    """held_on after the moment it was recorded: INVALID_VALUE, naming both fields."""
    hub, s = PurePipeline(), Story()
    when = dt.datetime(2025, 11, 20, 10, tzinfo=dt.UTC)
    refused = hub.submit(finding(s, when, held_on=dt.date(2025, 11, 21)))
    assert isinstance(refused, Rejection) and refused.code is RejectionCode.INVALID_VALUE
    assert "held_on" in refused.reason and "occurred_at" in refused.reason


def test_the_evaluation_keeps_the_years_findings_by_part_in_the_order_of_their_dates() -> None:
    """2025's findings, ordered by interview date; 2024's stays with 2024."""
    s = Chronicle()
    late = finding(s, at(2025, 12, 1), held_on=dt.date(2025, 11, 28))
    early = finding(s, at(2025, 12, 2), held_on=dt.date(2025, 11, 3), part="COLLABORATION")
    first = finding(s, at(2025, 12, 3), held_on=dt.date(2025, 10, 1))
    finding(s, at(2024, 12, 1))
    evaluation = evaluate_events(s.events, 2025, 2024)
    assert [f.stamp.event_id for f in evaluation.findings_of("victims")] == [
        str(first.event_id),
        str(late.event_id),
    ]
    assert [f.stamp.event_id for f in evaluation.findings_of("collaboration")] == [
        str(early.event_id)
    ]
    assert evaluation.findings_of("awareness") == []


def report_findings(
    events: list[Any], language: Language, read: Any
) -> dict[str, list[Finding | str]]:
    """The blocks of each part's findings section of the annual report."""
    run = EvaluationRun(evaluate_events(events, 2025), Provenance(None, None, (), "test"))
    document = annual_document(run, speech_in(language), read)
    found: dict[str, list[Finding | str]] = {}
    for section in document.sections:
        for sub in section.subsections:
            if sub.id.startswith("findings-"):
                found[sub.id.removeprefix("findings-")] = list(_blocks(sub))
    return found


def _blocks(section: Section) -> list[Finding | str]:
    return [b for b in section.blocks if isinstance(b, Finding | str)]


def test_the_report_shows_each_finding_in_its_part_with_role_and_date() -> None:
    """Decrypted text, the source by its role's label, the date as people write it."""
    s = Chronicle()
    finding(s, at(2025, 11, 26), held_on=dt.date(2025, 11, 25))
    shown = report_findings(s.events, "nl", lambda field: field.ciphertext.decode())
    assert shown["victims"] == [
        Finding("Zorgcoördinator", "25 november 2025", "Shelter places for men remain scarce.")
    ]
    assert shown["awareness"] == ["Geen bevindingen vastgelegd voor dit onderdeel."]
    english = report_findings(s.events, "en", lambda field: field.ciphertext.decode())
    assert english["victims"][0] == Finding(
        "Care coordinator", "25 November 2025", "Shelter places for men remain scarce."
    )


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (None, "[tekst niet leesbaar: de sleutels van de hub zijn hier niet beschikbaar]"),
        (lambda field: "[erased]", "[gewist]"),
    ],
)
def test_a_finding_without_keys_or_erased_says_so(read: Any, expected: str) -> None:
    """No keys at hand, or the subject crypto-shredded: the report says so instead of the text."""
    s = Chronicle()
    finding(s, at(2025, 11, 26))
    (shown,) = report_findings(s.events, "nl", read)["victims"]
    assert isinstance(shown, Finding) and shown.text == expected
