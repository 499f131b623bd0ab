"""A partner folder: everything a partner's system needs to reach the hub, and nothing of the hub's secrets.

``ketenhub partners provision --partner-folders DIR`` writes one per partner::

    DIR/<partner>/partner.toml      the partner id; the Kafka bootstrap, topic prefix and its SASL
                                    login; the protection service's address and its API token;
                                    the fingerprint of the hub key (mode 0600)
    DIR/<partner>/hub-key.pub.pem   the hub's public key, pinned: checkpoints and the protection
                                    service must prove they are signed by it
    DIR/<partner>/partners.toml     the hub's registry and code lists, when the hub has its own
    DIR/<partner>/codes.toml        (what its client checks events against before sending)

It holds no pseudonym secret and no subject key: a partner protects data through the hub's
protection service (``connectors.sdk.remote_protector``). ``--data-dir`` of a connector
command may name a partner folder; its client then uses it on Kafka.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from connectors.sdk.errors import ConnectorError
from ketenhub.core.trust import TrustedKey, pin_from_text
from ketenhub.data_folder import CODES_FILE, PRIVATE_FILE, REGISTRY_FILE, create_private_folder
from ketenhub.errors import IntegrityError

KIT_FILE = "partner.toml"
HUB_KEY_FILE = "hub-key.pub.pem"


class PartnerFolderInvalid(ConnectorError):
    """A partner folder's ``partner.toml`` is missing a value or cannot be read."""

    def __init__(self, folder: Path, detail: str) -> None:
        self.folder = folder
        super().__init__(
            f"partner folder {folder}: {detail}; ask the hub's operator for a new one "
            "(`ketenhub partners provision --partner-folders`)"
        )


@dataclass(frozen=True)
class PartnerKit:
    """What one partner's system needs: its logins and the hub's addresses and pinned key."""

    partner: str
    kafka_bootstrap: str
    topic_prefix: str
    sasl_username: str
    sasl_password: SecretStr
    protection_url: str
    api_token: SecretStr
    hub_fingerprint: str


def is_partner_folder(folder: Path) -> bool:
    """Whether ``folder`` is a partner folder (it holds ``partner.toml``)."""
    return (folder / KIT_FILE).is_file()


def write_partner_folder(
    folder: Path, kit: PartnerKit, hub_key_pem: bytes, registry_files: list[Path]
) -> None:
    """Write a new partner folder (0700; secrets 0600); refuse to overwrite an existing one."""
    if folder.exists() and any(folder.iterdir()):
        msg = f"partner folder {folder} exists already: it is left as it is"
        raise ConnectorError(msg)
    create_private_folder(folder)
    lines = [
        "# Ketenhub partner folder: keep it private (it holds a password and a token).",
        f"partner = {_quoted(kit.partner)}",
        "",
        "[kafka]",
        f"bootstrap = {_quoted(kit.kafka_bootstrap)}",
        f"topic_prefix = {_quoted(kit.topic_prefix)}",
        f"sasl_username = {_quoted(kit.sasl_username)}",
        f"sasl_password = {_quoted(kit.sasl_password.get_secret_value())}",
        "",
        "[protection]",
        f"url = {_quoted(kit.protection_url)}",
        f"token = {_quoted(kit.api_token.get_secret_value())}",
        "",
        "[hub]",
        f"key_fingerprint = {_quoted(kit.hub_fingerprint)}",
    ]
    _write_private(folder / KIT_FILE, ("\n".join(lines) + "\n").encode())
    _write_private(folder / HUB_KEY_FILE, hub_key_pem)
    for source in registry_files:
        shutil.copyfile(source, folder / source.name)
        (folder / source.name).chmod(PRIVATE_FILE)


def read_partner_folder(folder: Path) -> tuple[PartnerKit, TrustedKey]:
    """The partner's kit and its pin of the hub key (the PEM, checked against the fingerprint)."""
    try:
        data = tomllib.loads((folder / KIT_FILE).read_text(encoding="utf-8"))
        kit = PartnerKit(
            partner=str(data["partner"]),
            kafka_bootstrap=str(data["kafka"]["bootstrap"]),
            topic_prefix=str(data["kafka"].get("topic_prefix", "")),
            sasl_username=str(data["kafka"]["sasl_username"]),
            sasl_password=SecretStr(str(data["kafka"]["sasl_password"])),
            protection_url=str(data["protection"]["url"]),
            api_token=SecretStr(str(data["protection"]["token"])),
            hub_fingerprint=str(data["hub"]["key_fingerprint"]),
        )
        pin = pin_from_text((folder / HUB_KEY_FILE).read_bytes())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, IntegrityError) as exc:
        raise PartnerFolderInvalid(folder, f"cannot be read ({type(exc).__name__})") from None
    except (KeyError, TypeError) as exc:
        raise PartnerFolderInvalid(folder, f"{KIT_FILE} lacks {exc}") from None
    if pin.fingerprint != kit.hub_fingerprint:
        detail = f"{HUB_KEY_FILE} is not the hub key whose fingerprint {KIT_FILE} names"
        raise PartnerFolderInvalid(folder, detail)
    return kit, pin


def registry_files_of(hub_dir: Path) -> list[Path]:
    """The hub folder's own registry and code lists, if it has them (else the shipped ones apply)."""
    return [hub_dir / name for name in (REGISTRY_FILE, CODES_FILE) if (hub_dir / name).is_file()]


def _quoted(value: str) -> str:
    return json.dumps(value)  # a JSON string of printable text is a TOML basic string


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)
