"""``ketenhub verify``: the history against a pinned key and a witness, and the derived data.

access.log (the processing records of reads) is verified like audit.log.

Exit status: 0 when everything checked holds; 1 when tampering is detected (a broken link or
hash, a checkpoint that does not match or is signed by another key, a witnessed checkpoint
the log no longer extends, records missing from a topic or damaged, on the embedded hub an
input the sealer consumed that is not decided exactly once, a view or rejection the log does
not account for); 2 when the log cannot be vouched for (no pinned key, or records no signed
checkpoint covers).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ketenhub.cli.hubs import Hub, open_hub
from ketenhub.cli.pinning import pin_options, unpinned_warning
from ketenhub.core.trust import TrustedKey, UntrustedKey, fingerprint
from ketenhub.core.verification import LogUnverifiable, VerificationReport, require_signed
from ketenhub.core.witnessing import Witness, WitnessUnreadable, witness_from_json
from ketenhub.errors import IntegrityError
from ketenhub.hub_options import data_dir_option, kafka_option, read_pin, setting_option
from ketenhub.runtime.embedded.damage import DamagedRecord
from ketenhub.runtime.embedded.history_check import account_inputs, verify_stored_chain
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.topic_log import RecordsMissing

TAMPERED, UNVERIFIABLE = 1, 2
SHOWN_FAULTS = 50  # faults printed one per line; a count stands for the rest


def _read_witness(path: Path | None) -> Witness | None:
    if path is None:
        return None
    try:
        return witness_from_json(path.read_bytes())
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror}"
        raise WitnessUnreadable(msg) from exc


def _trusted_key(
    hub: Hub, pin: TrustedKey | None, witness: Witness | None, tofu: bool
) -> tuple[Ed25519PublicKey, bool]:
    """The key to verify with, and whether it is pinned (by --trusted-key, a witness or TOFU)."""
    if witness is not None:
        witnessed = TrustedKey(fingerprint(witness.public_key), witness.public_key)
        if pin is not None and pin.fingerprint != witnessed.fingerprint:
            raise UntrustedKey(witnessed.fingerprint, pin.fingerprint)
        pin = pin or witnessed
    if pin is not None:
        return pin.key_for(hub.public_key), True
    offered = hub.public_key
    if tofu:
        click.echo(
            f"TRUST ON FIRST USE: trusting the hub key with fingerprint {fingerprint(offered)}; "
            "pin it from now on with --trusted-key",
            err=True,
        )
        return offered, True
    return offered, False


def _echo_report(report: VerificationReport, key: Ed25519PublicKey) -> None:
    click.echo(f"audit.log: {report.records} sealed records, hash chain intact")
    last = report.last_checkpoint
    if last is not None:
        click.echo(
            f"{report.checkpoints} signed checkpoint(s) verified; last covers {last.tree_size} "
            f"records, root {last.root.hex()}, key {last.key_id}"
        )
    click.echo(f"hub key fingerprint {fingerprint(key)}")
    if report.witnessed is not None:
        click.echo(
            f"extends the witnessed checkpoint at tree size {report.witnessed.tree_size} "
            f"(root {report.witnessed.root.hex()})"
        )


def _echo_access_report(report: VerificationReport, witness: Witness | None) -> None:
    click.echo(
        f"access.log: {report.records} processing record(s) of reads, hash chain intact, each "
        f"covered by one of {report.checkpoints} signed checkpoint(s)"
    )
    if report.witnessed is not None:
        click.echo(
            f"access.log extends the witnessed checkpoint at tree size "
            f"{report.witnessed.tree_size} (root {report.witnessed.root.hex()})"
        )
    elif witness is not None:
        click.echo(
            "access.log is not witnessed: the witness file pins audit.log only (written before "
            "witnesses pinned access.log, or by a partner); write a new one with --write-witness"
        )


@contextmanager
def _tampering_exits() -> Iterator[None]:
    """Report a broken history, a record missing from a topic or a damaged record: exit 1."""
    try:
        yield
    except (IntegrityError, RecordsMissing, DamagedRecord) as exc:
        click.echo(f"TAMPERING DETECTED: {exc}", err=True)
        raise SystemExit(TAMPERED) from exc


def _echo_faults(faults: Sequence[object], label: str) -> None:
    for fault in faults[:SHOWN_FAULTS]:
        click.echo(f"{label}: {fault}", err=True)
    if len(faults) > SHOWN_FAULTS:
        click.echo(f"{label}: ... and {len(faults) - SHOWN_FAULTS} more", err=True)


def _check_inputs(hub: EmbeddedHub) -> bool:
    """Whether every input the sealer consumed was sealed, refused or a duplicate, exactly once."""
    accounted = account_inputs(hub.log)
    if accounted.faults:
        _echo_faults(accounted.faults, "TAMPERING DETECTED")
        click.echo(
            f"{len(accounted.faults)} input(s) or decision(s) the history does not account for",
            err=True,
        )
        return False
    pending = f"; {accounted.pending} not yet sealed" if accounted.pending else ""
    click.echo(
        f"inputs: {accounted.consumed} consumed by the sealer, each decided once: "
        f"{accounted.sealed} sealed, {accounted.refused} refused, "
        f"{accounted.duplicates} duplicate(s) ignored{pending}"
    )
    return True


def _check_views(hub: Hub, idle_timeout_s: float) -> bool:
    """Whether every stored view and rejection equals its rebuild from audit.log."""
    if not isinstance(hub, EmbeddedHub):
        return _check_views_on_kafka(hub, idle_timeout_s)
    from ketenhub.runtime.embedded.derived_check import check_derived_data

    checked = check_derived_data(hub)
    if not _sound_derived_data(checked.differences):
        return False
    pending = (
        f"; {checked.unprojected} sealed record(s) not yet projected" if checked.unprojected else ""
    )
    click.echo(
        f"views: {checked.views} partner view(s) equal their rebuild from audit.log; "
        f"rejections: {checked.rejections} record(s) match the sealer's decisions{pending}"
    )
    return True


def _sound_derived_data(differences: Sequence[object]) -> bool:
    _echo_faults(differences, "DERIVED DATA DIFFERS")
    if differences:
        click.echo(f"{len(differences)} view(s) or rejection(s) differ from audit.log", err=True)
    return not differences


def _check_views_on_kafka(hub: Hub, idle_timeout_s: float) -> bool:
    """Wait until the hub is idle, then compare its view and rejected topics with audit.log."""
    from ketenhub.runtime.kafka.client import KafkaHub
    from ketenhub.runtime.kafka.derived_check import check_derived_data_on_kafka
    from ketenhub.runtime.kafka.hub_idle import HubNotIdle

    if not isinstance(hub, KafkaHub):
        msg = "--views compares an embedded data folder or a hub on --kafka"
        raise click.UsageError(msg)
    click.echo(f"views: waiting until the hub is idle (at most {idle_timeout_s:g} s) ...")
    try:
        checked = check_derived_data_on_kafka(hub.settings, hub.registry, idle_timeout_s)
    except HubNotIdle as exc:
        click.echo(f"UNVERIFIABLE: views not compared: {exc}", err=True)
        raise SystemExit(UNVERIFIABLE) from exc
    if not _sound_derived_data(checked.differences):
        return False
    expired = (
        f"; {checked.expired_inputs} name(s) an input the ingest topic no longer keeps "
        "(retention), not compared"
        if checked.expired_inputs
        else ""
    )
    click.echo(
        f"views: the hub was idle with {checked.audit_records} sealed record(s), all projected; "
        f"{checked.views} partner view(s) equal their rebuild from audit.log; "
        f"rejections: {checked.rejections} record(s) match the sealer's decisions{expired}"
    )
    return True


@click.command()
@pin_options
@click.option(
    "--witness",
    "witness_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A checkpoint kept outside the hub (a partner's witness file, or --write-witness): the "
    "log must still extend it, and access.log the checkpoint of it the file holds (if any). Its "
    "key counts as pinned.",
)
@click.option(
    "--write-witness",
    "write_witness",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="After a verification against a pinned key, write the newest checkpoints of audit.log "
    "and access.log to this witness file; keep it elsewhere and check later logs with --witness.",
)
@click.option(
    "--views",
    is_flag=True,
    help="Also rebuild every partner view and rejection index and compare (on --kafka once "
    "the hub is idle, see --idle-timeout).",
)
@click.option(
    "--idle-timeout",
    "idle_timeout_s",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="With --views --kafka: seconds to wait until the hub is idle (every input decided, "
    "every sealed record projected) before comparing; not idle by then exits 2.",
)
@setting_option(
    "checkpoint_every",
    "--checkpoint-every",
    "cadence",
    type=click.IntRange(min=1),
    help="The hub's checkpoint cadence: more newest records than this without a signed "
    "checkpoint (or any records without one) make the log unverifiable.",
)
@data_dir_option
@kafka_option
def verify(
    trusted_key: str | None,
    trust_on_first_use: bool,
    witness_file: Path | None,
    write_witness: Path | None,
    views: bool,
    idle_timeout_s: float,
    cadence: int,
    data_dir: Path,
    bootstrap: str | None,
) -> None:
    """Verify audit.log and access.log against the pinned hub key: every link, hash and checkpoint.

    On the embedded hub every ingested input below the sealer's position must be sealed,
    refused or a duplicate of a sealed or refused event, exactly once, and no topic may miss
    a record. Exits 0 when the history is intact and vouched for by the pinned key; 1 naming
    the topic and offset when it was tampered with (or a view or rejection differs, with
    --views); 2 when it cannot be vouched for: no pinned key, or records no signed checkpoint
    covers. access.log, the record of every read of personal case data, is checked the same
    way; each of its records must be covered by a signed checkpoint (exit 1 otherwise).

    With --views on Kafka the running workers write the views, so the comparison waits until
    the hub is idle — the workers' consumer group has committed every input and, with one
    view partition, the sealer has projected all of audit.log — and compares at that moment;
    a hub still busy after --idle-timeout is not compared (exit 2), never called tampered.
    """
    pin, witness = read_pin(trusted_key), _read_witness(witness_file)
    with open_hub(data_dir, bootstrap) as hub, _tampering_exits():
        key, pinned = _trusted_key(hub, pin, witness, trust_on_first_use)
        if isinstance(hub, EmbeddedHub):
            report = verify_stored_chain(hub.log, key, witness)
        else:
            report = hub.verify(key, witness)
        try:
            require_signed(report, cadence)
        except LogUnverifiable as exc:
            click.echo(f"UNVERIFIABLE: {exc}", err=True)
            raise SystemExit(UNVERIFIABLE) from exc
        _echo_report(report, key)
        access = hub.verify_access(key, witness.access_witness() if witness else None)
        _echo_access_report(access, witness)
        sound = _check_inputs(hub) if isinstance(hub, EmbeddedHub) else True
        if views:
            sound = _check_views(hub, idle_timeout_s) and sound
        if not sound:
            raise SystemExit(TAMPERED)
    if not pinned:
        click.echo(unpinned_warning(fingerprint(key)), err=True)
        raise SystemExit(UNVERIFIABLE)
    if write_witness is not None:
        _write_witness(write_witness, report, access, key)


def _write_witness(
    path: Path, audit: VerificationReport, access: VerificationReport, key: Ed25519PublicKey
) -> None:
    """Write the newest checkpoints of audit.log and (when it has one) access.log to ``path``."""
    if audit.last_checkpoint is None:
        click.echo(f"not written: {path}: the log holds no checkpoint yet", err=True)
        raise SystemExit(UNVERIFIABLE)
    path.write_bytes(Witness(audit.last_checkpoint, key, access=access.last_checkpoint).to_json())
    pinned = (
        "access.log holds no checkpoint yet, so it is not witnessed"
        if access.last_checkpoint is None
        else f"access.log at tree size {access.last_checkpoint.tree_size}"
    )
    click.echo(
        f"wrote the witness of tree size {audit.last_checkpoint.tree_size} ({pinned}) to {path}"
    )
