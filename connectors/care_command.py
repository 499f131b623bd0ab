"""``ketenhub connector care-coordination``: a care provider follows its referrals and decides on them."""

from __future__ import annotations

from pathlib import Path

import click

from connectors.care import (
    CareDecision,
    ReferralInView,
    Step,
    decision,
    events_for,
    read_decisions,
    referrals_in,
)
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
from connectors.sdk.client import PartnerClient
from connectors.sdk.models import CaseView
from ketenhub.contract.models import CareOutcome, DeclineReason
from ketenhub.core.partners import Role

_REF = "REF"


@click.command("care-coordination")
@click.option(
    "--as",
    "partner",
    default="shop",
    show_default=True,
    metavar="PARTNER",
    help="The care partner: shop, leger-des-heils, kessler-perspektief, comensha, vluchtelingenwerk.",
)
@click.option("--accept", multiple=True, metavar=_REF, help="Accept referral REF (repeatable).")
@click.option(
    "--decline", multiple=True, metavar=_REF, help="Decline referral REF; needs --reason."
)
@click.option(
    "--reason",
    type=click.Choice(list(DeclineReason)),
    help="Why the --decline referrals are declined.",
)
@click.option(
    "--start", multiple=True, metavar=_REF, help="Care started for accepted referral REF."
)
@click.option(
    "--end", multiple=True, metavar=_REF, help="Care ended for referral REF; needs --outcome."
)
@click.option(
    "--outcome",
    type=click.Choice(list(CareOutcome)),
    help="How care ended for the --end referrals.",
)
@click.option(
    "--decisions",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="CSV of decisions: referral_id,decision,reason,outcome (decision: accept, decline, start, end).",
)
@click.option(
    "--list", "list_only", is_flag=True, help="List every referral addressed to the partner now."
)
@follow_option
@at_option
@hub_options
def care_coordination(
    partner: str,
    accept: tuple[str, ...],
    decline: tuple[str, ...],
    reason: str | None,
    start: tuple[str, ...],
    end: tuple[str, ...],
    outcome: str | None,
    decisions: Path | None,
    list_only: bool,
    follow: bool,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Follow the referrals addressed to a care partner and record its decisions on them.

    Without decisions it prints the referrals that changed since the last run (--follow
    keeps waiting; --list shows all of them now). With decisions it records, in this
    order, --accept (ReferralAccepted), --decline with --reason (ReferralDeclined), --start
    (CareStarted) and --end with --outcome (CareEnded), then the rows of --decisions. Each
    decision is checked against the partner's view first: the referral must be addressed
    to it and in the right status; if one is not, nothing is recorded.
    """
    planned = [decision(ref, Step.ACCEPT) for ref in accept]
    planned += [decision(ref, Step.DECLINE, reason=reason) for ref in decline]
    planned += [decision(ref, Step.START) for ref in start]
    planned += [decision(ref, Step.END, outcome=outcome) for ref in end]
    planned += read_decisions(decisions) if decisions else []
    hub = HubAddress(data_dir, bootstrap, topic_prefix)
    with open_client(partner, hub, "care-coordination", role=Role.CARE) as client:
        if planned:
            _record(client, planned, at)
        elif list_only:
            _list(client)
        else:
            _follow(client, follow)


def _record(client: PartnerClient, planned: list[CareDecision], at: str | None) -> None:
    referrals = referrals_in(client.snapshot().values())
    events = events_for(planned, referrals, client.partner.id, moment(at))
    receipts = client.publish_all(events)
    for step in planned:
        click.echo(f"recorded {step.step} of referral {step.referral_id}")
    settle(client, receipts)


def _list(client: PartnerClient) -> None:
    referrals = referrals_in(client.snapshot().values())
    for referral in sorted(referrals.values(), key=lambda r: r.referral_id):
        click.echo(_line(referral))
    click.echo(f"{len(referrals)} referral(s) addressed to {client.partner.id}")


def _follow(client: PartnerClient, follow: bool) -> None:
    changes = 0
    for update in client.views(follow=follow):
        changes += 1
        click.echo(describe(update))
        if isinstance(update, CaseView):
            for referral in referrals_in([update]).values():
                click.echo("    " + _line(referral))
    if changes == 0:
        click.echo("no changes since the last run")


def _line(referral: ReferralInView) -> str:
    detail, victim = referral.detail, referral.victim
    who = f"{victim.get('age_group', '?')} {victim.get('gender', '?')}" if victim else "victim ?"
    if victim:
        others = victim.get("other_exploitation_forms") or []
        forms = [
            victim.get("exploitation_form", "?"),
            *(others if isinstance(others, list) else []),
        ]
        who += f" ({', '.join(str(f) for f in forms)})"
    interpreter = ", interpreter needed" if detail.get("interpreter_needed") else ""
    return (
        f"referral {referral.referral_id} (case {referral.case_id}): {detail.get('care_type')}, "
        f"{detail.get('urgency')}{interpreter}, {who}: {detail.get('status')}"
    )
