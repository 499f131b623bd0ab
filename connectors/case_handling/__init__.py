"""``ketenhub connector case-handling``: the trafficking coordinator moves signals through the phases."""

from __future__ import annotations

import click

from connectors.case_handling.phases import close, complete, intake, plan, research, severity
from connectors.case_handling.sharing import cases, forward, meeting, revoke, share


@click.group("case-handling")
def case_handling() -> None:
    """The municipality's trafficking coordinator: take signals through the five phases.

    The phases in order: intake (three questions, then accept, forward or close),
    severity, research (internal source research), plan (plan of action), then complete
    each action and close. Around them: forward, share / revoke (sharing decisions, the
    need-to-know of the partners) and meeting. Values not given as flags are asked for
    with a prompt; free texts (--rationale, --summary) are stored encrypted.
    """


for _command in (
    cases,
    intake,
    severity,
    research,
    plan,
    complete,
    close,
    forward,
    share,
    revoke,
    meeting,
):
    case_handling.add_command(_command)
