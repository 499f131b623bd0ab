"""How the connectors meet a person on the command line: hub options, opening a client, output."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from connectors.sdk.client import PartnerClient
from connectors.sdk.embedded import EmbeddedTransport
from connectors.sdk.errors import ConnectorError, InputRefused
from connectors.sdk.models import CaseRemoved, Receipt, ViewUpdate
from connectors.sdk.partner_folder import is_partner_folder, read_partner_folder
from connectors.sdk.transport import Transport
from connectors.sdk.witness import CheckpointWitness
from ketenhub.core.partners import Role
from ketenhub.hub_options import data_dir_option, kafka_option, read_pin, setting_option

F = TypeVar("F", bound=Callable[..., Any])

topic_prefix_option = setting_option(
    "topic_prefix",
    "--topic-prefix",
    help="Kafka only: prefix of the hub's topic names. SASL credentials come from "
    "KETENHUB_SASL_USERNAME and KETENHUB_SASL_PASSWORD.",
)


STATE_DIR_KEY = "ketenhub.state_dir"
TRUSTED_KEY_KEY = "ketenhub.trusted_key"


state_dir_option = setting_option(
    "state_dir",
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    remember=STATE_DIR_KEY,
    help="The partner's own state folder: it keeps the newest hub checkpoint this partner "
    "witnessed (witness-<partner>-<hub>.json); the connector stops if the hub's history ever stops "
    "extending it.",
)

witness_key_option = setting_option(
    "trusted_key",
    "--trusted-key",
    metavar="FILE|FINGERPRINT",
    remember=TRUSTED_KEY_KEY,
    help="The hub key the partner trusts (fingerprint or public key PEM); without it the "
    "first checkpoint witnessed decides the key.",
)


def hub_options(command: F) -> F:
    """Add --data-dir, --kafka, --topic-prefix, --state-dir and --trusted-key."""
    return data_dir_option(
        kafka_option(topic_prefix_option(state_dir_option(witness_key_option(command))))
    )


def _witness(partner: str, hub: HubAddress) -> CheckpointWitness | None:
    """The partner's witness in the --state-dir of the running command (none outside a command)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.meta.get(STATE_DIR_KEY) is None:
        return None
    pin = read_pin(ctx.meta.get(TRUSTED_KEY_KEY))
    if pin is None and is_partner_folder(hub.data_dir):
        pin = read_partner_folder(hub.data_dir)[1]  # the hub key the partner folder pins
    return CheckpointWitness.in_state_dir(ctx.meta[STATE_DIR_KEY], partner, hub.address, pin)


def follow_option(command: F) -> F:
    """Add --follow: keep waiting for new changes until interrupted."""
    return click.option(
        "--follow", is_flag=True, help="Keep following new changes until interrupted (Ctrl-C)."
    )(command)


def at_option(command: F) -> F:
    """Add --at: when the recorded thing happened (default: now)."""
    return click.option(
        "--at",
        "at",
        metavar="TIME",
        default=None,
        help="When it happened, ISO 8601 with a time zone (default: now).",
    )(command)


@dataclass(frozen=True)
class HubAddress:
    """Which hub a connector command works on: the embedded one, or the one on Kafka."""

    data_dir: Path
    bootstrap: str | None
    topic_prefix: str = ""

    @property
    def address(self) -> str:
        """The hub's address: its data folder, or its Kafka bootstrap and topic prefix."""
        if is_partner_folder(self.data_dir):
            kit = read_partner_folder(self.data_dir)[0]
            prefix = self.topic_prefix or kit.topic_prefix
            return f"kafka:{self.bootstrap or kit.kafka_bootstrap}/{prefix}"
        if self.bootstrap is None:
            return f"embedded:{self.data_dir.resolve()}"
        return f"kafka:{self.bootstrap}/{self.topic_prefix}"

    def transport(self) -> Transport:
        """Open the transport to this hub: a partner folder's hub on Kafka, or the hub's own folder.

        An embedded hub must exist (`ketenhub init`).
        """
        if is_partner_folder(self.data_dir):
            from connectors.sdk.kafka_transport import KafkaTransport  # loads the Kafka client

            return KafkaTransport.for_partner_folder(
                self.data_dir, bootstrap=self.bootstrap, topic_prefix=self.topic_prefix or None
            )
        if self.bootstrap is None:
            return EmbeddedTransport(self.data_dir)
        from connectors.sdk.kafka_transport import KafkaTransport  # loads the Kafka client
        from ketenhub.runtime.kafka.settings import KafkaSettings

        settings = KafkaSettings(
            kafka_bootstrap=self.bootstrap, data_dir=self.data_dir, topic_prefix=self.topic_prefix
        )
        return KafkaTransport(settings)


