"""What every case-handling command shares: the coordinator's options, checks and recording."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

import click

from connectors.console import HubAddress, at_option, hub_options, open_client, settle
from connectors.sdk.client import PartnerClient
from connectors.sdk.errors import InputRefused
from connectors.sdk.models import CaseView
from ketenhub.contract.base import Event
from ketenhub.contract.models import EncryptedField
from ketenhub.core.identifiers import new_opaque_id
from ketenhub.core.partners import Role
from ketenhub.json_events import shown

F = TypeVar("F", bound=Callable[..., Any])


def coordinator_options(command: F) -> F:
    """Add --as (the coordinator), --at and the hub options."""
    command = click.option(
        "--as",
        "partner",
        default="municipality",
        show_default=True,
        metavar="PARTNER",
        help="The coordinator partner recording this.",
    )(command)
    return at_option(hub_options(command))


def coordinator(
    partner: str, data_dir: Path, bootstrap: str | None, topic_prefix: str
) -> AbstractContextManager[PartnerClient]:
    """A client for the coordinator named ``case-handling``."""
    hub = HubAddress(data_dir, bootstrap, topic_prefix)
    return open_client(partner, hub, "case-handling", role=Role.COORDINATOR)


def existing_case(client: PartnerClient, case_id: str) -> CaseView:
    """The coordinator's view of a case; refuse an unknown or closed case."""
    view = client.snapshot().get(case_id)
    where = f"case {shown(case_id)}"
    if view is None:
        raise InputRefused(
            where=where, detail="is unknown: no signal opened it (see `case-handling cases`)"
        )
    if view.status == "CLOSED":
        raise InputRefused(where=where, detail="is closed; nothing more can be recorded for it")
    return view


def encrypted(
    client: PartnerClient, case_id: str, event_type: str, field: str, text: str | None
) -> EncryptedField | None:
    """Encrypt a motivation or summary under the case's data subject key (None stays None)."""
    if not text:
        return None
    subject = client.protector.case_subject(case_id)
    return client.encrypt(subject, text, event_type, field)


def record(client: PartnerClient, event_type: type[Event], **fields: Any) -> None:
    """Build, publish and settle one event recorded by the coordinator; say what was recorded."""
    event = event_type(event_id=uuid.uuid4(), recorded_by=client.partner.id, **fields)
    receipt = client.publish(event)
    case = f" for case {event.case_ref}" if event.case_ref else ""
    click.echo(f"recorded {event.EVENT_TYPE}{case} (event {receipt.event_id})")
    settle(client, [receipt])


def split_list(value: str) -> list[str]:
    """Split a prompted comma- or space-separated list."""
    return [part for part in value.replace(",", " ").split() if part]


def new_id(prefix: str) -> str:
    """A fresh identifier for a decision or meeting."""
    return new_opaque_id(prefix)
