"""``ketenhub connector``: the partners' connectors, built on the connector SDK (``connectors``)."""

from __future__ import annotations

import click

from connectors.anonymous_tips.command import anonymous_tips
from connectors.care_command import care_coordination
from connectors.case_handling import case_handling
from connectors.enforcement_commands import heit, police, riec


@click.group("connector")
def connector() -> None:
    """Run a partner's connector against the hub (embedded in --data-dir, or on --kafka).

    Each connector acts for one partner and sees only that partner's view and rejected
    messages. Positions in the view are committed per connector, so `follow` continues
    where the last run stopped. Run `ketenhub connector NAME --help` for each.
    """


for _command in (anonymous_tips, police, care_coordination, riec, heit, case_handling):
    connector.add_command(_command)
