"""The five phases of a signal as commands: intake, severity, source research, action plan, close."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from connectors.case_handling.recording import (
    coordinator,
    coordinator_options,
    encrypted,
    existing_case,
    record,
    split_list,
)
from connectors.console import moment, settle
from connectors.follow_up import report_action
from connectors.sdk.errors import InputRefused
from connectors.vocabularies import checked_codes, codes_help
from ketenhub.contract import models as m
from ketenhub.hub_options import CASE_ID

_RATIONALE = click.option(
    "--rationale", default=None, help="Motivation (free text: stored encrypted, never in clear)."
)


@click.command("intake")
@click.argument("case", type=CASE_ID)
@click.option(
    "--undermining-crime/--not-undermining-crime",
    default=None,
    prompt="Intake question 1 of 3: is it undermining crime, such as human trafficking?",
    help="Question 1: is it undermining crime such as trafficking?",
)
@click.option(
    "--municipal-task/--not-municipal-task",
    default=None,
    prompt="Intake question 2 of 3: is it a task or power of the municipality?",
    help="Question 2: is it a municipal task or power?",
)
@click.option(
    "--within-municipality/--outside-municipality",
    default=None,
    prompt="Intake question 3 of 3: does it happen inside the municipality?",
    help="Question 3: does it happen inside the municipality?",
)
@click.option(
    "--outcome",
    type=click.Choice(list(m.IntakeOutcome)),
    prompt="Outcome: ACCEPT the signal, FORWARD it to a partner, or CLOSE it",
    help="Accept, forward to a partner (--forward-to), or close.",
)
@click.option(
    "--forward-to", metavar="PARTNER", help="Partner id the signal goes to (FORWARD only)."
)
@_RATIONALE
@coordinator_options
def intake(
    case: str,
    undermining_crime: bool,
    municipal_task: bool,
    within_municipality: bool,
    outcome: str,
    forward_to: str | None,
    rationale: str | None,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Phase 1, intake of CASE: answer the three intake questions and decide (IntakeAssessed)."""
    if outcome == m.IntakeOutcome.FORWARD and forward_to is None:
        forward_to = click.prompt("Forward to which partner (partner id, e.g. police, riec, heit)?")
    if outcome != m.IntakeOutcome.FORWARD and forward_to is not None:
        raise InputRefused(where="--forward-to", detail="only goes with --outcome FORWARD")
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        if forward_to is not None:
            client.registry.get(forward_to)
        record(
            client,
            m.IntakeAssessed,
            occurred_at=moment(at),
            case_id=case,
            is_undermining_crime=undermining_crime,
            is_municipal_task=municipal_task,
            is_within_municipality=within_municipality,
            outcome=outcome,
            forward_to=forward_to,
            rationale=encrypted(client, case, "IntakeAssessed", "rationale", rationale),
        )