@contextmanager
def open_client(
    partner: str, hub: HubAddress, name: str, *, role: Role | None = None
) -> Iterator[PartnerClient]:
    """A client for ``partner`` named after the connector, witnessing the hub's checkpoints.

    Refuses a partner of another role.
    """
    transport = hub.transport()
    try:
        client = PartnerClient(partner, transport, name=name, witness=_witness(partner, hub))
    except BaseException:
        transport.close()
        raise
    try:
        if role is not None and client.partner.role is not role:
            fitting = ", ".join(p.id for p in client.registry.with_role(role)) or "none"
            where, rule = f"--as {partner}", f"this connector is for {role} partners ({fitting})"
            raise InputRefused(where=where, detail=rule)
        yield client
    finally:
        client.close()


def moment(at: str | None) -> dt.datetime:
    """Parse --at (ISO 8601 with a time zone), or now."""
    if at is None:
        return dt.datetime.now(dt.UTC)
    where = "--at"
    try:
        parsed = dt.datetime.fromisoformat(at)
    except ValueError:
        raise InputRefused(where=where, detail=f"{at!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise InputRefused(where=where, detail=f"{at!r} has no time zone (add +01:00 or Z)")
    return parsed.astimezone(dt.UTC)


def describe(update: ViewUpdate) -> str:
    """One line about a changed view."""
    if isinstance(update, CaseRemoved):
        return f"{update.case_id:<22} removed from the view (the reason to see it was revoked)"
    reasons = ", ".join(update.visible_because)
    return f"{update.case_id:<22} {update.phase or '-':<16} {update.status or '-':<7} visible because {reasons}"


class HubRejected(ConnectorError):
    """The hub refused events this command published; the reasons were printed above."""

    def __init__(self, rejected: int, published: int) -> None:
        self.rejected, self.published = rejected, published
        super().__init__(
            f"the hub rejected {rejected} of the {published} event(s) published; reasons above"
        )


def settle(client: PartnerClient, receipts: list[Receipt]) -> None:
    """Flush, then report the hub's rejections: of these events, then any earlier ones this
    connector has not shown before (each rejection is shown once per connector and partner:
    every subcommand of a connector keeps one position).

    On the embedded hub the pipeline has run, so every decision is known; on Kafka the hub
    decides asynchronously and rejections show up in a later run (or ``ketenhub rejected``).
    """
    client.flush()
    ours = {str(r.event_id) for r in receipts}
    refused, earlier = 0, []
    for rejected in client.rejections():
        line = (
            f"REJECTED {rejected.event_type} {rejected.event_id} (case {rejected.case_id}): "
            f"{rejected.code}: {rejected.reason}"
        )
        if rejected.event_id in ours:
            refused += 1
            click.echo(line, err=True)
        else:
            earlier.append(line)
    if earlier:
        click.echo(
            f"{len(earlier)} earlier rejection(s) of {client.partner.id}, not shown before:",
            err=True,
        )
        for line in earlier:
            click.echo(f"  {line}", err=True)
    if not isinstance(client.transport, EmbeddedTransport) and receipts:
        click.echo("on Kafka the hub decides asynchronously: rejections show in the next run")
    if refused:
        raise HubRejected(refused, len(receipts))
