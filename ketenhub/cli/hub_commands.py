"""Commands on a hub, embedded or on Kafka: publish, run, view, rejected, verify, erase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import click

from ketenhub import topics
from ketenhub.cli.hubs import open_hub
from ketenhub.cli.options import data_dir_option, kafka_option
from ketenhub.cli.rendering import decrypt_view, echo_stats, echo_view_table
from ketenhub.core.partners import Role
from ketenhub.embedded.hub import EmbeddedHub
from ketenhub.errors import IntegrityError
from ketenhub.json_events import InvalidEventLine, event_from_json


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
@click.argument("file", type=click.File("r", encoding="utf-8"))
@data_dir_option
@kafka_option
def publish(
    partner: str, no_run: bool, file: TextIO, data_dir: Path, bootstrap: str | None
) -> None:
    """Publish the events of FILE (JSON lines, one event per line) as PARTNER.

    Identifiers are pseudonymised and free texts encrypted before anything is stored. A bad
    line is reported with its number and skipped; the other lines are published. The
    format is described in the README ("Publishing events"). Use - for standard input.
    On the embedded hub the pipeline then runs; on Kafka the running workers seal them.
    """
    with open_hub(data_dir, bootstrap, create=True) as hub:
        hub.registry.get(partner)
        published, bad = 0, 0
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                hub.publish(event_from_json(line, number, partner, hub.protector))
                published += 1
            except InvalidEventLine as exc:
                bad += 1
                click.echo(f"skipped {exc}", err=True)
        skipped = f", skipped {bad} bad line(s)" if bad else ""
        click.echo(f"published {published} event(s) to {topics.ingest(partner)}{skipped}")
        if isinstance(hub, EmbeddedHub) and not no_run:
            echo_stats(hub.run())
    if bad:
        raise SystemExit(1)


@click.command()
@data_dir_option
def run(data_dir: Path) -> None:
    """Seal and project everything ingested so far on the embedded hub, then stop."""
    with EmbeddedHub(data_dir) as hub:
        echo_stats(hub.run())


@click.command()
@click.argument("partner")
@click.argument("case", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the raw view(s) as JSON.")
@data_dir_option
@kafka_option
def view(
    partner: str, case: str | None, as_json: bool, data_dir: Path, bootstrap: str | None
) -> None:
    """Show what PARTNER can see: its cases, or one CASE in full.

    Views come from the partner's compacted view topic. The coordinator's encrypted fields
    are decrypted with the subjects' keys; erased subjects show as [erased].
    """
    with open_hub(data_dir, bootstrap) as hub:
        role = hub.registry.get(partner).role
        views = {k: json.loads(v) for k, v in hub.live_views(partner).items()}
        if case is None:
            if as_json:
                click.echo(json.dumps(views, indent=2, sort_keys=True))
            else:
                echo_view_table(partner, views)
            return
        if case not in views:
            msg = f"{partner} has no view of case {case!r} (unknown case, or no reason to see it)"
            raise click.ClickException(msg)
        shown = (
            decrypt_view(views[case], hub.protector) if role is Role.COORDINATOR else views[case]
        )
        click.echo(json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False))


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
            headers = {name: value.decode(errors="replace") for name, value in record.headers}
            click.echo(
                f"{headers.get('ketenhub_source_topic')}@{headers.get('ketenhub_source_offset')}  "
                f"{headers.get('ketenhub_rejection_code')}: {headers.get('ketenhub_rejection_reason')}"
            )
            count += 1
        click.echo(f"{count} rejected message(s) in {topics.rejected(partner)}")


@click.command()
@data_dir_option
@kafka_option
def verify(data_dir: Path, bootstrap: str | None) -> None:
    """Verify audit.log: every hash link, every record's hash, every signed checkpoint.

    Exits 0 when the history is intact, 1 naming the first bad offset when it is not.
    """
    with open_hub(data_dir, bootstrap) as hub:
        try:
            report = hub.verify()
        except IntegrityError as exc:
            click.echo(f"TAMPERING DETECTED: {exc}", err=True)
            raise SystemExit(1) from exc
        click.echo(f"audit.log: {report.records} sealed records, hash chain intact")
        last = report.last_checkpoint
        if last is None:
            click.echo("no signed checkpoint yet")
        else:
            click.echo(
                f"{report.checkpoints} signed checkpoint(s) verified; last covers {last.tree_size} "
                f"records, root {last.root.hex()}, key {last.key_id}"
            )


@click.command()
@click.argument("subject")
@click.confirmation_option(
    prompt="Erase this data subject's key? Its encrypted fields become unreadable for good"
)
@data_dir_option
def erase(subject: str, data_dir: Path) -> None:
    """Crypto-shred data subject SUBJECT (a psn- pseudonym): delete its key.

    The log and its hashes stay intact; the subject's encrypted fields become unreadable
    everywhere and show as [erased].
    """
    with EmbeddedHub(data_dir) as hub:
        hub.protector.erase(subject)
        click.echo(f"erased the key of {subject}")
