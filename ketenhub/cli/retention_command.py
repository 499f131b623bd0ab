"""``ketenhub retention run``: erase every data subject whose retention periods have all run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ketenhub.cli.replay_commands import open_source, public_key_option, replay_pin_option
from ketenhub.hub_folder import HubFolder
from ketenhub.hub_options import data_dir_option, kafka_option


@click.group()
def retention() -> None:
    """Retention: erase what the hub may no longer keep (periods per category in the registry)."""


@retention.command("run")
@click.option(
    "--dry-run",
    is_flag=True,
    help="List the expired cases and what would be erased; erase nothing.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="DATE",
    help="Decide as at the end of this day (UTC). Default: today (UTC).",
)
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
@replay_pin_option
@public_key_option
@kafka_option
@data_dir_option
def run(
    dry_run: bool,
    as_of: dt.datetime | None,
    yes: bool,
    data_dir: Path,
    bootstrap: str | None,
    public_key: Path | None,
) -> None:
    """Find every case and data subject whose retention period has run and crypto-shred them.

    The history (audit.log, from the data folder or --kafka) is verified first; a log that
    does not hold erases nothing, and records after the last signed checkpoint wait for a
    later run. A case's period starts when it is closed, per category of
    the registry's [retention] (see `ketenhub data-inventory`); a message the hub refused
    (rejected.<partner>) counts from its refusal (refused_inputs). A data subject is erased only
    when every case, referral, control day and refused message it appears in has expired, by
    deleting its key
    (as `ketenhub erase` does), with the reason kept beside the erasure. The log, its hashes
    and checkpoints stay intact; the erased fields show as [erased] everywhere. Keys live in
    --data-dir also with --kafka, which reaches the hub's topics as every --kafka command does
    (the topic prefix and SASL login of KETENHUB_TOPIC_PREFIX and KETENHUB_SASL_*).
    """
    from replay.retention import carry_out, erasure_reason, read_plan

    day = as_of.date() if as_of is not None else dt.datetime.now(dt.UTC).date()
    folder = HubFolder(data_dir)
    registry = folder.registry()
    protector = folder.protector()
    try:
        with open_source(data_dir, bootstrap, None, public_key) as source:
            refused = source.rejected([p.id for p in registry.partners])
            plan = read_plan(source, registry.retention, protector, day, refused)
        click.echo(f"retention as of the end of {day} (UTC)")
        click.echo(f"expired cases: {len(plan.cases)}")
        for case in plan.cases:
            click.echo(f"  {case.case_id}  expired {case.expiry.on}")
        verb = "that would be erased" if dry_run else "to erase"
        click.echo(f"data subjects {verb}: {len(plan.erase)}")
        for found in plan.erase:
            click.echo(f"  {found.subject}  {erasure_reason(found)}")
        summary = (
            f"kept {plan.kept} data subject(s) within a period; {plan.expired_without_key} "
            "expired without a key (nothing encrypted for them, or erased before)"
        )
        if plan.unsigned:
            summary += (
                f"; {plan.unsigned} record(s) after the last signed checkpoint left for a later "
                "run (the hub signs them when idle)"
            )
        if dry_run or not plan.erase:
            click.echo(("dry run: nothing erased; " if dry_run else "nothing to erase; ") + summary)
            return
        if not yes:
            click.confirm(
                f"Erase the keys of {len(plan.erase)} data subject(s)? This cannot be undone",
                abort=True,
                err=True,
            )
        erased = carry_out(plan, protector)
        click.echo(f"erased {erased} data subject(s); {summary}")
    finally:
        protector.close()
