"""How the CLI shows views and run statistics to a person."""

from __future__ import annotations

from collections import Counter

import click

from ketenhub.codec.avro_nodes import JsonValue
from ketenhub.codec.views import view_document
from ketenhub.contract.models import EncryptedField
from ketenhub.contract.view_records import CaseView, CoordinatorView
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


def decrypt_view(view: CaseView, protector: KeyStoreProtector) -> dict[str, JsonValue]:
    """A view as JSON-able data; a coordinator's with its encrypted fields decrypted."""
    shown = view_document(view)
    content = view.content
    if not isinstance(content, CoordinatorView):
        return shown
    for (section, name), (event_type, field_name) in ENCRYPTED_PATHS.items():
        value = getattr(getattr(content, section), name, None)
        shown_section = shown.get(section)
        if isinstance(value, EncryptedField) and isinstance(shown_section, dict):
            shown_section[name] = protector.decrypt(value, associated_data(event_type, field_name))
    return shown


def mark_erased(document: JsonValue, protector: KeyStoreProtector) -> JsonValue:
    """``document`` with ``"erased": true`` in every encrypted field whose subject was erased."""
    if isinstance(document, list):
        return [mark_erased(item, protector) for item in document]
    if not isinstance(document, dict):
        return document
    marked = {key: mark_erased(value, protector) for key, value in document.items()}
    subject = document.get("subject")
    encrypted = {"subject", "nonce", "ciphertext"} <= document.keys() and isinstance(subject, str)
    if encrypted and protector.erasure(str(subject)) is not None:
        marked["erased"] = True
    return marked


def echo_stats(stats: RunStats) -> None:
    """Print what a pipeline run did."""
    click.echo(
        f"sealed {stats.sealed}, rejected {stats.rejected}, duplicates ignored {stats.duplicates}, "
        f"views written {stats.views_written}, checkpoints signed {stats.checkpoints}"
    )
    for partner, rejection in stats.rejections:
        click.echo(f"  rejected from {partner}: {rejection}")


def echo_view_table(partner: str, views: dict[str, CaseView]) -> None:
    """Print one line per case a partner can see."""
    if not views:
        click.echo(f"{partner} sees no case")
        return
    click.echo(f"{'case':<18} {'phase':<16} {'status':<7} visible because")
    phases: Counter[str] = Counter()
    for case_id, view in sorted(views.items()):
        reasons = ", ".join(view.visible_because)
        phase = getattr(view.content, "phase", "-")
        status = getattr(view.content, "status", "-")
        phases[phase] += 1
        click.echo(f"{case_id:<18} {phase:<16} {status:<7} {reasons}")
    click.echo(f"{len(views)} case(s): " + ", ".join(f"{p} {n}" for p, n in sorted(phases.items())))
