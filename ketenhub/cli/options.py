"""Options shared by the hub's commands; each mirrors a KETENHUB_ environment variable.

``--data-dir`` and ``--kafka``, which the connectors' commands share, are in ``ketenhub.hub_options``.
"""

from __future__ import annotations

import click
from pydantic import SecretStr

sasl_username_option = click.option(
    "--sasl-username",
    metavar="USER",
    default=None,
    envvar="KETENHUB_SASL_USERNAME",
    show_envvar=True,
    help="Log in to Kafka (SASL/SCRAM-SHA-512) as this user: a partner id, or the hub's user.",
)

sasl_password_option = click.option(
    "--sasl-password",
    metavar="PASSWORD",
    default=None,
    envvar="KETENHUB_SASL_PASSWORD",
    show_envvar=True,
    help="Password of --sasl-username; prefer the environment variable (command lines are visible).",
)


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
