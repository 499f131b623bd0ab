"""The subject report as the coordinator or privacy officer reads it: Markdown in Dutch, or JSON.

Both show the same: the events that name the person with their fields (the person's own
texts decrypted), which partners' views held the person's data and when, the sharing
decisions of the person's cases, the messages naming the person that the hub refused, the
reads of the person's data from access.log, retention dates and the erasure. Other people
appear only as "(andere betrokkene)".
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ketenhub.core.retention import Expiry
from ketenhub.core.subject_report import SubjectReport


def report_json(report: SubjectReport) -> str:
    """The report as one JSON document (English keys, times in ISO 8601 UTC)."""
    document = {
        "subject": report.subject,
        "partners_that_could_see_or_read": list(report.partners),
        "events": [
            {
                "offset": e.offset,
                "sealed_at": _time(e.sealed_at),
                "event_type": e.event_type,
                "event_id": e.event_id,
                "case_id": e.case_id,
                "recorded_by": e.recorded_by,
                "fields": e.fields,
            }
            for e in report.events
        ],
        "visible_to": [
            {
                "partner": v.partner,
                "case_id": v.case_id,
                "since": _time(v.since),
                "until": _time(v.until),
            }
            for v in report.visibility
        ],
        "sharing_decisions": [
            {
                "case_id": s.case_id,
                "decision_id": s.decision_id,
                "partner": s.partner,
                "purpose": s.purpose,
                "legal_basis": s.legal_basis,
                "decided_at": _time(s.decided_at),
                "revoked_at": _time(s.revoked_at),
            }
            for s in report.sharing
        ],
        "reads": [
            {
                "offset": entry.offset,
                "read_at": _time(entry.record.read_at),
                "partner": entry.record.actor.partner,
                "actor": entry.record.actor.kind.value,
                "actor_id": entry.record.actor.actor_id,
                "system": entry.record.actor.system,
                "operation": entry.record.operation.value,
                "purpose": entry.record.purpose,
                "legal_basis": entry.record.legal_basis,
                "case_id": entry.record.case_id,
            }
            for entry in report.reads
        ],
        "refused_messages": [
            {
                "partner": r.partner,
                "input": r.input,
                "refused_on": r.refused_on.isoformat(),
                "code": r.code,
                "content_kept": not r.withheld,
                "retention": _expiry(r.expiry),
            }
            for r in report.refused
        ],
        "retention": _expiry(report.retention),
        "case_retention": {case: _expiry(e) for case, e in sorted(report.case_retention.items())},
        "erased_at": _time(report.erased_at),
        "erasure_reason": report.erasure_reason,
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)


def report_markdown(report: SubjectReport) -> str:
    """The report as a Markdown page in Dutch."""
    lines = [
        f"# Overzicht van betrokkene `{report.subject}`",
        "",
        "Wat de ketenhub over deze persoon vastlegt, voor de coördinator of de functionaris "
        "gegevensbescherming (verzoek om inzage, AVG art. 15). Andere personen staan er alleen "
        "als *(andere betrokkene)* in. Tijden in UTC.",
        "",
        "## Partners die de gegevens konden zien of lazen",
        "",
        ", ".join(f"`{p}`" for p in report.partners) or "Geen.",
        "",
        *_events(report),
        *_visibility(report),
        *_sharing(report),
        *_refused(report),
        *_reads(report),
        *_retention(report),
        "## Wissing",
        "",
        _erasure(report),
        "",
    ]
    return "\n".join(lines)


def _erasure(report: SubjectReport) -> str:
    if report.erased_at is None:
        return "Niet gewist."
    why = report.erasure_reason or "op verzoek"
    return (
        f"De sleutel van deze betrokkene is gewist op {_time(report.erased_at)} ({why}): "
        "versleutelde teksten zijn onleesbaar ([erased])."
    )


def _events(report: SubjectReport) -> list[str]:
    lines = ["## Gebeurtenissen over deze persoon", ""]
    if not report.events:
        return [*lines, "Geen.", ""]
    lines += [
        "| verzegeld | gebeurtenis | zaak | vastgelegd door | gegevens |",
        "|---|---|---|---|---|",
    ]
    for e in report.events:
        fields = "; ".join(f"{k}: {_cell(v)}" for k, v in e.fields.items())
        lines.append(
            f"| {_time(e.sealed_at)} | {e.event_type} | {e.case_id or '-'} | {e.recorded_by} | {fields} |"
        )
    return [*lines, ""]


def _visibility(report: SubjectReport) -> list[str]:
    lines = ["## Wie de gegevens kon zien (zicht van partners op de zaak)", ""]
    if not report.visibility:
        return [*lines, "Geen partner.", ""]
    lines += ["| partner | zaak | vanaf | tot |", "|---|---|---|---|"]
    for v in report.visibility:
        lines.append(f"| {v.partner} | {v.case_id} | {_time(v.since)} | {_time(v.until) or 'nu'} |")
    return [*lines, ""]


def _sharing(report: SubjectReport) -> list[str]:
    lines = ["## Besluiten tot delen", ""]
    if not report.sharing:
        return [*lines, "Geen.", ""]
    lines += [
        "| zaak | besluit | partner | doel | grondslag | besloten | ingetrokken |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in report.sharing:
        lines.append(
            f"| {s.case_id} | {s.decision_id} | {s.partner} | {s.purpose} | {s.legal_basis} | "
            f"{_time(s.decided_at)} | {_time(s.revoked_at) or '-'} |"
        )
    return [*lines, ""]


def _refused(report: SubjectReport) -> list[str]:
    lines = ["## Geweigerde berichten over deze persoon", ""]
    if not report.refused:
        return [*lines, "Geen.", ""]
    lines += [
        "De hub weigerde deze berichten; de partner die ze stuurde ziet ze in zijn eigen "
        "lijst van geweigerde berichten.",
        "",
        "| partner | ontvangen als | geweigerd op | reden | inhoud bewaard | bewaard tot |",
        "|---|---|---|---|---|---|",
    ]
    for r in report.refused:
        kept = "nee (mogelijk persoonsgegevens in leesbare vorm)" if r.withheld else "ja"
        until = r.expiry.on.isoformat() if r.expiry.on else "-"
        lines.append(
            f"| {r.partner} | {r.input} | {r.refused_on.isoformat()} | {r.code} | {kept} | {until} |"
        )
    return [*lines, ""]


def _reads(report: SubjectReport) -> list[str]:
    lines = ["## Wie de gegevens las (toegangslog)", ""]
    if not report.reads:
        return [*lines, "Geen.", ""]
    lines += [
        "| gelezen | partner | wie | handeling | doel | grondslag | zaak |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in report.reads:
        r = entry.record
        who = f"{r.actor.kind.value} {r.actor.actor_id or ''}".strip()
        lines.append(
            f"| {_time(r.read_at)} | {r.actor.partner or '-'} | {who} | {r.operation.value} | "
            f"{r.purpose} | {r.legal_basis} | {r.case_id or '-'} |"
        )
    return [*lines, ""]


def _retention(report: SubjectReport) -> list[str]:
    lines = ["## Bewaartermijnen", ""]
    if report.retention is None:
        return [*lines, "Geen bewaartermijnen bekend.", ""]
    lines.append(f"Deze persoon: {_expiry_text(report.retention)}.")
    for case, expiry in sorted(report.case_retention.items()):
        lines.append(f"- zaak {case}: {_expiry_text(expiry)}")
    return [*lines, ""]


def _expiry_text(expiry: Expiry) -> str:
    when = (
        f"te wissen op {expiry.on.isoformat()}"
        if expiry.on
        else "geen einddatum zolang de zaak loopt"
    )
    return f"{when} ({'; '.join(expiry.basis)})" if expiry.basis else when


def _expiry(expiry: Expiry | None) -> dict[str, Any] | None:
    if expiry is None:
        return None
    return {"erase_on": expiry.on.isoformat() if expiry.on else None, "basis": list(expiry.basis)}


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\n", " ")


def _time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat(timespec="seconds")
