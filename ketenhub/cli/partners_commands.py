"""``ketenhub partners``: the partner registry, and the partners' identities on Kafka."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ketenhub.cli.options import sasl_credentials
from ketenhub.core.partners import PartnerRegistry
from ketenhub.hub_folder import HubFolder
from ketenhub.hub_options import (
    data_dir_option,
    required_kafka_option,
    sasl_password_option,
    sasl_username_option,
    topic_prefix_option,
)

if TYPE_CHECKING:
    from ketenhub.runtime.kafka.provisioning import ProvisioningReport

SECRETS_HELP = """TOML file of the partners' SCRAM passwords: one table [passwords] with a line
partner-id = "password" per partner (at least 12 characters). Needed for the users that do not
exist yet (or all of them, with --reset-passwords). Keep it out of version control (chmod 600)."""


@click.group()
def partners() -> None:
    """The partners of the hub: list them, and provision their identities on Kafka."""


@partners.command("list")
@data_dir_option
def list_partners(data_dir: Path) -> None:
    """List the partners: id, role and CloudEvents source URN, then what each role may record.

    The registry is --data-dir/partners.toml if present, else the one shipped with the hub.
    On Kafka each partner logs in as the SCRAM user named by its id.
    """
    registry = HubFolder(data_dir).registry()
    width = max(len(p.id) for p in registry.partners) + 2
    click.echo(f"{'PARTNER':<{width}}{'ROLE':<19}SOURCE URN")
    for partner in registry.partners:
        click.echo(f"{partner.id:<{width}}{partner.role.value:<19}{partner.urn}")
    click.echo(
        f"\n{len(registry.partners)} partner(s) of municipality {registry.municipality_code}"
    )
    _echo_roles(registry)


def _echo_roles(registry: PartnerRegistry) -> None:
    for role, policy in registry.roles.items():
        click.echo(f"\n{role.value} may record:")
        types = ", ".join(sorted(policy.may_record))
        click.echo(textwrap.fill(types, width=96, initial_indent="  ", subsequent_indent="  "))
        if policy.signal_channels:
            channels = ", ".join(sorted(c.value for c in policy.signal_channels))
            click.echo(f"  signals through: {channels}")


@partners.command()
@required_kafka_option
@sasl_username_option
@sasl_password_option
@click.option(
    "--secrets",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    envvar="KETENHUB_PARTNER_SECRETS",
    show_envvar=True,
    help=SECRETS_HELP,
)
@topic_prefix_option
@click.option(
    "--user-prefix",
    default="",
    envvar="KETENHUB_USER_PREFIX",
    show_envvar=True,
    help="Prefix of every partner's user name (sets a staging or test hub apart on one cluster).",
)
@click.option(
    "--reset-passwords",
    is_flag=True,
    help="Also set the passwords of users that exist already, from --secrets.",
)
@click.option(
    "--partner-folders",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write a folder per partner with a password in --secrets, DIR/<partner>: its SASL "
    "login, the hub's Kafka and protection service addresses, a new API token and the hub's "
    "public key (no pseudonym secret, no subject key). Existing folders are left as they are.",
)
@click.option(
    "--protection-url",
    default=None,
    metavar="URL",
    help="With --partner-folders: the https:// address of the hub's web tier (`ketenhub web`), "
    "where partners pseudonymise and encrypt (http:// only to a loopback address).",
)
@data_dir_option
def provision(
    bootstrap: str,
    sasl_username: str | None,
    sasl_password: str | None,
    secrets: Path | None,
    topic_prefix: str,
    user_prefix: str,
    reset_passwords: bool,
    partner_folders: Path | None,
    protection_url: str | None,
    data_dir: Path,
) -> None:
    """Create the partners' SCRAM users, the hub's topics and the partners' ACLs on Kafka.

    Log in as the hub's user, a super user of the broker. Every partner of the registry gets
    a SCRAM-SHA-512 user named by its id, may write only ingest.<id>, read only view.<id> and
    rejected.<id>, and use consumer groups named partner-<id>-...; nobody else is granted
    anything, so only the hub reads audit.log. Idempotent: what exists is left as it is, and
    a second run reports that nothing changed. Passwords are never printed or logged.

    With --partner-folders, each partner gets exactly what its system needs to connect
    (see README, "Connecting a partner's systems"); hand each folder over privately.
    """
    from ketenhub.runtime.kafka.access import (
        check_login,  # Kafka clients load only for this command
    )
    from ketenhub.runtime.kafka.provisioning import load_passwords
    from ketenhub.runtime.kafka.provisioning import provision as apply
    from ketenhub.runtime.kafka.settings import KafkaSettings

    user, password = sasl_credentials(sasl_username, sasl_password)
    if user is None:
        msg = "provisioning needs the hub's login: give --sasl-username and --sasl-password"
        raise click.UsageError(msg)
    if partner_folders is not None:
        protection_url = _protection_url(protection_url)
    registry = HubFolder(data_dir).registry()
    passwords = {} if secrets is None else load_passwords(secrets, registry)
    if secrets is not None and secrets.stat().st_mode & 0o077:
        click.echo(f"warning: {secrets} is readable by other users; chmod 600 it", err=True)
    settings = KafkaSettings(
        kafka_bootstrap=bootstrap,
        data_dir=data_dir,
        topic_prefix=topic_prefix,
        sasl_username=user,
        sasl_password=password,
    )
    check_login(settings)
    report = apply(
        settings, registry, passwords, user_prefix=user_prefix, reset_passwords=reset_passwords
    )
    click.echo(
        f"partners on {bootstrap} (topic prefix {topic_prefix!r}, user prefix {user_prefix!r}), "
        f"as {user}:"
    )
    _echo_report(report)
    if partner_folders is not None and protection_url is not None:
        from ketenhub.cli.partner_folders import HubAddresses, write_partner_folders

        addresses = HubAddresses(bootstrap, topic_prefix, user_prefix, protection_url)
        click.echo(f"partner folders in {partner_folders}:")
        for line in write_partner_folders(
            data_dir, registry, passwords, addresses, partner_folders
        ):
            click.echo(f"  {line}")


def _protection_url(url: str | None) -> str:
    from connectors.sdk.errors import ConnectorError
    from connectors.sdk.remote_protector import check_service_url

    if url is None:
        msg = "--partner-folders needs --protection-url, the address of the hub's web tier"
        raise click.UsageError(msg)
    try:
        return check_service_url(url)
    except ConnectorError as exc:
        raise click.UsageError(str(exc)) from None


def _echo_report(report: ProvisioningReport) -> None:
    def line(what: str, created: tuple[object, ...], present: int, names: bool = False) -> None:
        shown = f": {', '.join(str(c) for c in created)}" if names and created else ""
        click.echo(f"  {what:<7}{len(created)} created, {present} already present{shown}")

    line("users", report.users_created, len(report.users_present), names=True)
    if report.users_reset:
        click.echo(f"  passwords reset: {', '.join(report.users_reset)}")
    line("topics", report.topics_created, len(report.topics_present))
    line("ACLs", report.acls_created, len(report.acls_present))
    for unexpected in report.acls_unexpected:
        click.echo(f"warning: ACL not in the plan (left in place): {unexpected}", err=True)
    if not report.changed:
        click.echo("nothing changed: every user, topic and ACL was already present")
    click.echo(
        "the hub's own user needs no ACLs: it must be a super user of the broker (super.users)"
    )


@partners.group()
def token() -> None:
    """Bearer tokens of the partners' systems for the HTTP API (`ketenhub web`).

    A token is shown once, when it is added or rotated; the data folder keeps only its
    SHA-256 (web-tokens.json, 0600). A running server sees changes at its next request.
    """


@token.command("add")
@click.argument("partner")
@click.option("--label", default="", help="What the token is for, e.g. the system's name.")
@data_dir_option
def add_token(partner: str, label: str, data_dir: Path) -> None:
    """Make a token for PARTNER's system and print it, once."""
    from ketenhub.web.tokens import TokenStore

    issued = TokenStore(_token_folder(data_dir)).add(HubFolder(data_dir).registry(), partner, label)
    _echo_issued(issued.record.token_id, issued.record.partner, issued.token)


