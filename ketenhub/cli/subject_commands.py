"""``ketenhub subject-report``: what the hub holds about one person, for a request for access.

The person is named by pseudonym (``--subject``) or by a clear identifier (``--identifier``,
read from a hidden prompt or standard input, pseudonymised on the spot and never stored,
logged or shown). The history is verified first (as replay verifies it), access.log too;
the report's read of the person's data is itself sealed into access.log (purpose
``DATA_SUBJECT_REQUEST`` unless --purpose names another) before anything is printed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ketenhub.cli.hubs import open_hub
from ketenhub.cli.reads import cli_actor, purpose_option
from ketenhub.cli.replay_commands import open_source, source_options
from ketenhub.cli.subject_options import named_subject, subject_options
from ketenhub.cli.subject_rendering import report_json, report_markdown
from ketenhub.contract.models import EncryptedField
from ketenhub.core.access_query import access_entries
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.privacy import associated_data
from ketenhub.core.processing import ProcessingRecord, ReadOperation
from ketenhub.core.retention import RetentionLedger
from ketenhub.core.subject_report import SubjectReport, SubjectReportBuilder

DATA_SUBJECT_REQUEST = "DATA_SUBJECT_REQUEST"


@click.command("subject-report")
@subject_options("The person's pseudonym (psn-...).")
@click.option(
    "--format",
    "output",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Markdown in Dutch for people, or JSON.",
)
@purpose_option
@source_options
def subject_report(
    subject: str | None,
    by_identifier: bool,
    output: str,
    purpose: str | None,
    data_dir: Path,
    bootstrap: str | None,
    archive_dir: Path | None,
    public_key: Path | None,
) -> None:
    """Report what the hub holds about one person, for the coordinator or the privacy officer.

    The events that name the person and their fields (the person's own texts decrypted with
    the hub's keys; other people shown only as "(andere betrokkene)"), which partners' views
    held the person's data and from when until when (forwards, sharing decisions, referrals
    and their revocations), the sharing decisions of the person's cases, the messages naming
    the person that the hub refused (and when they expire), every read of the person's data in
    access.log, retention dates and the erasure, if any.
    """
    named = named_subject(subject, by_identifier)
    assert named is not None  # required: a usage error otherwise
    with open_hub(data_dir, bootstrap) as hub:
        person = named.pseudonym(hub.protector.pseudonym)
        protector = hub.protector

        def reveal(field: EncryptedField, event_type: str, name: str) -> str:
            return protector.decrypt(field, associated_data(event_type, name))

        from replay.pipeline import Replay  # replay loads only for the commands reading history

        builder = SubjectReportBuilder(
            person, hub.registry, reveal, RetentionLedger(hub.registry.retention)
        )
        with open_source(data_dir, bootstrap, archive_dir, public_key) as source:
            for record, event in Replay(source).events():
                builder.add(record, event)
            for partner in hub.registry.partners:  # the messages the hub refused name people too
                for stored in source.rejected([partner.id]):
                    builder.add_refused(partner.id, stored)
        hub.verify_access()
        erasure = protector.erasure(person)
        report = builder.report(
            access_entries(hub.access_records()),
            None if erasure is None else erasure.erased_at,
            None if erasure is None else erasure.reason,
        )
        hub.record_reads(_records_of(report, purpose or DATA_SUBJECT_REQUEST, hub.registry))
    click.echo(report_json(report) if output == "json" else report_markdown(report))


def _records_of(
    report: SubjectReport, purpose: str, registry: PartnerRegistry
) -> list[ProcessingRecord]:
    """One processing record per case of the report (one without a case if it names none)."""
    code, basis = registry.read_purpose(purpose)
    named = sorted({e.case_id for e in report.events if e.case_id is not None})
    cases: list[str | None] = [*named] if named else [None]
    now = dt.datetime.now(dt.UTC)
    operation = ReadOperation.CLI_SUBJECT_REPORT
    return [
        ProcessingRecord(now, cli_actor(None), operation, code, basis, case, (report.subject,))
        for case in cases
    ]