@click.command("severity")
@click.argument("case", type=CASE_ID)
@click.option(
    "--outcome",
    type=click.Choice(list(m.SeverityOutcome)),
    prompt="Is the signal concrete and weighty enough? INVESTIGATE it, CLOSE it, or STORE_FOR_FUTURE_USE",
    help="Investigate, close, or store for future use.",
)
@_RATIONALE
@coordinator_options
def severity(
    case: str,
    outcome: str,
    rationale: str | None,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Phase 2, severity of CASE: concrete and weighty enough? (SeverityAssessed)."""
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        record(
            client,
            m.SeverityAssessed,
            occurred_at=moment(at),
            case_id=case,
            outcome=outcome,
            rationale=encrypted(client, case, "SeverityAssessed", "rationale", rationale),
        )


@click.command("research")
@click.argument("case", type=CASE_ID)
@click.option(
    "--register",
    "registers",
    multiple=True,
    type=click.Choice(list(m.Register)),
    help="A register consulted (repeatable); prompted when none is given.",
)
@click.option(
    "--finding",
    "findings",
    multiple=True,
    metavar="CODE",
    help=codes_help("finding_codes", "A finding code (repeatable)."),
)
@click.option("--summary", default=None, help="Research summary (free text: stored encrypted).")
@coordinator_options
def research(
    case: str,
    registers: tuple[str, ...],
    findings: tuple[str, ...],
    summary: str | None,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Phase 3, internal source research of CASE: registers consulted and findings."""
    consulted, codes = list(registers), list(findings)
    if not consulted:
        known = ", ".join(m.Register)
        consulted = split_list(click.prompt(f"Registers consulted, comma-separated ({known})"))
        codes = split_list(
            click.prompt("Finding codes, comma-separated (empty for none)", default="")
        )
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        record(
            client,
            m.SourceResearchCompleted,
            occurred_at=moment(at),
            case_id=case,
            registers_consulted=[_register(r) for r in consulted],
            finding_codes=checked_codes(client, "finding_codes", codes, "--finding"),
            summary=encrypted(client, case, "SourceResearchCompleted", "summary", summary),
        )


def _register(name: str) -> m.Register:
    try:
        return m.Register(name.upper())
    except ValueError:
        known = ", ".join(m.Register)
        raise InputRefused(where=f"register {name!r}", detail=f"is not one of {known}") from None


@click.command("plan")
@click.argument("case", type=CASE_ID)
@click.option(
    "--action",
    "actions",
    multiple=True,
    metavar="ID:KIND:OWNER:DUE",
    help=codes_help(
        "action_kinds",
        "A planned action, e.g. a1:CONTROL_VISIT:heit:2025-03-01 (repeatable); its KIND is",
    ),
)
@click.option(
    "--forward-to-police/--no-forward-to-police",
    default=None,
    prompt="Forward the case to the police as well?",
    help="Also forward the case to the police.",
)
@click.option(
    "--escalate-to-riec/--no-escalate-to-riec",
    default=None,
    prompt="Ask RIEC to take the case up integrally?",
    help="Ask RIEC to take the case up integrally.",
)
@coordinator_options
def plan(
    case: str,
    actions: tuple[str, ...],
    forward_to_police: bool,
    escalate_to_riec: bool,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Phase 4, plan of action for CASE: actions with owners and due dates (ActionPlanAdopted)."""
    specs = list(actions) or split_list(
        click.prompt(
            "Actions as ID:KIND:OWNER:DUE, separated by spaces (e.g. a1:CONTROL_VISIT:heit:2025-03-01)"
        )
    )
    planned = [_action(spec) for spec in specs]
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        for action in planned:
            client.registry.get(action.owner)
            checked_codes(client, "action_kinds", [action.kind], f"action {action.action_id!r}")
        record(
            client,
            m.ActionPlanAdopted,
            occurred_at=moment(at),
            case_id=case,
            actions=planned,
            forward_to_police=forward_to_police,
            escalate_to_riec=escalate_to_riec,
        )


def _action(spec: str) -> m.PlannedAction:
    parts = spec.split(":")
    where = f"action {spec!r}"
    if len(parts) != 4 or not all(parts):
        raise InputRefused(
            where=where, detail="is not ID:KIND:OWNER:DUE, e.g. a1:CONTROL_VISIT:heit:2025-03-01"
        )
    try:
        due = dt.date.fromisoformat(parts[3])
    except ValueError:
        raise InputRefused(where=where, detail="has a due date that is not YYYY-MM-DD") from None
    return m.PlannedAction(action_id=parts[0], kind=parts[1].upper(), owner=parts[2], due_date=due)


@click.command("complete")
@click.argument("case", type=CASE_ID)
@click.argument("action")
@click.option(
    "--finding",
    "findings",
    multiple=True,
    metavar="CODE",
    help=codes_help("finding_codes", "A finding code (repeatable)."),
)
@click.option("--cancelled", is_flag=True, help="The action was cancelled, not completed.")
@coordinator_options
def complete(
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
    """Phase 5, action: report that ACTION of CASE ended, for any owner (ActionCompleted)."""
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        receipt = report_action(
            client, case, action, findings, moment(at), cancelled=cancelled, any_owner=True
        )
        click.echo(f"recorded ActionCompleted for case {case} (event {receipt.event_id})")
        settle(client, [receipt])


@click.command("close")
@click.argument("case", type=CASE_ID)
@click.option(
    "--reason",
    type=click.Choice(list(m.CloseReason)),
    prompt="Why is the case closed?",
    help="Why the case is closed.",
)
@coordinator_options
def close(
    case: str,
    reason: str,
    partner: str,
    at: str | None,
    data_dir: Path,
    bootstrap: str | None,
    topic_prefix: str,
) -> None:
    """Close CASE with a reason (CaseClosed)."""
    with coordinator(partner, data_dir, bootstrap, topic_prefix) as client:
        existing_case(client, case)
        record(client, m.CaseClosed, occurred_at=moment(at), case_id=case, reason=reason)
