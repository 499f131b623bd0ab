"""``ketenhub connector police | riec | heit``: take up forwarded cases, report back, follow the view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from connectors.console import (
    HubAddress,
    at_option,
    describe,
    follow_option,
    hub_options,
    moment,
    open_client,
    settle,
)
from connectors.follow_up import (
    acknowledge_forwards,
    open_actions,
    open_forwards,
    report_action,
)
from connectors.sdk.errors import InputRefused
from connectors.sdk.models import CaseView
from connectors.vocabularies import codes_help
from ketenhub.core.partners import Role
from ketenhub.hub_options import CASE_ID
from ketenhub.json_events import InvalidEventLine, event_from_json, numbered_lines

F = TypeVar("F", bound=Callable[..., Any])


def _as_option(default: str, role: Role) -> Callable[[F], F]:
    return click.option(
        "--as",
        "partner",
        default=default,
        show_default=True,
        metavar="PARTNER",
        help=f"The {role} partner this connector acts for.",
    )


def acknowledge_command(name: str, default: str, role: Role, summary: str) -> click.Command:
    """The command that acknowledges every forward addressed to the partner."""

    @click.command(name, help=summary)
    @_as_option(default, role)
    @at_option
    @hub_options
    def acknowledge(
        partner: str, at: str | None, data_dir: Path, bootstrap: str | None, topic_prefix: str
    ) -> None:
        hub = HubAddress(data_dir, bootstrap, topic_prefix)
        with open_client(partner, hub, default, role=role) as client:
            done = acknowledge_forwards(client, moment(at))
            for forward, _ in done:
                click.echo(
                    f"acknowledged forward {forward.forward_event_id} of case {forward.case_id} "
                    f"({forward.reason}, forwarded {forward.at})"
                )
            click.echo(f"{len(done)} forward(s) acknowledged")
            settle(client, [receipt for _, receipt in done])

    return acknowledge


def report_command(default: str, role: Role) -> click.Command:
    """The command that reports an owned action as ended, with finding codes."""

    @click.command("report")
    @click.argument("case", type=CASE_ID)
    @click.argument("action")
    @click.option(
        "--finding",
        "findings",
        multiple=True,
        metavar="CODE",
        help=codes_help("finding_codes", "A finding code; repeat for more."),
    )
    @click.option("--cancelled", is_flag=True, help="The action was cancelled, not completed.")
    @_as_option(default, role)
    @at_option
    @hub_options
    def report(
        case: str,
        action: str,
        findings: tuple[str, ...],
        cancelled: bool,
        partner: str,
        at: str | None,
        data_dir: Path,
        bootstrap: str | None,
        topic_prefix: str,
    ) -> None:
        """Report that ACTION of CASE, which this partner owns, ended (ActionCompleted).

        The action must be in the partner's view, owned by it and not yet reported. Give the
        findings as codes, never as free text: e.g. --finding NO_PERMIT --finding OVERCROWDING.
        """
        hub = HubAddress(data_dir, bootstrap, topic_prefix)
        with open_client(partner, hub, default, role=role) as client:
            receipt = report_action(client, case, action, findings, moment(at), cancelled=cancelled)
            result = "cancelled" if cancelled else "completed"
            click.echo(
                f"reported action {action} of case {case} as {result}, findings: {len(findings)}"
            )
            settle(client, [receipt])

    return report


def follow_command(default: str, role: Role) -> click.Command:
    """The command that prints the changes of the partner's view since its last run."""

    @click.command("follow")
    @_as_option(default, role)
    @follow_option
    @hub_options
    def follow(
        partner: str, follow: bool, data_dir: Path, bootstrap: str | None, topic_prefix: str
    ) -> None:
        """Print the changes of this partner's view since the last run, one line per case.

        Open forwards to take up and open actions to report on are listed under their case.
        Positions are committed: the next run starts after what this one printed.
        """
        hub = HubAddress(data_dir, bootstrap, topic_prefix)
        with open_client(partner, hub, default, role=role) as client:
            changes = 0
            for update in client.views(follow=follow):
                changes += 1
                click.echo(describe(update))
                if isinstance(update, CaseView):
                    _echo_open_work(update, client.partner.id)
            if changes == 0:
                click.echo("no changes since the last run")

    return follow


def _echo_open_work(view: CaseView, partner: str) -> None:
    for forward in open_forwards([view], partner):
        click.echo(f"    to take up: forward {forward.forward_event_id} ({forward.reason})")
    for action in open_actions([view], partner):
        click.echo(
            f"    to report: action {action.action_id} ({action.kind}, due {action.due_date})"
        )


@click.group("police")
def police() -> None:
    """Police connector: publish police signals, acknowledge forwarded signals, follow the view."""


@police.command("publish")
@click.argument("file", type=click.File("rb"))
@_as_option("police", Role.POLICE)
@hub_options
def police_publish(
    file: BinaryIO, partner: str, data_dir: Path, bootstrap: str | None, topic_prefix: str
) -> None:
    """Publish the police signals and events of FILE (JSON lines, as `ketenhub publish`).

    Every line is checked first (format, and that the police may record it); if one is
    bad, nothing is published. Identifiers are pseudonymised and free texts encrypted
    before anything leaves this command. Use - for standard input.
    """
    hub = HubAddress(data_dir, bootstrap, topic_prefix)
    with open_client(partner, hub, "police", role=Role.POLICE) as client:
        events, problems = [], []
        for number, line in numbered_lines(file):
            try:
                parsed = event_from_json(
                    line, number, client.partner.id, client.protector, registry=client.registry
                )
            except InvalidEventLine as exc:
                problems.append(str(exc))
            else:
                events.append(parsed.event)
        if problems:
            raise InputRefused(
                where=file.name, detail="; ".join(problems) + "; nothing was published"
            )
        receipts = client.publish_all(events)
        click.echo(f"published {len(receipts)} event(s) as {client.partner.id}")
        settle(client, receipts)


police.add_command(
    acknowledge_command(
        "acknowledge",
        "police",
        Role.POLICE,
        "Acknowledge every signal forwarded to the police that it has not acknowledged yet "
        "(SignalAcknowledged), found in the police's view.",
    )
)
police.add_command(report_command("police", Role.POLICE))
police.add_command(follow_command("police", Role.POLICE))


def _case_taker(name: str, role: Role, title: str) -> click.Group:
    group = click.Group(
        name,
        help=f"{title} connector: take up the cases escalated or forwarded to it, report back "
        "findings on the actions it owns, and follow its view.",
    )
    group.add_command(
        acknowledge_command(
            "take-up",
            name,
            role,
            "Take up every case escalated or forwarded to this partner that it has not taken up "
            "yet: acknowledge each forward (SignalAcknowledged), found in the partner's view.",
        )
    )
    group.add_command(report_command(name, role))
    group.add_command(follow_command(name, role))
    return group


riec = _case_taker("riec", Role.RIEC, "RIEC (Regional Information and Expertise Centre)")
heit = _case_taker("heit", Role.INSPECTION, "HEIT (and other inspection partners, with --as)")
