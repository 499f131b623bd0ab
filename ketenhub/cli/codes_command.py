"""``ketenhub codes``: the closed vocabularies a partner may use in coded fields, and id formats."""

from __future__ import annotations

import textwrap
from pathlib import Path

import click

from ketenhub.core.codes import CodeLists
from ketenhub.core.identifiers import ID_FORMAT, PSEUDONYM_FORMAT
from ketenhub.data_folder import CODES_FILE
from ketenhub.hub_folder import HubFolder
from ketenhub.hub_options import data_dir_option

_LISTS = "\n".join(f"  {name}: {CodeLists.description(name)}" for name in CodeLists.names())


@click.command(
    help=f"""List the codes the hub accepts in coded fields: all lists, or the list NAME.

Coded fields are closed vocabularies; any other value is refused as INVALID_VALUE.
The lists come from --data-dir/{CODES_FILE} when the data folder has its own lists, else
from the lists shipped with the hub. The lists:

\b
{_LISTS}

Identifiers have fixed formats too: a pseudonym is {PSEUDONYM_FORMAT}; an id (case_id,
visit_id, referral_id, ...) is {ID_FORMAT}. Any other string field holding a BSN, an e-mail
address or a phone number is refused as PERSONAL_DATA_IN_FIELD.
"""
)
@click.argument("name", required=False, type=click.Choice(CodeLists.names()))
@data_dir_option
def codes(name: str | None, data_dir: Path) -> None:
    """Print the code lists in force (see the command's help text)."""
    lists = HubFolder(data_dir).registry().codes
    for list_name in (name,) if name else CodeLists.names():
        click.echo(f"{list_name}: {CodeLists.description(list_name)}")
        for code in sorted(lists.allowed(list_name)):
            click.echo(f"  {code}")
        if not name:
            click.echo()
    if not name:
        click.echo(textwrap.fill(f"pseudonyms: {PSEUDONYM_FORMAT}; ids: {ID_FORMAT}", width=96))
