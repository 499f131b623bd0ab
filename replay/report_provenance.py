"""What a report was built on, in the report's language: verification, schemas, code, method.

It closes the report (the first page is for the figures). An unverified build also says so
on the first line of every file: in the report's language on the pages and charts, and in
English (``UNVERIFIED``) in the CSV files, which machines read.
"""

from __future__ import annotations

import datetime as dt

from ketenhub.evaluation import EvaluationSettings
from ketenhub.evaluation.wording import Words
from replay.pipeline import Provenance
from replay.report_document import Terms


def unverified_line(provenance: Provenance, said: Words) -> str | None:
    """The warning every page of an unverified report starts with, or None when verified."""
    if provenance.verified:
        return None
    skipped = said.phrase("skipped", count=provenance.skipped) if provenance.skipped else ""
    return said.phrase("unverified", failure=provenance.failure) + skipped


def csv_warning(provenance: Provenance) -> str | None:
    """The warning the CSV files start with (English, for machines), or None when verified."""
    if provenance.verified:
        return None
    skipped = (
        f"; {provenance.skipped} record(s) could not be decoded and were left out"
        if provenance.skipped
        else ""
    )
    return f"UNVERIFIED - built with --allow-unverified although {provenance.failure}{skipped}"


def provenance_terms(
    provenance: Provenance,
    settings: EvaluationSettings,
    said: Words,
    years: str,
    baseline: int | None,
) -> Terms:
    """The provenance as terms: the years, the baseline, verification, schemas, code, method."""
    items = [(said.phrase("year"), years)]
    if baseline is not None:
        items.append((said.phrase("baseline"), str(baseline)))
    items.append((said.phrase("verification"), _verification(provenance, said)))
    schemas = ", ".join(
        f"{s.name} v{s.version} ({s.fingerprint.hex()})" for s in provenance.schemas
    )
    items.append((said.phrase("schemas"), schemas or said.phrase("none")))
    items.append((said.phrase("computed_by"), provenance.code_version))
    threshold = settings.min_count
    items.append((said.phrase("suppression"), said.phrase("suppression_text", threshold=threshold)))
    items.append((said.phrase("percentiles"), said.phrase("percentiles_text")))
    return Terms(tuple(items))


def _verification(provenance: Provenance, said: Words) -> str:
    check = provenance.verification
    if not provenance.verified or check is None:
        return said.phrase("failed", failure=provenance.failure)
    text = said.phrase("verified_text", records=check.records, checkpoints=check.checkpoints)
    if check.checkpoint is not None:
        signed = dt.datetime.fromtimestamp(check.checkpoint.signed_at_us / 1e6, dt.UTC)
        text += said.phrase(
            "checkpoint_text",
            size=check.checkpoint.tree_size,
            root=check.checkpoint.root.hex(),
            key_id=check.checkpoint.key_id,
            signed=signed.isoformat(timespec="seconds"),
        )
    if check.unsigned_tail:
        text += said.phrase("unsigned_tail", count=check.unsigned_tail)
    return text
