"""Entry point of the ``ketenhub`` command: errors become one clear line, never a stack trace."""

from __future__ import annotations

import sys

import click

from ketenhub import __version__
from ketenhub.cli.access_commands import access_log
from ketenhub.cli.codes_command import codes
from ketenhub.cli.connector_commands import connector
from ketenhub.cli.demo import demo
from ketenhub.cli.http import http
from ketenhub.cli.hub_commands import erase, publish, rejected, run, view
from ketenhub.cli.init_command import init
from ketenhub.cli.inventory_command import data_inventory
from ketenhub.cli.partners_commands import partners
from ketenhub.cli.replay_commands import archive, evaluate, replay
from ketenhub.cli.retention_command import retention
from ketenhub.cli.serve import serve
from ketenhub.cli.subject_commands import subject_report
from ketenhub.cli.users_command import users
from ketenhub.cli.verify_commands import verify
from ketenhub.cli.web_command import web
from ketenhub.errors import KetenhubError
from ketenhub.hub_options import setting_option
from ketenhub.observability import configure_logging


class _Cli(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KetenhubError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ketenhub")
@setting_option(
    "log_level",
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
def cli(log_level: str) -> None:
    """Ketenhub: the integration hub of the chain partners against human trafficking.

    Partners publish events; the hub validates them, seals them into one hash-chained
    audit log and projects a need-to-know view of the cases per partner. Without --kafka,
    commands work on the embedded hub in --data-dir (no server needed).
    """
    configure_logging(log_level)


for command in (
    init,
    demo,
    publish,
    run,
    view,
    rejected,
    verify,
    erase,
    serve,
    http,
    web,
    archive,
    replay,
    evaluate,
    partners,
    codes,
    connector,
    users,
    data_inventory,
    retention,
    access_log,
    subject_report,
):
    cli.add_command(command)


def main() -> None:
    """Run the CLI."""
    try:
        cli(prog_name="ketenhub")
    except KeyboardInterrupt:
        click.echo("ketenhub: interrupted", err=True)
        sys.exit(130)
