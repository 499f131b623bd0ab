"""How the CLI shows views and run statistics to a person."""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import click

from ketenhub.contract.models import EncryptedField
from ketenhub.core.privacy import associated_data
from ketenhub.protection.protector import KeyStoreProtector
from ketenhub.runtime.embedded.runner import RunStats

ENCRYPTED_PATHS = {
    ("signal", "free_text"): ("SignalReceived", "free_text"),
    ("intake", "rationale"): ("IntakeAssessed", "rationale"),
    ("severity", "rationale"): ("SeverityAssessed", "rationale"),
    ("research", "summary"): ("SourceResearchCompleted", "summary"),
}


def terminal_safe(text: str) -> str:
    """``text`` with every non-printable character escaped, so a terminal never obeys it."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def decrypt_view(view: dict[str, Any], protector: KeyStoreProtector) -> dict[str, Any]:
    """Return a copy of a coordinator's view with its encrypted fields decrypted."""
    shown = {k: (dict(v) if isinstance(v, dict) else v) for k, v in view.items()}
    for (section, name), (event_type, field_name) in ENCRYPTED_PATHS.items():
        value = (shown.get(section) or {}).get(name)
        if isinstance(value, dict):
            field_value = EncryptedField(
                subject=value["subject"],
                nonce=base64.b64decode(value["nonce"]),
                ciphertext=base64.b64decode(value["ciphertext"]),
            )
            shown[section][name] = protector.decrypt(
                field_value, associated_data(event_type, field_name)
            )
    return shown


def echo_stats(stats: RunStats) -> None:
    """Print what a pipeline run did."""
    click.echo(
        f"sealed {stats.sealed}, rejected {stats.rejected}, duplicates ignored {stats.duplicates}, "
        f"views written {stats.views_written}, checkpoints signed {stats.checkpoints}"
    )
    for partner, rejection in stats.rejections:
        click.echo(f"  rejected from {partner}: {rejection}")


def echo_view_table(partner: str, views: dict[str, dict[str, Any]]) -> None:
    """Print one line per case a partner can see."""
    if not views:
        click.echo(f"{partner} sees no case")
        return
    click.echo(f"{'case':<18} {'phase':<16} {'status':<7} visible because")
    for case_id, view in sorted(views.items()):
        reasons = ", ".join(view.get("visible_because", []))
        click.echo(
            f"{case_id:<18} {view.get('phase', '-'):<16} {view.get('status', '-'):<7} {reasons}"
        )
    phases = Counter(v.get("phase", "-") for v in views.values())
    click.echo(f"{len(views)} case(s): " + ", ".join(f"{p} {n}" for p, n in sorted(phases.items())))
