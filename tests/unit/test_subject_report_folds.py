"""The subject report's core: which partners' views held a person's data, and when; and nobody else's data."""

from __future__ import annotations

import datetime as dt

from ketenhub.codec.single_object import decode_event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.admission import Admitted
from ketenhub.core.retention import RetentionLedger
from ketenhub.core.subject_report import ANOTHER_SUBJECT, SubjectReportBuilder
from ketenhub.topic_log import LogRecord
from tests.unit.synthetic import PurePipeline, Story, pseudonym

PERSON, OTHER = pseudonym("person-sr-1"), pseudonym("person-sr-2")
DAY = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)


def _built(*steps: object) -> SubjectReportBuilder:
    """Seal ``steps`` day by day through the real pipeline and fold them for PERSON."""
    pipeline = PurePipeline()
    for n, step in enumerate(steps):
        admitted = pipeline.submit(step, now=DAY + dt.timedelta(days=n))  # type: ignore[arg-type]
        assert isinstance(admitted, Admitted), admitted
    builder = SubjectReportBuilder(PERSON, pipeline.registry, _reveal)
    for record in pipeline.records:
        builder.add(record, decode_event(record.payload))
    return builder


def _reveal(field: EncryptedField, event_type: str, name: str) -> str:
    return f"text of {field.subject} in {event_type}.{name}"


def test_a_forward_a_share_and_its_revocation_open_and_close_partners_sight() -> None:
    """Police from the forward on, HEIT from the share until the revocation; the staff's status view never."""
    s = Story()
    report = _built(
        s.signal("case-a", persons=[PERSON, OTHER]),
        s.intake("case-a", outcome="FORWARD", forward_to="police"),
        s.share("case-a", "heit", decision="d1"),
        s.revoke("case-a", "heit", decision="d1"),
    ).report([], None)
    seen = {(v.partner, v.since, v.until) for v in report.visibility}
    assert seen == {
        ("municipality", DAY, None),
        ("police", DAY + dt.timedelta(days=1), None),
        ("heit", DAY + dt.timedelta(days=2), DAY + dt.timedelta(days=3)),
    }
    assert report.partners == ("heit", "municipality", "police")
    assert [(d.partner, d.revoked_at is not None) for d in report.sharing] == [("heit", True)]


def test_another_persons_case_leaves_no_trace_in_the_report() -> None:
    """A case naming only another person adds no event, no partner and no sharing decision."""
    s = Story()
    report = _built(
        s.signal("case-a", persons=[PERSON]),
        s.signal("case-b", persons=[OTHER]),
        s.intake("case-b", outcome="FORWARD", forward_to="police"),
        s.share("case-b", "riec", decision="d2"),
    ).report([], None)
    assert [e.case_id for e in report.events] == ["case-a"]
    assert report.partners == ("municipality",)
    assert report.sharing == ()


def test_other_peoples_pseudonyms_are_masked_in_the_events_shown() -> None:
    """The person's own pseudonym stays; another's becomes (andere betrokkene)."""
    s = Story()
    report = _built(s.signal("case-a", persons=[PERSON, OTHER])).report([], None)
    assert report.events[0].fields["persons"] == [PERSON, ANOTHER_SUBJECT]
    assert OTHER not in repr(report)


def _refused_record(value: bytes | None, *extra: tuple[str, bytes]) -> LogRecord:
    headers = (
        ("ketenhub_rejection_code", b"INVALID_VALUE"),
        ("ketenhub_input", b"ingest.police/0/7"),
        ("ketenhub_refused_at", b"2025-03-04T10:00:00+00:00"),
        *extra,
    )
    return LogRecord("rejected.police", 0, 0, b"k", value, headers)


def test_refused_messages_naming_the_person_are_listed_withheld_or_kept_and_nobody_elses() -> None:
    """A kept refusal naming PERSON in its bytes, a withheld one naming PERSON only in the hub's
    subjects header, and one naming only OTHER: the first two are listed with the partner that
    sent them and their refused_inputs expiry, which also becomes PERSON's retention date."""
    pipeline = PurePipeline()
    builder = SubjectReportBuilder(
        PERSON, pipeline.registry, _reveal, RetentionLedger(pipeline.registry.retention)
    )
    builder.add_refused("police", _refused_record(f"...{PERSON}...".encode()))
    builder.add_refused(
        "police",
        _refused_record(
            None,
            ("ketenhub_value_withheld", b"INVALID_VALUE"),
            ("ketenhub_subjects", PERSON.encode()),
        ),
    )
    builder.add_refused("police", _refused_record(f"...{OTHER}...".encode()))
    report = builder.report([], None)
    assert [(r.partner, r.code, r.withheld) for r in report.refused] == [
        ("police", "INVALID_VALUE", False),
        ("police", "INVALID_VALUE", True),
    ]
    expiry = dt.date(2025, 3, 4) + dt.timedelta(
        days=pipeline.registry.retention.refused_inputs.days
    )
    assert {r.expiry.on for r in report.refused} == {expiry}
    assert report.retention is not None and report.retention.on == expiry
    assert report.partners == ("police",)
