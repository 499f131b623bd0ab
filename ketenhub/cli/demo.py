"""``ketenhub demo``: a fresh embedded hub loaded with a synthetic year, and what it shows."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections import Counter
from pathlib import Path

import click

from ketenhub import topics
from ketenhub.cli.init_command import echo_trust_anchor
from ketenhub.cli.rendering import echo_stats
from ketenhub.codec.views import decode_view
from ketenhub.contract.view_records import CoordinatorView
from ketenhub.core.trust import fingerprint
from ketenhub.data_folder import create_private_folder
from ketenhub.errors import KetenhubError
from ketenhub.hub_options import data_dir_option
from ketenhub.runtime.embedded.hub import LOG_FILE, EmbeddedHub

DEMO_MARKER = ".ketenhub-demo"


class DataDirInUse(KetenhubError):
    """The data folder holds something the demo must not overwrite."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"{data_dir} holds a hub (or other files) not made by `ketenhub demo`; "
            "the demo only replaces its own folders: choose another --data-dir"
        )


def _fresh_folder(data_dir: Path) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / DEMO_MARKER).exists():
            raise DataDirInUse(data_dir)
        shutil.rmtree(data_dir)
    create_private_folder(data_dir)
    (data_dir / DEMO_MARKER).write_text(
        "made by `ketenhub demo`; safe to delete\n", encoding="utf-8"
    )


@click.command()
@data_dir_option
@click.option(
    "--year",
    type=click.IntRange(1971, 9998),
    default=2025,
    show_default=True,
    help="The synthetic year to evaluate; the smaller baseline year before it is loaded too.",
)
@click.option(
    "--seed",
    default=1916,
    show_default=True,
    help="Seed of the synthetic history (same seed, same year).",
)
def demo(data_dir: Path, year: int, seed: int) -> None:
    """Create a fresh embedded hub in --data-dir and load two synthetic years as they happened.

    The baseline year (--year minus one, the nulmeting: fewer signals, few trainings) and
    --year itself hold signals from every channel through all five phases, control days,
    Bibob screenings, victims and referrals to each care provider, trainings, campaigns
    and meetings; --year also holds some deliberately bad messages to show that nothing is
    lost. Each day's messages are sealed at the end of that day (the hub's clock follows
    the story), so time travel, archives and the evaluation against the baseline show
    history. All data is synthetic. Prints what was sealed and rejected, the cases per
    phase, what each partner can see, where the data lives, and what to try next.
    Replaces a folder made by an earlier demo.
    """
    from ketenhub.demo.loading import seal_as_it_happened  # only this command needs them
    from ketenhub.demo.scenario import build_history

    if dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC) > dt.datetime.now(dt.UTC):
        msg = f"--year {year} has not ended yet: the demo seals each day at its own time; choose an earlier year"
        raise click.BadParameter(msg, param_hint="--year")
    _fresh_folder(data_dir)
    with EmbeddedHub(data_dir, create=True) as hub:
        messages = build_history(year, seed, protector=hub.protector)
        click.echo(
            f"Loading the synthetic years {year - 1} (baseline) and {year} (seed {seed}): "
            f"{len(messages)} messages from partners' systems"
        )
        click.echo(
            "Running the pipeline day by day: ingest -> validate -> seal -> project, "
            "each day sealed at its own time"
        )
        stats = seal_as_it_happened(hub, messages)
        echo_stats(stats)
        expected = Counter(m.expect for m in messages if m.expect not in ("ACCEPT", "DUPLICATE"))
        actual = Counter(r.code.value for _, r in stats.rejections)
        if expected != actual:
            msg = f"rejections differ from the scenario: expected {dict(expected)}, got {dict(actual)}"
            raise click.ClickException(msg)
        report = hub.verify()
        click.echo(
            f"\nVerified: {report.records} sealed records, hash chain intact, {report.checkpoints} signed checkpoint(s)"
        )
        _echo_phases(hub)
        _echo_partners(hub)
        _echo_where(data_dir)
        _echo_next(data_dir, year, fingerprint(hub.public_key))
        click.echo("")
        echo_trust_anchor(data_dir, hub.public_key)
    _echo_web(data_dir)


def _echo_phases(hub: EmbeddedHub) -> None:
    coordinator = hub.registry.partners[0].id
    views = [decode_view(v).content for v in hub.live_views(coordinator).values()]
    cases = [v for v in views if isinstance(v, CoordinatorView)]
    open_phases = Counter(v.phase for v in cases if v.closed is None)
    closed_phases = Counter(v.closed.phase for v in cases if v.closed is not None)
    click.echo(f"\nCases ({len(views)}), by the phase they reached:")
    for phase in ("RECEIVED", "INTAKE", "SEVERITY", "SOURCE_RESEARCH", "ACTION_PLAN", "ACTION"):
        click.echo(f"  {phase:<16} open {open_phases[phase]:>3}   closed {closed_phases[phase]:>3}")


def _echo_partners(hub: EmbeddedHub) -> None:
    click.echo("\nWhat each partner can see (need-to-know):")
    for partner in hub.registry.partners:
        count = len(hub.live_views(partner.id))
        rejected = hub.log.end_offset(topics.rejected(partner.id))
        note = f", {rejected} rejected message(s) kept" if rejected else ""
        click.echo(f"  {partner.id:<22} {partner.role:<18} {count:>3} case(s){note}")


def _echo_where(data_dir: Path) -> None:
    click.echo(f"\nThe data lives in {data_dir}/:")
    click.echo(f"  {LOG_FILE}: topics ingest.*, rejected.*, audit.log, audit.checkpoints, view.*")
    click.echo("  keys/: the hub's signing key, the pseudonym secret, one key per data subject")


def _echo_next(data_dir: Path, year: int, key_fingerprint: str) -> None:
    """The commands to try next, spelled with this installation's ketenhub (no venv needed)."""
    click.echo("Next, try:")
    folder = f"--data-dir {data_dir}"
    for command in try_next(year, key_fingerprint):
        click.echo(f"  {ketenhub_command()} {command} {folder}")


def try_next(year: int, key_fingerprint: str) -> list[str]:
    """What to try on the demo hub (each shows something on the demo's two years)."""
    return [
        "view municipality",
        "view shop",
        f"view municipality case-{year}-0001",
        "rejected police",
        f"verify --trusted-key {key_fingerprint}",
        f"replay --as-of {year}-06-30 --partner police --trusted-key {key_fingerprint}",
        f"archive --year {year} --out ketenhub-archive --trusted-key {key_fingerprint}",
        f"evaluate --year {year} --baseline {year - 1} --out ketenhub-report "
        f"--trusted-key {key_fingerprint}",
        "publish --as municipal-staff examples/signals.jsonl",
    ]


def ketenhub_command() -> str:
    """How to call this installation's ``ketenhub`` without activating its virtual environment.

    The script beside the running Python (``.venv/bin/ketenhub``), relative to the working
    folder when it lies inside it; else ``ketenhub`` as found on the PATH.
    """
    script = Path(sys.executable).parent / "ketenhub"
    if not script.exists():
        return "ketenhub"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _echo_web(data_dir: Path) -> None:
    click.echo("\nOn the web (the partners' HTTP API and the pages), on this demo data:")
    click.echo(f"  {ketenhub_command()} web --data-dir {data_dir}")
    click.echo("  then open http://127.0.0.1:8080/  (the API's documentation: /api/v1/docs)")
    click.echo(
        f"  {ketenhub_command()} partners token add police --data-dir {data_dir}  (an API token)"
    )
