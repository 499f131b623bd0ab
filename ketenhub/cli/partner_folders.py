"""Handing each partner its folder: its Kafka login, the hub's addresses, its API token, the pinned hub key.

Used by ``ketenhub partners provision --partner-folders``. A folder holds what the partner's
system needs and nothing of the hub's secrets (``connectors.sdk.partner_folder``). An existing
folder is never overwritten, and no token is made for it; a partner without a password in
``--secrets`` gets no folder (its password is not known here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from connectors.sdk.partner_folder import PartnerKit, registry_files_of, write_partner_folder
from ketenhub.core.checkpoints import public_key_to_pem
from ketenhub.core.partners import PartnerRegistry
from ketenhub.core.trust import fingerprint
from ketenhub.hub_folder import HubFolder
from ketenhub.web.tokens import TokenStore


@dataclass(frozen=True)
class HubAddresses:
    """Where partners reach the hub: the Kafka cluster, the topic and user prefixes, the web tier."""

    kafka_bootstrap: str
    topic_prefix: str
    user_prefix: str
    protection_url: str


def write_partner_folders(
    hub_dir: Path,
    registry: PartnerRegistry,
    passwords: dict[str, SecretStr],
    addresses: HubAddresses,
    out: Path,
) -> list[str]:
    """Write ``out/<partner>`` for every partner with a password; return one line per partner."""
    hub = HubFolder(hub_dir)
    public_key = hub.public_key()
    tokens = TokenStore(hub_dir)
    lines = []
    for partner in registry.partners:
        folder = out / partner.id
        if partner.id not in passwords:
            lines.append(f"{partner.id}: no folder (no password for it in --secrets)")
            continue
        if folder.exists() and any(folder.iterdir()):
            lines.append(f"{partner.id}: {folder} exists already, left as it is")
            continue
        issued = tokens.add(registry, partner.id, "partner folder")
        kit = PartnerKit(
            partner=partner.id,
            kafka_bootstrap=addresses.kafka_bootstrap,
            topic_prefix=addresses.topic_prefix,
            sasl_username=f"{addresses.user_prefix}{partner.id}",
            sasl_password=passwords[partner.id],
            protection_url=addresses.protection_url,
            api_token=SecretStr(issued.token),
            hub_fingerprint=fingerprint(public_key),
        )
        write_partner_folder(folder, kit, public_key_to_pem(public_key), registry_files_of(hub_dir))
        lines.append(f"{partner.id}: {folder} (API token {issued.record.token_id})")
    return lines
