"""The options that locate a hub, shared by the hub's commands and the connectors' commands.

``--data-dir``, ``--kafka``, ``--topic-prefix`` and the SASL login mirror the fields of
``ketenhub.settings.HubSettings``, which alone reads their KETENHUB_ variables: a flag given
wins, a flag left out takes the setting (``setting_option``). ``read_pin`` reads the hub key a
person pins with ``--trusted-key``. They live outside ``ketenhub.cli`` so that the
connectors' command lines use the same options without depending on the hub's command line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from ketenhub.core.identifiers import ID_FORMAT, is_opaque_id, normal_case_id
from ketenhub.core.trust import TrustedKey, pin_from_fingerprint, pin_from_text
from ketenhub.settings import HubSettings, InvalidSetting, env_name

F = TypeVar("F", bound=Callable[..., Any])
TRUSTED_KEY_ENV = env_name("trusted_key")
_SETTINGS_KEY = "ketenhub.settings"


def hub_settings(ctx: click.Context) -> HubSettings:
    """The settings read from the environment, once per command line."""
    meta = ctx.find_root().meta
    if _SETTINGS_KEY not in meta:
        try:
            meta[_SETTINGS_KEY] = HubSettings.from_environment()
        except InvalidSetting as exc:
            raise click.UsageError(str(exc), ctx) from None
    settings: HubSettings = meta[_SETTINGS_KEY]
    return settings


def setting_help(
    model: type[BaseSettings], field: str, help: str | None = None, *, required: bool = False
) -> str:
    """The help of a flag mirroring ``model.field``: its text, variable and default."""
    info = model.model_fields[field]
    shown = "" if required or info.default in (None, "") else f"; default: {info.default}"
    return f"{help or info.description}  [env var: {env_name(field)}{shown}]"


def model_option(
    model: type[BaseSettings], field: str, *decls: str, help: str | None = None, **attrs: Any
) -> Callable[[F], F]:
    """A flag mirroring ``model.field`` that reads no variable: ``None`` unless given.

    The command passes the flags given into ``model``, which reads the variables of the rest.
    """
    text = setting_help(model, field, help)
    return click.option(*decls, default=None, help=text, **attrs)


def setting_option(
    field: str,
    *decls: str,
    required: bool = False,
    help: str | None = None,
    remember: str | None = None,
    **attrs: Any,
) -> Callable[[F], F]:
    """A flag for the setting ``field``: the flag's value if given, else the setting's.

    With ``remember``, the value is kept in the command line's meta under that key instead of
    being passed to the command (for options shared by a group of commands).
    """
    env = env_name(field)
    text = setting_help(HubSettings, field, help, required=required)

    def fill(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            value = getattr(hub_settings(ctx), field)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None and required:
            raise click.MissingParameter(ctx=ctx, param=param, message=f"or set {env}")
        if remember is not None:
            ctx.meta[remember] = value
        return value

    if remember is not None:
        attrs["expose_value"] = False
    return click.option(*decls, default=None, callback=fill, help=text, **attrs)


class CaseIdParam(click.ParamType):
    """A case id given on the command line, normalised as the hub keeps case ids."""

    name = "CASE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The normal form of ``value``; a clear refusal when it cannot be a case id."""
        normal = normal_case_id(str(value))
        if not is_opaque_id(normal):
            self.fail(f"a case id has {ID_FORMAT}", param, ctx)
        return normal


CASE_ID = CaseIdParam()

data_dir_option = setting_option(
    "data_dir", "--data-dir", type=click.Path(file_okay=False, path_type=Path)
)
kafka_option = setting_option("kafka_bootstrap", "--kafka", "bootstrap", metavar="HOST:PORT")
required_kafka_option = setting_option(
    "kafka_bootstrap",
    "--kafka",
    "bootstrap",
    metavar="HOST:PORT",
    required=True,
    help="Bootstrap servers of the Kafka cluster.",
)
topic_prefix_option = setting_option("topic_prefix", "--topic-prefix")
sasl_username_option = setting_option("sasl_username", "--sasl-username", metavar="USER")
sasl_password_option = setting_option("sasl_password", "--sasl-password", metavar="PASSWORD")


def read_pin(value: str | None) -> TrustedKey | None:
    """The pin given as a file (PEM or fingerprint inside) or as a fingerprint, if any."""
    if value is None or not value.strip():
        return None
    path = Path(value)
    if path.is_file():
        return pin_from_text(path.read_bytes())
    return pin_from_fingerprint(value)
