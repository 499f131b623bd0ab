"""Commands reading history back: archive a year, travel back in time, build the annual evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ketenhub.cli.hubs import kafka_settings, open_hub
from ketenhub.cli.reads import (
    ACCOUNTABILITY,
    cases_of,
    cases_sealed_in,
    purpose_option,
    record_cli_reads,
)
from ketenhub.config import load_registry
from ketenhub.core.processing import ReadOperation
from ketenhub.hub_folder import HubFolder
from ketenhub.hub_options import CASE_ID, data_dir_option, kafka_option, setting_option

if TYPE_CHECKING:
    from ketenhub.evaluation import EvaluationSettings
    from ketenhub.evaluation.wording import Language
    from replay.report_annual import SummaryReader
    from replay.sources import SealedLogSource

F = TypeVar("F", bound=Callable[..., Any])
YEAR = click.IntRange(1970, 9998)

public_key_option = click.option(
    "--public-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The hub's public key (PEM) to verify checkpoints with. Default: the archive's copy "
    "with --archive, else DATA_DIR/keys/hub-signing-key.pub.pem.",
)
archive_option = click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read the archived years in this folder (from `ketenhub archive`) instead of the live log.",
)
allow_unverified_option = click.option(
    "--allow-unverified",
    is_flag=True,
    help="Build even if verification fails; every output is then marked UNVERIFIED.",
)


PIN_KEY = "ketenhub.replay_pin"


replay_pin_option = setting_option(
    "trusted_key",
    "--trusted-key",
    metavar="FILE|FINGERPRINT",
    remember=PIN_KEY,
    help="Verify checkpoints only with this pinned hub key (SHA-256 fingerprint or public key "
    "PEM); without it a warning says the key came from the source itself.",
)


def source_options(command: F) -> F:
    """The options choosing where history is read from, and the key it is verified with."""
    for option in (
        replay_pin_option,
        public_key_option,
        archive_option,
        kafka_option,
        data_dir_option,
    ):
        command = option(command)
    return command


def _pinned(source: SealedLogSource) -> SealedLogSource:
    """The source verified with the pinned key, or as it is with a warning when none is pinned."""
    from ketenhub.hub_options import read_pin
    from replay.verify import PinnedSource

    ctx = click.get_current_context(silent=True)
    pin = read_pin(ctx.meta.get(PIN_KEY) if ctx is not None else None)
    if pin is None:
        click.echo(
            f"warning: {source.description} is verified with the hub key it names itself, not a "
            "pinned key (--trusted-key or KETENHUB_TRUSTED_KEY)",
            err=True,
        )
        return source
    return PinnedSource(source, pin)


@contextmanager
def open_source(
    data_dir: Path, bootstrap: str | None, archive_dir: Path | None, public_key: Path | None
) -> Iterator[SealedLogSource]:
    """The source the options name: an archive folder, Kafka, or the embedded hub (default)."""
    from ketenhub.cli.sources import EmbeddedSource
    from replay.sources import ArchiveSource

    if archive_dir is not None and bootstrap is not None:
        msg = "give either --archive or --kafka, not both"
        raise click.UsageError(msg)
    if archive_dir is not None:
        yield _pinned(ArchiveSource(archive_dir, public_key))
    elif bootstrap is not None:
        from replay.kafka_source import KafkaSource  # only this source needs kafka-python

        key_file = public_key or HubFolder(data_dir).keys.public_key_file
        yield _pinned(KafkaSource.of_hub(kafka_settings(data_dir, bootstrap), key_file))
    else:
        with EmbeddedSource(data_dir, public_key) as embedded:
            yield _pinned(embedded)


@click.command()
@click.option(
    "--year", type=YEAR, default=None, help="Calendar year (UTC) whose sealed records to archive."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ketenhub-archive"),
    show_default=True,
    help="Folder to write the archive into (one folder may hold several years).",
)
@click.option(
    "--check",
    "check_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Instead of writing, verify the archive in this folder, and prove it is part of the live log.",
)
@purpose_option
@source_options
def archive(
    year: int | None,
    out: Path,
    check_dir: Path | None,
    purpose: str | None,
    data_dir: Path,
    bootstrap: str | None,
    archive_dir: Path | None,
    public_key: Path | None,
) -> None:
    """Write the records sealed in --year to Avro object container files, with their checkpoints.

    The live log is verified first. The archive holds the year's sealed records (schema
    SealedRecord, embedded in the file, readable by any Avro tool), the signed checkpoints
    covering them, a manifest linking them to the records before and after, and the hub's
    public key. Afterwards the archive is read back, verified on its own, and proven to be
    part of the live log with a Merkle consistency proof. --check does only that last step
    for an existing archive folder. Every case with records in the year is first recorded
    in the hub's access.log (purpose ACCOUNTABILITY unless --purpose names another); if that
    fails nothing is written.
    """
    from replay.archive import check_against_live, write_archive
    from replay.sources import ArchiveSource
    from replay.verify import verify_source

    if (year is None) == (check_dir is None):
        msg = "give --year to write an archive, or --check FOLDER to verify one"
        raise click.UsageError(msg)
    with open_source(data_dir, bootstrap, archive_dir, public_key) as live:
        if year is not None:
            read = cases_sealed_in(live.records(), year)
            with open_hub(data_dir, bootstrap) as hub:
                chosen = purpose or ACCOUNTABILITY
                record_cli_reads(hub, None, read, ReadOperation.CLI_ARCHIVE, chosen)
            manifest = write_archive(live, year, out)
            click.echo(
                f"archived {manifest.end_offset - manifest.first_offset} record(s) sealed in {year} "
                f"(audit.log offsets {manifest.first_offset}-{manifest.end_offset - 1}) to {out}"
            )
        folder = out if check_dir is None else check_dir
        verified = verify_source(ArchiveSource(folder))
        click.echo(
            f"archive {folder}: {verified.records} record(s), {verified.checkpoints} checkpoint(s) verified"
        )
        latest = check_against_live(verified, live)
        click.echo(
            f"consistent with the live log: its checkpoint of tree size {latest.tree_size} "
            f"(root {latest.root.hex()}) extends the archive"
        )


@click.command()
@click.option(
    "--as-of",
    "as_of",
    required=True,
    metavar="DATE",
    help="A date (the end of that day, UTC) or an ISO 8601 time with offset. State as known then.",
)
@click.option("--partner", default=None, help="Show what this partner could see (its views).")
@click.option("--case", "case_id", type=CASE_ID, default=None, help="Show this one case.")
@click.option(
    "--registry",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Partner registry (TOML). Default: the data folder's partners.toml, else the shipped one.",
)
@allow_unverified_option
@purpose_option
@source_options
def replay(
    as_of: str,
    partner: str | None,
    case_id: str | None,
    registry: Path | None,
    allow_unverified: bool,
    purpose: str | None,
    data_dir: Path,
    bootstrap: str | None,
    archive_dir: Path | None,
    public_key: Path | None,
) -> None:
    """Time travel: show a case, or a partner's whole view, as it was known on a date.

    "Known" is by sealing time: the state is rebuilt from the records of audit.log sealed
    up to --as-of, after verifying the whole log. Prints JSON: the case's state (or the
    partner's view of it), or every case the partner could see, and the sharing decisions
    in force then. Each case shown is first recorded in the hub's access.log (purpose
    ACCOUNTABILITY unless --purpose names another); if that fails nothing is shown.
    """
    from replay.pipeline import Replay
    from replay.time_travel import (
        case_state,
        known_before,
        nothing_sealed,
        partner_view,
        sharing_in_force,
        snapshot,
    )

    before = known_before(as_of)
    partners = HubFolder(data_dir).registry() if registry is None else load_registry(registry)
    if partner is not None:
        partners.get(partner)
    with open_source(data_dir, bootstrap, archive_dir, public_key) as source:
        run = Replay(source, allow_unverified=allow_unverified)
        snap = snapshot(run.events(), before, partners)
    if (note := nothing_sealed(snap, as_of)) is not None:
        click.echo(note, err=True)
    shown: dict[str, Any] = {
        "as_of": as_of,
        "records_sealed_by_then": snap.records,
        "verified": run.failure is None,
    }
    if run.failure is not None:
        shown["UNVERIFIED"] = str(run.failure)
    if case_id is not None:
        shown["case"] = case_state(snap, case_id, partner)
        read = {} if shown["case"] is None else {case_id: shown["case"]}
    elif partner is not None:
        shown["views"] = read = partner_view(snap, partner)
    else:
        read = {}
    shown["sharing_in_force"] = sharing_in_force(snap, case_id, partner)
    if read:
        with open_hub(data_dir, bootstrap) as hub:
            chosen = purpose or ACCOUNTABILITY
            record_cli_reads(hub, partner, read, ReadOperation.CLI_REPLAY, chosen)
    click.echo(
        json.dumps(_erasures_marked(shown, data_dir), indent=2, sort_keys=True, ensure_ascii=False)
    )


def _erasures_marked(shown: dict[str, Any], data_dir: Path) -> Any:
    """The replayed state with its erased encrypted fields marked, where the keys are at hand."""
    from ketenhub.cli.rendering import mark_erased
    from ketenhub.errors import KetenhubError

    try:
        protector = HubFolder(data_dir).protector()
    except KetenhubError:
        return shown
    try:
        return mark_erased(shown, protector)
    finally:
        protector.close()


class YearRange(click.ParamType):
    """``FIRST-LAST``: the years from FIRST to LAST, both included."""

    name = "FIRST-LAST"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        first, _, last = str(value).partition("-")
        try:
            years = (int(first), int(last))
        except ValueError:
            self.fail(f"{value!r} is not FIRST-LAST, e.g. 2022-2025", param, ctx)
        if not (1970 <= years[0] < years[1] <= 9998):
            self.fail(
                f"{value!r}: FIRST must come before LAST, both between 1970 and 9998", param, ctx
            )
        return tuple(range(years[0], years[1] + 1))


@click.command()
@click.option(
    "--year",
    type=YEAR,
    default=None,
    help="The year to evaluate (events by when they occurred, UTC): the annual report.",
)
@click.option(
    "--years",
    type=YearRange(),
    default=None,
    help="The years of a trend report, e.g. 2022-2025: each year against --baseline (default: "
    "FIRST) and against the year before.",
)
@click.option(
    "--baseline", type=YEAR, default=None, help="The baseline year (nulmeting) to compare with."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the report into (report.html, report.md, tables/*.csv, ...).",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Counts about people or cases below this (but not 0) are suppressed in published tables.",
)
@click.option(
    "--wait-days",
    type=click.FloatRange(min=0),
    default=14.0,
    show_default=True,
    help="A wait from referral to start of care longer than this is reported as a bottleneck.",
)
@click.option(
    "--language",
    type=click.Choice(["nl", "en"]),
    default="nl",
    show_default=True,
    help="Language of the report's pages and charts (the CSV files are the same in both).",
)
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print report.pdf (A4) with a headless Chromium; it is not listed in SHA256SUMS.",
)
@click.option(
    "--pdf-browser",
    default=None,
    metavar="PATH",
    help="The Chromium to print the PDF with. Default: chromium (or chromium-browser, "
    "google-chrome) on the PATH.",
)
@allow_unverified_option
@source_options
def evaluate(
    year: int | None,
    years: tuple[int, ...] | None,
    baseline: int | None,
    out: Path,
    min_count: int,
    wait_days: float,
    language: Language,
    pdf: bool,
    pdf_browser: str | None,
    allow_unverified: bool,
    data_dir: Path,
    bootstrap: str | None,
    archive_dir: Path | None,
    public_key: Path | None,
) -> None:
    """Build the annual evaluation of --year (or the trend over --years): verified, traceable.

    Verifies the history first (every hash link and signed checkpoint) and refuses if it
    does not hold, naming the first bad offset. The annual report opens with each part's key
    figures against the baseline, answers the plan's two questions (efficiency and
    effectiveness), then shows the five parts with charts, and ends with what it was built
    on. Writes it as HTML (for screen and A4) and Markdown, one CSV per table (small counts
    suppressed so that none can be worked out again), an internal drill-down CSV with the
    event ids behind every figure, and SHA256SUMS. --years writes the trend report instead.
    The same history and code give the same bytes.
    """
    from ketenhub.evaluation import EvaluationSettings

    if (year is None) == (years is None):
        msg = "give --year for the annual report, or --years FIRST-LAST for the trend report"
        raise click.UsageError(msg)
    settings = EvaluationSettings(min_count=min_count, wait_days=wait_days)
    with open_source(data_dir, bootstrap, archive_dir, public_key) as source, _built_verified():
        recorder = _DrilldownRecorder(data_dir, bootstrap, archive_dir is not None)
        if years is not None:
            written, verified = _trend(
                source, years, baseline, settings, allow_unverified, out, language, recorder
            )
        else:
            assert year is not None  # one of the two, checked above
            with summary_reader(data_dir) as read:
                written, verified = _annual(
                    source,
                    year,
                    baseline,
                    settings,
                    allow_unverified,
                    out,
                    language,
                    read,
                    recorder,
                )
    if verified is not None:
        click.echo(f"UNVERIFIED: {verified}", err=True)
    click.echo(f"wrote {written} to {out}")
    if pdf:
        from replay.report_pdf import print_pdf

        printed = print_pdf(out / "report.html", out / "report.pdf", pdf_browser)
        click.echo(f"printed {printed}")


@contextmanager
def summary_reader(data_dir: Path) -> Iterator[SummaryReader | None]:
    """Decrypts findings' summaries with the data folder's keys; None when it holds none."""
    from ketenhub.contract.models import EvaluationFindingRecorded
    from ketenhub.core.privacy import associated_data
    from ketenhub.errors import KetenhubError

    try:
        protector = HubFolder(data_dir).protector()
    except KetenhubError:
        yield None
        return
    bound = associated_data(EvaluationFindingRecorded.EVENT_TYPE, "summary")
    try:
        yield lambda field: protector.decrypt(field, bound)
    finally:
        protector.close()


@contextmanager
def _built_verified() -> Iterator[None]:
    """Turn a failed verification into one line saying how to build anyway."""
    from replay.verify import VerificationFailed

    try:
        yield
    except VerificationFailed as exc:
        msg = (
            f"{exc}; the evaluation was not built (--allow-unverified builds it marked UNVERIFIED)"
        )
        raise click.ClickException(msg) from exc


def _annual(
    source: SealedLogSource,
    year: int,
    baseline: int | None,
    settings: EvaluationSettings,
    allow_unverified: bool,
    out: Path,
    language: Language,
    read: SummaryReader | None,
    recorder: _DrilldownRecorder,
) -> tuple[str, str | None]:
    from replay.pipeline import evaluate_source
    from replay.report import write_report

    run = evaluate_source(
        source, year, baseline, settings=settings, allow_unverified=allow_unverified
    )
    evaluation = run.evaluation
    ids = {i for t in evaluation.tables for r in t.rows for f in r.figures for i in f.event_ids}
    recorder.record(ids | {finding.stamp.event_id for finding in evaluation.findings}, source)
    files = write_report(run, out, language=language, read=read)
    done = f"the evaluation of {year} ({len(run.evaluation.tables)} tables, {len(files)} files)"
    return done, run.provenance.failure


@dataclass(frozen=True)
class _DrilldownRecorder:
    """Seals a processing record per case behind the drill-down's figures before it is written.

    An archive evaluated where no hub is (no data folder, no --kafka) has no access log to
    record in: its making was recorded (``cli.archive``); a note says so.
    """

    data_dir: Path
    bootstrap: str | None
    from_archive: bool

    def record(self, ids: set[str], source: SealedLogSource) -> None:
        """Seal a record per case of the events ``ids`` (those behind the drill-down)."""
        if (
            self.from_archive
            and self.bootstrap is None
            and not HubFolder(self.data_dir).log_file.exists()
        ):
            click.echo(
                "note: no hub here to record the drill-down's reads in (the archive's making was)",
                err=True,
            )
            return
        cases = cases_of(source.records(), lambda record: record.event_id in ids)
        with open_hub(self.data_dir, self.bootstrap) as hub:
            record_cli_reads(hub, None, cases, ReadOperation.EVALUATION_DRILLDOWN, "EVALUATION")


def _trend(
    source: SealedLogSource,
    years: tuple[int, ...],
    baseline: int | None,
    settings: EvaluationSettings,
    allow_unverified: bool,
    out: Path,
    language: Language,
    recorder: _DrilldownRecorder,
) -> tuple[str, str | None]:
    from replay.report_trend import evaluate_trend_source, write_trend_report

    start = years[0] if baseline is None else baseline
    run = evaluate_trend_source(
        source, years, start, settings=settings, allow_unverified=allow_unverified
    )
    recorder.record(
        {i for x in run.trend.indicators for f in x.figures for i in f.event_ids}, source
    )
    files = write_trend_report(run, out, language=language)
    shown = run.trend.years
    done = f"the trend {shown[0]}-{shown[-1]} against {start} ({len(files)} files)"
    return done, run.provenance.failure
