"""Commands on a hub, embedded or on Kafka: publish, run, view, rejected, erase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import click

from connectors.sdk.partner_folder import is_partner_folder
from ketenhub import topics
from ketenhub.cli.hubs import open_hub
from ketenhub.cli.options import writer_wait_option
from ketenhub.cli.partner_publish import publish_from_partner_folder
from ketenhub.cli.reads import purpose_option, record_cli_reads
from ketenhub.cli.rendering import decrypt_view, echo_stats, echo_view_table, terminal_safe
from ketenhub.cli.subject_options import named_subject
from ketenhub.codec.views import decode_view, view_document
from ketenhub.core.control_day_subject import control_day_identifier
from ketenhub.core.identifiers import ID_FORMAT, is_opaque_id
from ketenhub.core.partners import Role
from ketenhub.core.processing import ReadOperation
from ketenhub.errors import CodecError
from ketenhub.hub_options import CASE_ID, data_dir_option, kafka_option
from ketenhub.json_events import (
    InvalidEventLine,
    ParsedLine,
    event_from_json,
    numbered_lines,
    shown,
    shown_key,
)
from ketenhub.protection.keystore import UnknownSubject
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import read_all


@click.command()
@click.option(
    "--as",
    "partner",
    required=True,
    metavar="PARTNER",
    help="Partner id publishing the events (see the partner registry).",
)
@click.option(
    "--no-run",
    is_flag=True,
    help="Embedded hub: only append to ingest.<PARTNER>; do not run the pipeline.",
)
@click.argument("file", type=click.File("rb"))
@data_dir_option
@kafka_option
@writer_wait_option
def publish(
    partner: str,
    no_run: bool,
    file: BinaryIO,
    data_dir: Path,
    bootstrap: str | None,
    wait_s: float,
) -> None:
    """Publish the events of FILE (JSON lines, one event per line) as PARTNER.

    Identifiers are pseudonymised and free texts encrypted before anything is stored; free
    text holding a BSN, e-mail address or phone number is refused (for the anonymous
    channel it is removed instead, with any reporter field). A bad line is reported with
    its number and refused; the other lines are published. The format is described in the
    README ("Publishing events"). Use - for standard input.

    On the embedded hub the pipeline then runs, and events the hub refuses are listed.
    Exits 1 when any line or event was refused. A partner's system gives --data-dir its
    partner folder (`partners provision --partner-folders`): the lines are then protected by
    the hub's protection service and sent on Kafka with the folder's login.
    """
    if is_partner_folder(data_dir):
        publish_from_partner_folder(partner, file, data_dir, bootstrap)
        return
    with open_hub(data_dir, bootstrap) as hub:
        publisher = hub.registry.get(partner)
        anonymous = publisher.role is Role.ANONYMOUS_CHANNEL
        rejected_topic = topics.rejected(publisher.id)
        rejected_before = hub.log.end_offset(rejected_topic) if isinstance(hub, EmbeddedHub) else 0
        published: dict[str, int] = {}  # event id -> line number
        bad = 0
        for number, raw in numbered_lines(file):
            try:
                parsed = event_from_json(
                    raw,
                    number,
                    publisher.id,
                    hub.protector,
                    anonymous=anonymous,
                    registry=hub.registry,
                )
                hub.publish(parsed.event)
            except InvalidEventLine as exc:
                bad += 1
                click.echo(f"refused {exc}", err=True)
                continue
            except CodecError as exc:
                bad += 1
                click.echo(f"refused line {number}: cannot be encoded: {exc}", err=True)
                continue
            published.setdefault(str(parsed.event.event_id), number)
            _echo_stripped(number, parsed)
        refused_lines = f", refused {bad} bad line(s)" if bad else ""
        click.echo(
            f"published {len(published)} event(s) to {topics.ingest(publisher.id)}{refused_lines}"
        )
        refused_events = 0
        if isinstance(hub, EmbeddedHub) and not no_run:
            echo_stats(hub.run(wait_s=wait_s))
            refused_events = _echo_refused(hub, rejected_topic, rejected_before, published)
    if bad or refused_events:
        raise SystemExit(1)


def _echo_stripped(number: int, parsed: ParsedLine) -> None:
    if parsed.stripped_fields:
        names = ", ".join(shown_key(name) for name in parsed.stripped_fields)
        click.echo(f"line {number}: dropped reporter field(s) {names}")
    if parsed.redactions:
        click.echo(f"line {number}: removed {parsed.redactions} contact detail(s) from free text")


def _echo_refused(hub: EmbeddedHub, topic: str, start: int, published: dict[str, int]) -> int:
    """Print the hub's refusals of the events just published, by line; return how many."""
    refused = 0
    for record in read_all(hub.log, topic, start):
        headers = {
            name: terminal_safe(value.decode(errors="replace")) for name, value in record.headers
        }
        number = published.get(headers.get("ce_id", ""))
        if number is None:
            continue
        refused += 1
        click.echo(
            f"line {number}: the hub refused event {headers.get('ce_id')}: "
            f"{headers.get('ketenhub_rejection_code')}: {headers.get('ketenhub_rejection_reason')}",
            err=True,
        )
    if refused:
        click.echo(f"{refused} event(s) refused by the hub (see `ketenhub rejected`)", err=True)
    return refused


