"""Options shared by the hub's commands; each mirrors a KETENHUB_ environment variable.

The options that locate a hub and log in to it (``--data-dir``, ``--kafka``, the SASL login),
which the connectors' commands share, are in ``ketenhub.hub_options``.
"""

from __future__ import annotations

import click
from pydantic import SecretStr

from ketenhub.hub_options import setting_option


def sasl_credentials(
    username: str | None, password: str | None
) -> tuple[str | None, SecretStr | None]:
    """The user and password of a SASL login: both given, or neither."""
    if (username is None) != (password is None):
        msg = "give --sasl-username and --sasl-password together (or neither)"
        raise click.UsageError(msg)
    return username, None if password is None else SecretStr(password)


writer_wait_option = setting_option(
    "writer_wait_s", "--wait", "wait_s", type=click.FloatRange(min=0), metavar="SECONDS"
)
