"""Options shared by the hub's commands; each mirrors a KETENHUB_ environment variable.

The options that locate a hub and log in to it (``--data-dir``, ``--kafka``, the SASL login),
which the connectors' commands share, are in ``ketenhub.hub_options``.
"""

from __future__ import annotations

import click
from pydantic import SecretStr


def sasl_credentials(
    username: str | None, password: str | None
) -> tuple[str | None, SecretStr | None]:
    """The user and password of a SASL login: both given, or neither."""
    if (username is None) != (password is None):
        msg = "give --sasl-username and --sasl-password together (or neither)"
        raise click.UsageError(msg)
    return username, None if password is None else SecretStr(password)


writer_wait_option = click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    envvar="KETENHUB_WRITER_WAIT_S",
    show_envvar=True,
    help="Embedded hub: how long to wait for another process sealing the same data folder "
    "before giving up (0: refuse at once, naming its pid).",
)