@click.command()
@data_dir_option
@writer_wait_option
def run(data_dir: Path, wait_s: float) -> None:
    """Seal and project everything ingested so far on the embedded hub, then stop.

    One process at a time seals a data folder: if another one is sealing it, this one
    waits for it (up to --wait seconds), then stops naming its pid.
    """
    with EmbeddedHub(data_dir) as hub:
        echo_stats(hub.run(wait_s=wait_s))


@click.command()
@click.argument("partner")
@click.argument("case", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the raw view(s) as JSON.")
@purpose_option
@data_dir_option
@kafka_option
def view(
    partner: str,
    case: str | None,
    as_json: bool,
    purpose: str | None,
    data_dir: Path,
    bootstrap: str | None,
) -> None:
    """Show what PARTNER can see: its cases, or one CASE in full.

    Views come from the partner's compacted view topic. The coordinator's encrypted fields
    are decrypted with the subjects' keys; erased subjects show as [erased]. Each case shown
    is first recorded in access.log (who, which case and subjects, why); if that cannot be
    written nothing is shown.
    """
    with open_hub(data_dir, bootstrap) as hub:
        hub.registry.get(partner)
        views = {k: decode_view(v) for k, v in hub.live_views(partner).items()}
        if case is None:
            listed = {k: view_document(v) for k, v in views.items()}
            record_cli_reads(hub, partner, listed, ReadOperation.CLI_VIEW_LIST, purpose)
            if as_json:
                click.echo(json.dumps(listed, indent=2, sort_keys=True))
            else:
                echo_view_table(partner, views)
            return
        if case not in views:
            msg = f"{partner} has no view of case {shown(case)} (unknown case, or no reason to see it)"
            raise click.ClickException(msg)
        document = view_document(views[case])
        record_cli_reads(hub, partner, {case: document}, ReadOperation.CLI_VIEW, purpose)
        decrypted = decrypt_view(views[case], hub.protector)
        click.echo(json.dumps(decrypted, indent=2, sort_keys=True, ensure_ascii=False))


@click.command()
@click.argument("partner")
@data_dir_option
@kafka_option
def rejected(partner: str, data_dir: Path, bootstrap: str | None) -> None:
    """List the messages of PARTNER that the hub refused, with the reason for each."""
    with open_hub(data_dir, bootstrap) as hub:
        hub.registry.get(partner)
        count = 0
        for record in hub.records(topics.rejected(partner)):
            headers = {
                name: terminal_safe(value.decode(errors="replace"))
                for name, value in record.headers
            }
            click.echo(
                f"{headers.get('ketenhub_source_topic')}@{headers.get('ketenhub_source_offset')}  "
                f"{headers.get('ketenhub_rejection_code')}: {headers.get('ketenhub_rejection_reason')}"
            )
            count += 1
        click.echo(f"{count} rejected message(s) in {topics.rejected(partner)}")


ERASE_IDENTIFIER_HELP = (
    "Read a clear identifier (e.g. a BSN) from a hidden prompt or standard input and erase "
    "its pseudonym; the identifier is never stored, logged or shown."
)


@click.command()
@click.argument("subject", required=False)
@click.option("--identifier", "by_identifier", is_flag=True, help=ERASE_IDENTIFIER_HELP)
@click.option(
    "--case", "case_id", type=CASE_ID, metavar="CASE", help="Erase the texts keyed to this case."
)
@click.option(
    "--control-day",
    "control_day_id",
    metavar="DAY",
    help="Erase the planned addresses of this control day (the web tier does so when it closes).",
)
@click.confirmation_option(
    prompt="Erase this data subject's key? Its encrypted fields become unreadable for good"
)
@data_dir_option
def erase(
    subject: str | None,
    by_identifier: bool,
    case_id: str | None,
    control_day_id: str | None,
    data_dir: Path,
) -> None:
    """Crypto-shred one data subject: delete its key.

    Name the subject by its pseudonym (SUBJECT, psn-...), by a clear identifier
    (--identifier, read from a prompt so it stays out of shell history), or by a case
    (--case, for texts keyed to the case rather than a person), or by a control day
    (--control-day, for the display forms of its planned addresses). The log and its hashes stay
    intact; the subject's encrypted fields become unreadable everywhere and show as
    [erased]. Only the pseudonym and the time are recorded. A subject that never had a key
    here is an error: nothing is recorded.
    """
    given = (subject is not None, by_identifier, case_id is not None, control_day_id is not None)
    if sum(given) != 1:
        msg = "name exactly one subject: a pseudonym, --identifier, --case or --control-day"
        raise click.UsageError(msg)
    if control_day_id is not None and not is_opaque_id(control_day_id):
        msg = f"--control-day takes a control day id ({ID_FORMAT})"
        raise click.UsageError(msg)
    named = named_subject(subject, by_identifier, required=False, subject_name="SUBJECT")
    with EmbeddedHub(data_dir) as hub:
        if named is not None:
            subject = named.pseudonym(hub.protector.pseudonym)
        elif case_id is not None:
            subject = hub.protector.case_subject(case_id)
        elif control_day_id is not None:
            subject = hub.protector.pseudonym(control_day_identifier(control_day_id))
        assert subject is not None
        try:
            erased = hub.protector.erase(subject)
        except UnknownSubject:
            msg = f"data subject {subject} has no key in {data_dir}: nothing was encrypted for it; nothing erased"
            raise click.ClickException(msg) from None
        if erased:
            click.echo(f"erased the key of {subject}: its encrypted fields now show as [erased]")
        else:
            click.echo(f"{subject} was erased before; nothing changed")
