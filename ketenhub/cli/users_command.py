"""``ketenhub users``: the people who sign in to the pages, each of one partner."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ketenhub.hub_folder import HubFolder
from ketenhub.hub_options import data_dir_option


def _password(confirm: bool) -> str:
    """The password from a hidden prompt, or the first line of standard input when piped."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    text: str = click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return text


@click.group()
def users() -> None:
    """The people who sign in to the pages of `ketenhub web`; each belongs to one partner.

    Passwords are read from a hidden prompt (or standard input) and kept as argon2id hashes
    in DATA_DIR/web-users.json (mode 0600). A user sees exactly what its partner may see.
    """


@users.command("add")
@click.option("--partner", required=True, metavar="PARTNER", help="The partner the user works for.")
@click.option("--name", required=True, help="The sign-in name.")
@data_dir_option
def add_user(partner: str, name: str, data_dir: Path) -> None:
    """Add a user of PARTNER; asks for the password (at least 12 characters)."""
    from ketenhub.web.users import UserStore

    folder = HubFolder(data_dir)
    folder.require_log()
    record = UserStore(data_dir).add(folder.registry(), partner, name, _password(confirm=True))
    click.echo(f"added user {record.user_id} of partner {record.partner}")


@users.command("list")
@data_dir_option
def list_users(data_dir: Path) -> None:
    """List the users: id, partner, sign-in name and whether they may sign in."""
    from ketenhub.web.users import UserStore

    for record in UserStore(data_dir).records():
        state = "active" if record.active else f"disabled {record.disabled_at}"
        click.echo(f"{record.user_id}  {record.partner:<22} {record.name}  ({state})")


@users.command("password")
@click.option("--name", required=True, help="The sign-in name.")
@data_dir_option
def set_password(name: str, data_dir: Path) -> None:
    """Give a user a new password (asked for, as with add)."""
    from ketenhub.web.users import UserStore

    record = UserStore(data_dir).set_password(name, _password(confirm=True))
    click.echo(f"changed the password of user {record.user_id}")


@users.command("disable")
@click.option("--name", required=True, help="The sign-in name.")
@data_dir_option
def disable_user(name: str, data_dir: Path) -> None:
    """Stop a user from signing in; open sessions end at their next request."""
    from ketenhub.web.users import UserStore

    record = UserStore(data_dir).disable(name)
    click.echo(f"disabled user {record.user_id}")
