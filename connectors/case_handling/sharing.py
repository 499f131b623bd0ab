"""Case-handling commands around a case: the case list, forwards, sharing decisions and meetings."""

from __future__ import annotations

from pathlib import Path

import click

from connectors.case_handling.recording import (
    coordinator,
    coordinator_options,
    existing_case,
    new_id,
    record,
    split_list,
)
from connectors.console import hub_options, moment
from connectors.sdk.errors import InputRefused
from connectors.sdk.models import CaseView
from connectors.vocabularies import checked_codes, codes_help
from ketenhub.contract import models as m
from ketenhub.core.validation import FORWARD_REASONS
from ketenhub.hub_options import CASE_ID

NEXT_STEP = {
    "RECEIVED": "intake",
    "INTAKE": "severity (if accepted)",
    "SEVERITY": "research (if INVESTIGATE)",
    "SOURCE_RESEARCH": "plan",
    "ACTION_PLAN": "complete the actions, then close",
    "ACTION": "complete the actions, then close",
}


@click.command("cases")
@click.option(
    "--as",
    "partner",
    default="municipality",
    show_default=True,
    metavar="PARTNER",
    help="The coordinator partner.",
)
@click.option("--all", "show_all", is_flag=True, help="Also list closed cases.")
@hub_options
def cases(
    partner: str, show_all: bool, data_dir: Path, bootstrap: str | None, topic_prefix: str
) -> None:
    """List the coordinator's cases: phase, status, and the next step of each."""
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        views = sorted(client.snapshot().values(), key=lambda v: v.case_id)
        shown = [v for v in views if show_all or v.status != "CLOSED"]
        for view in shown:
            click.echo(_case_line(view))
        click.echo(f"{len(shown)} case(s)")


def _case_line(view: CaseView) -> str:
    signal = view.section("signal")
    step = "-" if view.status == "CLOSED" else NEXT_STEP.get(view.phase or "", "-")
    return (
        f"{view.case_id:<22} {view.phase or '-':<16} {view.status or '-':<7} "
        f"{signal.get('channel', '-'):<15} next: {step}"
    )


@click.command("forward")
@click.argument("case", type=CASE_ID)
@click.option(
    "--to",
    "to_partner",
    prompt="Forward the signal to which partner (partner id)?",
    metavar="PARTNER",
)
@click.option(
    "--reason",
    type=click.Choice(list(FORWARD_REASONS)),
    prompt="Why is it forwarded?",
    help="Why the signal is forwarded.",
)
@coordinator_options
def forward(
    case: str,
    to_partner: str,
    reason: str,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Forward CASE to a named partner (SignalForwarded); the partner then sees it and acknowledges."""
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        client.registry.get(to_partner)
        record(
            client,
            m.SignalForwarded,
            occurred_at=moment(at),
            case_id=case,
            to_partner=to_partner,
            reason=reason,
        )


@click.command("share")
@click.argument("case", type=CASE_ID)
@click.option(
    "--with",
    "with_partner",
    prompt="Share the case with which partner (partner id)?",
    metavar="PARTNER",
)
@click.option(
    "--purpose",
    prompt="Purpose of sharing (e.g. JOINT_CONTROL, CRIMINAL_INVESTIGATION, CARE)",
    help=codes_help("sharing_purposes", "Purpose of sharing."),
)
@click.option(
    "--legal-basis",
    prompt="Legal basis (e.g. Wpg art. 20, AVG art. 6(1)(e))",
    help=codes_help("legal_bases", "Legal basis of sharing."),
)
@click.option("--meeting", "meeting_id", default=None, help="The meeting that decided it, if any.")
@click.option("--decision-id", default=None, help="Id of the decision (default: a new one).")
@coordinator_options
def share(
    case: str,
    with_partner: str,
    purpose: str,
    legal_basis: str,
    meeting_id: str | None,
    decision_id: str | None,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Record a decision to share CASE with a partner for a purpose (SharingDecided): need-to-know."""
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        client.registry.get(with_partner)
        decision = decision_id or new_id("share")
        record(
            client,
            m.SharingDecided,
            occurred_at=moment(at),
            case_id=case,
            decision_id=decision,
            partner=with_partner,
            purpose=checked_codes(client, "sharing_purposes", [purpose], "--purpose")[0],
            legal_basis=checked_codes(client, "legal_bases", [legal_basis], "--legal-basis")[0],
            meeting_id=meeting_id,
        )
        click.echo(f"sharing decision {decision}: {with_partner} now sees case {case}")


@click.command("revoke")
@click.argument("case", type=CASE_ID)
@click.argument("decision")
@click.option(
    "--legal-basis",
    prompt="Legal basis of the revocation",
    help=codes_help("legal_bases", "Legal basis of the revocation."),
)
@click.option("--meeting", "meeting_id", default=None, help="The meeting that decided it, if any.")
@coordinator_options
def revoke(
    case: str,
    decision: str,
    legal_basis: str,
    meeting_id: str | None,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Revoke sharing DECISION of CASE (SharingRevoked): the partner loses sight of the case."""
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        view = client.snapshot().get(case)
        shared = (view.section("sharing") if view else {}).get(decision)
        if shared is None or shared.get("revoked_at") is not None:
            raise InputRefused(
                where=f"decision {decision!r}",
                detail=f"is no sharing decision in force for case {case!r}",
            )
        record(
            client,
            m.SharingRevoked,
            occurred_at=moment(at),
            case_id=case,
            decision_id=decision,
            partner=shared["partner"],
            purpose=shared["purpose"],
            legal_basis=checked_codes(client, "legal_bases", [legal_basis], "--legal-basis")[0],
            meeting_id=meeting_id,
        )


@click.command("meeting")
@click.option(
    "--type",
    "meeting_type",
    type=click.Choice(list(m.MeetingType)),
    prompt="Which meeting was held?",
    help="Kind of meeting.",
)
@click.option(
    "--case", "cases_discussed", type=CASE_ID, multiple=True, help="A case discussed (repeatable)."
)
@click.option("--meeting-id", default=None, help="Id of the meeting (default: a new one).")
@coordinator_options
def meeting(
    meeting_type: str,
    cases_discussed: tuple[str, ...],
    meeting_id: str | None,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Record a collaboration meeting and the cases it discussed (MeetingHeld)."""
    discussed = list(cases_discussed) or split_list(
        click.prompt("Cases discussed, comma-separated")
    )
    identifier = meeting_id or new_id("meeting")
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        known = client.snapshot()
        unknown = sorted(set(discussed) - known.keys())
        if unknown:
            raise InputRefused(where="--case", detail=f"unknown case(s) {unknown}")
        record(
            client,
            m.MeetingHeld,
            occurred_at=moment(at),
            meeting_id=identifier,
            meeting_type=meeting_type,
            cases_discussed=discussed,
        )
        click.echo(
            f"meeting {identifier} recorded; use --meeting {identifier} on sharing decisions it took"
        )
