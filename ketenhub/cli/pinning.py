"""The trusted-key options of the commands that verify history (``hub_options.read_pin`` reads the pin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ketenhub.hub_options import TRUSTED_KEY_ENV, setting_option

F = TypeVar("F", bound=Callable[..., Any])

trusted_key_option = setting_option(
    "trusted_key",
    "--trusted-key",
    metavar="FILE|FINGERPRINT",
    help="The hub key you trust, kept outside the data folder: its SHA-256 fingerprint (as "
    "printed by `ketenhub init`/`demo`) or a copy of its public key PEM file. Checkpoints "
    "signed by any other key fail.",
)

trust_on_first_use_option = click.option(
    "--trust-on-first-use",
    is_flag=True,
    help="Without a pinned key, trust the key in the data folder and print its fingerprint "
    "(pin that from now on).",
)


def pin_options(command: F) -> F:
    """Add --trusted-key and --trust-on-first-use."""
    return trusted_key_option(trust_on_first_use_option(command))


def unpinned_warning(fingerprint: str) -> str:
    """The loud line printed when history is checked against the data folder's own key."""
    return (
        "NOT VERIFIED AGAINST A TRUSTED KEY: no pinned hub key (--trusted-key or "
        f"{TRUSTED_KEY_ENV}); the key in the data folder (fingerprint {fingerprint}) could have "
        "been replaced together with the log. Pin the fingerprint printed when the hub was "
        "created, or use --trust-on-first-use once."
    )
