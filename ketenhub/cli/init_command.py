"""``ketenhub init``: create an empty embedded hub, and print the trust anchor to pin."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.core.trust import fingerprint
from ketenhub.errors import KetenhubError
from ketenhub.hub_folder import HubFolder
from ketenhub.hub_options import TRUSTED_KEY_ENV, data_dir_option
from ketenhub.runtime.embedded.hub import create_hub


class FolderNotEmpty(KetenhubError):
    """``init`` only creates a hub in a missing or empty folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        super().__init__(
            f"{data_dir} is not empty: `ketenhub init` creates a hub only in a new or empty folder "
            "(an existing hub keeps its keys; restore missing key files from its backup)"
        )


def echo_trust_anchor(data_dir: Path, public_key: Ed25519PublicKey) -> None:
    """Print the new hub's public key fingerprint and how to pin it."""
    click.echo(f"Hub public key fingerprint (SHA-256): {fingerprint(public_key)}")
    click.echo(
        "  Keep this fingerprint (or a copy of "
        f"{HubFolder(data_dir).keys.public_key_file}) outside the data folder: it is the trust anchor."
    )
    click.echo(
        f"  Verify with: ketenhub verify --trusted-key {fingerprint(public_key)} "
        f"--data-dir {data_dir}  (or set {TRUSTED_KEY_ENV})"
    )


@click.command()
@data_dir_option
def init(data_dir: Path) -> None:
    """Create an empty embedded hub in --data-dir: its keys and its topic log.

    The folder is created with mode 0700 and its files 0600. The default partner registry
    applies unless a partners.toml is put in the folder. Prints the fingerprint of the
    hub's public key: pin it where the hub's operators cannot change it, and verify with
    --trusted-key. Only `init` and `demo` create a hub; every other command refuses a
    folder without one, and no command recreates a missing key file.
    """
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise FolderNotEmpty(data_dir)
    public_key = create_hub(data_dir)
    click.echo(f"created an empty hub in {data_dir}")
    echo_trust_anchor(data_dir, public_key)
