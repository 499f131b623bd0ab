"""The case-handling connector end to end: five phases from flags or prompts, sharing and meetings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from connectors.sdk import EmbeddedTransport, PartnerClient
from ketenhub.cli.main import cli
from ketenhub.runtime.embedded.hub import EmbeddedHub
from tests.unit.synthetic import Story

CASE = "case-1"


def run(*args: str, stdin: str | None = None) -> Result:
    """Run ``ketenhub ARGS`` in this process, as a user would type it (``stdin`` answers prompts)."""
    return CliRunner().invoke(cli, list(args), input=stdin)


def views(hub_dir: Path, partner: str) -> dict[str, Any]:
    with PartnerClient(partner, EmbeddedTransport(hub_dir)) as client:
        return client.snapshot()


@pytest.fixture
def hub(tmp_path: Path) -> list[str]:
    """A hub with one new signal from the municipal staff; the --data-dir option pointing at it."""
    with EmbeddedHub(tmp_path / "hub", create=True) as embedded:
        embedded.publish(Story().signal(CASE))
        embedded.run()
    return ["--data-dir", str(tmp_path / "hub")]


def test_a_signal_moves_through_the_five_phases_from_flags(hub: list[str]) -> None:
    """Intake, severity, research, plan, the actions and the closing are recorded in order from flags."""
    steps = [
        ["intake", CASE, "--undermining-crime", "--municipal-task", "--within-municipality", "--outcome", "ACCEPT",
         "--rationale", "Synthetic: signs of exploitation at a car wash."],
        ["severity", CASE, "--outcome", "INVESTIGATE"],
        ["research", CASE, "--register", "BRP", "--register", "KVK", "--finding", "OVERCROWDED_ADDRESS",
         "--summary", "Synthetic: eight people registered at one address."],
        ["plan", CASE, "--action", "a1:CONTROL_VISIT:heit:2025-12-01",
         "--action", "a2:STOP_TALK:municipality:2025-12-15", "--no-forward-to-police", "--no-escalate-to-riec"],
        ["complete", CASE, "a1", "--finding", "NO_PERMIT"],
        ["complete", CASE, "a2"],
        ["close", CASE, "--reason", "ACTIONS_COMPLETED"],
    ]  # fmt: skip
    for step in steps:
        done = run("connector", "case-handling", *step, *hub)
        assert done.exit_code == 0, f"{step}: {done.output}"
        assert done.stdout.startswith("recorded ")
    case = views(Path(hub[1]), "municipality")[CASE]
    assert [h["event_type"] for h in case.sections["history"]] == [
        "SignalReceived", "IntakeAssessed", "SeverityAssessed", "SourceResearchCompleted",
        "ActionPlanAdopted", "ActionCompleted", "ActionCompleted", "CaseClosed",
    ]  # fmt: skip
    assert case.status == "CLOSED" and case.section("research")["summary"]["ciphertext"]
    listed = run("connector", "case-handling", "cases", "--all", *hub).stdout
    assert f"{CASE:<22} ACTION           CLOSED" in listed


def test_the_phases_prompt_for_what_the_flags_leave_out(hub: list[str]) -> None:
    """Without flags each phase asks its questions; answers on standard input are recorded."""
    intake = run("connector", "case-handling", "intake", CASE, *hub, stdin="y\ny\ny\nACCEPT\n")
    assert intake.exit_code == 0, intake.output
    for question in (
        "Intake question 1 of 3",
        "Intake question 2 of 3",
        "Intake question 3 of 3",
        "Outcome: ACCEPT",
    ):
        assert question in intake.stdout
    severity = run("connector", "case-handling", "severity", CASE, *hub, stdin="INVESTIGATE\n")
    assert "concrete and weighty enough?" in severity.stdout and severity.exit_code == 0
    research = run(
        "connector",
        "case-handling",
        "research",
        CASE,
        *hub,
        stdin="BRP, KVK\nOVERCROWDED_ADDRESS\n",
    )
    assert "Registers consulted" in research.stdout and research.exit_code == 0, research.output
    plan = run(
        "connector",
        "case-handling",
        "plan",
        CASE,
        *hub,
        stdin="n\ny\na1:CONTROL_VISIT:riec:2025-12-01\n",
    )
    assert "Ask RIEC to take the case up integrally?" in plan.stdout and plan.exit_code == 0, (
        plan.output
    )
    case = views(Path(hub[1]), "municipality")[CASE]
    assert case.section("research")["registers_consulted"] == ["BRP", "KVK"]
    assert case.section("plan") | {"at": None} == {
        "at": None,
        "forward_to_police": False,
        "escalate_to_riec": True,
    }
    assert CASE in views(Path(hub[1]), "riec")


def test_an_intake_forward_asks_for_the_partner_who_then_sees_the_case(hub: list[str]) -> None:
    """Outcome FORWARD prompts for the partner; the police then see the case as forwarded to them."""
    done = run(
        "connector", "case-handling", "intake", CASE, *hub, stdin="y\ny\nn\nFORWARD\npolice\n"
    )
    assert done.exit_code == 0, done.output
    assert "Forward to which partner" in done.stdout
    assert views(Path(hub[1]), "police")[CASE].visible_because == ("FORWARDED",)


def test_a_meeting_decides_sharing_and_a_revocation_removes_the_case(hub: list[str]) -> None:
    """A meeting's sharing decision shows the case to RIEC; revoking it takes the case away again."""
    hub_dir = Path(hub[1])
    run(
        "connector",
        "case-handling",
        "meeting",
        "--type",
        "ONDERMIJNINGSOVERLEG",
        "--case",
        CASE,
        "--meeting-id",
        "m1",
        *hub,
    )
    shared = run(
        "connector", "case-handling", "share", CASE, "--with", "riec", "--purpose", "JOINT_CONTROL",
        "--legal-basis", "Wpg art. 20", "--meeting", "m1", "--decision-id", "d1", *hub,
    )  # fmt: skip
    assert shared.exit_code == 0, shared.output
    assert views(hub_dir, "riec")[CASE].visible_because == ("SHARED:d1",)
    revoked = run("connector", "case-handling", "revoke", CASE, "d1", *hub, stdin="AVG art. 17\n")
    assert revoked.exit_code == 0, revoked.output
    assert CASE not in views(hub_dir, "riec")
    meetings = views(hub_dir, "municipality")[CASE].sections["meetings"]
    assert [(m["meeting_id"], m["type"]) for m in meetings] == [("m1", "ONDERMIJNINGSOVERLEG")]
    again = run("connector", "case-handling", "revoke", CASE, "d1", "--legal-basis", "x", *hub)
    assert (
        again.stderr.strip()
        == f"Error: decision 'd1': is no sharing decision in force for case '{CASE}'"
    )


def test_a_phase_out_of_order_is_rejected_by_the_hub_with_its_reason(hub: list[str]) -> None:
    """Severity before intake is sent, refused by the hub, and reported with code and reason."""
    done = run("connector", "case-handling", "severity", CASE, "--outcome", "INVESTIGATE", *hub)
    assert done.exit_code == 1
    assert "REJECTED SeverityAssessed" in done.stderr and "OUT_OF_ORDER" in done.stderr
    assert "Error: the hub rejected 1 of the 1 event(s) published" in done.stderr


def test_an_unknown_case_is_one_clear_error(hub: list[str]) -> None:
    """Recording for a case no signal opened fails before sending, in one line."""
    done = run("connector", "case-handling", "close", "case-404", "--reason", "NOT_SEVERE", *hub)
    assert done.exit_code == 1
    assert (
        done.stderr.strip()
        == "Error: case 'case-404': is unknown: no signal opened it (see `case-handling cases`)"
    )