@token.command("rotate")
@click.argument("token_id", metavar="TOKEN_ID")
@data_dir_option
def rotate_token(token_id: str, data_dir: Path) -> None:
    """Give TOKEN_ID a new secret and print it, once; the old one stops working at once."""
    from ketenhub.web.tokens import TokenStore

    issued = TokenStore(_token_folder(data_dir)).rotate(token_id)
    _echo_issued(issued.record.token_id, issued.record.partner, issued.token)


@token.command("revoke")
@click.argument("token_id", metavar="TOKEN_ID")
@data_dir_option
def revoke_token(token_id: str, data_dir: Path) -> None:
    """Revoke TOKEN_ID for good."""
    from ketenhub.web.tokens import TokenStore

    record = TokenStore(_token_folder(data_dir)).revoke(token_id)
    click.echo(f"revoked {record.token_id} of {record.partner}")


@token.command("list")
@data_dir_option
def list_tokens(data_dir: Path) -> None:
    """List the tokens: id, partner, label, created, revoked (never the tokens themselves)."""
    from ketenhub.web.tokens import TokenStore

    records = TokenStore(_token_folder(data_dir)).records()
    for record in records:
        state = f"revoked {record.revoked_at}" if record.revoked_at else "active"
        click.echo(
            f"{record.token_id}  {record.partner:<22}{state:<34}{record.created_at}  {record.label}"
        )
    click.echo(f"{len(records)} token(s)")


def _token_folder(data_dir: Path) -> Path:
    if not data_dir.is_dir():
        msg = f"no data folder {data_dir}: create the hub first (`ketenhub init --data-dir {data_dir}`)"
        raise click.ClickException(msg)
    return data_dir


def _echo_issued(token_id: str, partner: str, secret: str) -> None:
    click.echo(f"token {token_id} for {partner} (shown once; keep it in the partner's system):")
    click.echo(secret)
