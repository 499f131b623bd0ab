"""``ketenhub access-log``: which partner saw this case or this person's data, and when.

It verifies access.log first (every hash link, record hash and signed checkpoint, with the
data folder's hub key) and stops naming the offset if it does not hold; then it prints the
processing records asked for, as a table or as CSV. Querying the access log is not itself
recorded: it shows ids, pseudonyms and codes, never case content.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from ketenhub.cli.hubs import open_hub
from ketenhub.cli.subject_options import named_subject, subject_options
from ketenhub.core.access_query import AccessEntry, AccessQuery, access_entries, select
from ketenhub.core.identifiers import normal_case_id
from ketenhub.errors import IntegrityError
from ketenhub.hub_options import data_dir_option, kafka_option
from ketenhub.topics import ACCESS_LOG

TAMPERED = 1
COLUMNS = (
    "read_at",
    "partner",
    "actor",
    "actor_id",
    "system",
    "operation",
    "purpose",
    "legal_basis",
    "case_id",
    "subjects",
    "offset",
)


def _day(_: click.Context, __: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a day (YYYY-MM-DD)"
        raise click.BadParameter(msg) from None


@click.command("access-log")
@click.option("--case", "case_id", metavar="CASE", help="Reads of this case.")
@subject_options("Reads of this data subject's data (psn-...).")
@click.option("--partner", metavar="PARTNER", help="Reads by (or for) this partner.")
@click.option(
    "--from", "first_day", metavar="DAY", callback=_day, help="From this day (UTC), included."
)
@click.option(
    "--to", "last_day", metavar="DAY", callback=_day, help="Up to this day (UTC), included."
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="A table for people, or CSV (one record per line, subjects separated by spaces).",
)
@data_dir_option
@kafka_option
def access_log(
    case_id: str | None,
    subject: str | None,
    by_identifier: bool,
    partner: str | None,
    first_day: dt.date | None,
    last_day: dt.date | None,
    output: str,
    data_dir: Path,
    bootstrap: str | None,
) -> None:
    """Answer "which partner saw this case or this person's data, and when" from access.log.

    Name what to look for: --case, --subject (a pseudonym), --identifier (the person's clear
    identifier, read hidden and pseudonymised on the spot) or --partner, optionally within
    --from and --to. Every read of personal case data — `view`, `replay`, `archive`, the
    SDK's views, the API and the pages, the evaluation's drill-down, `subject-report` — is a
    processing record there: who (partner, a person signed in for it, or the hub's own
    tooling, by opaque id), which case and data subjects, when, the operation, the purpose
    and its legal basis. access.log is verified first; a tampered log exits 1, naming the
    offset.
    """
    named = named_subject(subject, by_identifier, required=False)
    if case_id is None and named is None and partner is None:
        msg = "name what to look for: --case, --subject, --identifier or --partner"
        raise click.UsageError(msg)
    if first_day and last_day and first_day > last_day:
        msg = "--from is after --to"
        raise click.UsageError(msg)
    case = None if case_id is None else normal_case_id(case_id)
    with open_hub(data_dir, bootstrap) as hub:
        person = None if named is None else named.pseudonym(hub.protector.pseudonym)
        query = AccessQuery(case, person, partner, first_day, last_day)
        if partner is not None:
            hub.registry.get(partner)
        try:
            hub.verify_access()
        except IntegrityError as exc:
            click.echo(f"TAMPERING DETECTED: {exc}", err=True)
            raise SystemExit(TAMPERED) from exc
        found = select(access_entries(hub.access_records()), query)
    if output == "csv":
        _echo_csv(found)
    else:
        _echo_table(found)


def _row(entry: AccessEntry) -> tuple[str, ...]:
    record, actor = entry.record, entry.record.actor
    return (
        record.read_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        actor.partner or "-",
        actor.kind.value,
        actor.actor_id or "-",
        actor.system,
        record.operation.value,
        record.purpose,
        record.legal_basis,
        record.case_id or "-",
        " ".join(record.subjects),
        str(entry.offset),
    )


def _echo_csv(entries: Sequence[AccessEntry]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(entry) for entry in entries)


def _echo_table(entries: Sequence[AccessEntry]) -> None:
    if not entries:
        click.echo(f"no read in {ACCESS_LOG} matches")
        return
    shown = ("read_at", "partner", "actor", "actor_id", "operation", "purpose", "case_id")
    picks = [COLUMNS.index(name) for name in shown]
    rows = [tuple(_row(entry)[i] for i in picks) for entry in entries]
    widths = [max(len(name), *(len(row[i]) for row in rows)) for i, name in enumerate(shown)]
    click.echo(
        "  ".join(name.ljust(w) for name, w in zip(shown, widths, strict=True)) + "  subjects"
    )
    for entry, row in zip(entries, rows, strict=True):
        cells = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        click.echo(f"{cells}  {len(entry.record.subjects)}")
    partners = sorted({entry.record.actor.partner or "-" for entry in entries})
    click.echo(f"{len(entries)} read(s) by {', '.join(partners)}")
