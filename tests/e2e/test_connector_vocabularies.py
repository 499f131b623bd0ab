"""Codes on the connectors' command line come from the closed vocabularies: listed in --help,
checked against the hub's own lists before anything is recorded, never echoed back."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketenhub import topics
from ketenhub.config import load_registry
from ketenhub.runtime.embedded.hub import EmbeddedHub
from tests.e2e.test_connectors_case_handling import CASE, hub, run, views

__all__ = ["hub"]  # the fixture, used by name below
SHIPPED = load_registry().codes


def sealed_count(hub_dir: Path) -> int:
    with EmbeddedHub(hub_dir) as embedded:
        return sum(1 for _ in embedded.records(topics.AUDIT_LOG))


@pytest.mark.parametrize(
    ("command", "list_name"),
    [
        (["case-handling", "research"], "finding_codes"),
        (["case-handling", "complete"], "finding_codes"),
        (["case-handling", "plan"], "action_kinds"),
        (["case-handling", "share"], "sharing_purposes"),
        (["case-handling", "share"], "legal_bases"),
        (["case-handling", "revoke"], "legal_bases"),
        (["police", "report"], "finding_codes"),
    ],
)
def test_help_lists_every_code_of_the_vocabulary(command: list[str], list_name: str) -> None:
    """``--help`` names each valid code of the list the option takes."""
    shown = " ".join(run("connector", *command, "--help").output.split())
    missing = [code for code in SHIPPED.allowed(list_name) if code not in shown]
    assert not missing, f"{command} --help lacks {missing}"


def accept_and_assess(hub: list[str]) -> None:
    for step in (
        ["intake", CASE, "--undermining-crime", "--municipal-task", "--within-municipality", "--outcome", "ACCEPT"],
        ["severity", CASE, "--outcome", "INVESTIGATE"],
    ):  # fmt: skip
        assert run("connector", "case-handling", *step, *hub).exit_code == 0


@pytest.mark.parametrize(
    ("step", "where"),
    [
        (["research", CASE, "--register", "BRP", "--finding", "06-12345678"], "--finding"),
        (["plan", CASE, "--action", "a1:0612345678:heit:2025-12-01", "--no-forward-to-police",
          "--no-escalate-to-riec"], "action 'a1'"),
        (["share", CASE, "--with", "riec", "--purpose", "because", "--legal-basis", "Wpg art. 20"],
         "--purpose"),
        (["share", CASE, "--with", "riec", "--purpose", "JOINT_CONTROL", "--legal-basis", "my say"],
         "--legal-basis"),
    ],
)  # fmt: skip
def test_a_code_outside_the_vocabulary_is_refused_before_anything_is_recorded(
    hub: list[str], step: list[str], where: str
) -> None:
    """The refusal names the option and the valid codes, not what was typed; nothing is sealed."""
    accept_and_assess(hub)
    before = sealed_count(Path(hub[1]))
    refused = run("connector", "case-handling", *step, *hub)
    assert refused.exit_code == 1, refused.output
    assert refused.stderr.startswith(f"Error: {where}: code number 1 of 1 given is not in")
    assert "0612345678" not in refused.stderr and "06-12345678" not in refused.stderr
    assert sealed_count(Path(hub[1])) == before


def test_a_code_in_another_case_is_recorded_as_the_vocabulary_spells_it(hub: list[str]) -> None:
    """``--finding overcrowded_address`` is the code OVERCROWDED_ADDRESS."""
    accept_and_assess(hub)
    done = run(
        "connector", "case-handling", "research", CASE, "--register", "BRP",
        "--finding", "overcrowded_address", *hub,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    research = views(Path(hub[1]), "municipality")[CASE].section("research")
    assert research["finding_codes"] == ["OVERCROWDED_ADDRESS"]
