"""``ketenhub publish`` from a partner folder: the lines protected by the hub's service, sent as the partner.

A partner's system has no hub folder and no keys; given a partner folder as ``--data-dir``
(``partners provision --partner-folders``), ``ketenhub publish`` sends through the connector
SDK on Kafka, with the folder's login, and protects through the hub's protection service.
The hub decides asynchronously: rejections show with ``ketenhub connector ...`` or the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import click

from connectors.sdk.client import PartnerClient
from connectors.sdk.errors import EventRefused, PersonalDataInText, ProtectionRefused
from connectors.sdk.partner_folder import read_partner_folder
from ketenhub.core.partners import Role
from ketenhub.errors import CodecError
from ketenhub.json_events import InvalidEventLine, event_from_json, numbered_lines


def publish_from_partner_folder(
    partner: str, file: BinaryIO, folder: Path, bootstrap: str | None
) -> None:
    """Publish FILE's lines as ``partner`` from its folder; exit 1 when a line was refused."""
    kit = read_partner_folder(folder)[0]
    if kit.partner != partner:
        msg = f"--as {partner}: the partner folder {folder} is {kit.partner}'s; publish as it"
        raise click.UsageError(msg)
    from connectors.sdk.kafka_transport import KafkaTransport  # Kafka clients load only here

    transport = KafkaTransport.for_partner_folder(folder, bootstrap=bootstrap)
    with PartnerClient(partner, transport, name="publish") as client:
        anonymous = client.partner.role is Role.ANONYMOUS_CHANNEL
        sent, bad = 0, 0
        for number, raw in numbered_lines(file):
            try:
                parsed = event_from_json(
                    raw, number, partner, client.protector, anonymous=anonymous,
                    registry=client.registry,
                )  # fmt: skip
                client.publish(parsed.event)
            except (InvalidEventLine, CodecError) as exc:
                bad += 1
                click.echo(f"refused {exc}", err=True)
                continue
            except (EventRefused, PersonalDataInText, ProtectionRefused) as exc:
                bad += 1
                click.echo(f"refused line {number}: {exc}", err=True)
                continue
            sent += 1
        refused = f", refused {bad} bad line(s)" if bad else ""
        click.echo(f"published {sent} event(s) to {transport.names.ingest(partner)}{refused}")
    if bad:
        raise SystemExit(1)
