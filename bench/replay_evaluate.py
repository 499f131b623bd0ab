"""Benchmark: replay, verify and evaluate a synthetic 10-year history (default one million events).

Run with ``python -m bench.replay_evaluate [--events N] [--data-dir DIR]``. It seals the
history straight into a fresh embedded log (or reuses DIR if it holds one), then measures
each stage in its own child process, so each memory peak is that stage's alone:

- read:     the sealed records out of SQLite, nothing else (subtracted from the others);
- raw:      fastavro ``schemaless_reader`` of each record and its event payload, schemas
            parsed once, no validation: the floor any Avro replay pays;
- replay:   ``decode_sealed`` + ``read_event`` (compiled readers, pydantic models);
- verify:   the hash chain, every record's hash and every signed checkpoint;
- evaluate: folding the decoded events into the evaluation's history and computing the tables;
- total:    ``evaluate_source`` end to end (one verified pass, as ``ketenhub evaluate`` runs it),
            then writing the report (tables, charts, pages).

Rates are events per second; ratios are against the raw decode rate of the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastavro

from ketenhub.cli.sources import EmbeddedSource
from ketenhub.codec.event_reader import read_event
from ketenhub.codec.single_object import HEADER_SIZE, writer_schema
from ketenhub.core.sealing import decode_sealed
from ketenhub.evaluation import evaluate, history_for
from ketenhub.observability import configure_logging
from ketenhub.runtime.embedded.hub import LOG_FILE
from replay.pipeline import evaluate_source
from replay.report import write_report
from replay.verify import verify_source

FIRST_YEAR, YEARS = 2016, 10
END_TO_END_S, RATIO_TARGET = 60, 0.5
YEAR, BASELINE = FIRST_YEAR + YEARS - 1, FIRST_YEAR


def _read(source: EmbeddedSource) -> dict[str, float]:
    count = sum(1 for _ in source.records())
    return {"records": count}


def _raw(source: EmbeddedSource) -> dict[str, float]:
    parsed: dict[bytes, Any] = {}

    def schema_of(value: bytes) -> Any:
        key = value[2:HEADER_SIZE]
        if key not in parsed:
            parsed[key] = fastavro.parse_schema(dict(writer_schema(value).source))
        return parsed[key]

    count = 0
    for _, value in source.records():
        record = fastavro.schemaless_reader(io.BytesIO(value[HEADER_SIZE:]), schema_of(value), None)
        payload = record["payload"] if isinstance(record, dict) else b""
        fastavro.schemaless_reader(io.BytesIO(payload[HEADER_SIZE:]), schema_of(payload), None)
        count += 1
    return {"records": count}


def _replay(source: EmbeddedSource) -> dict[str, float]:
    """Decode every record and event; time the fold and the tables separately."""
    history, folding, count = history_for(YEAR, BASELINE), 0.0, 0
    for offset, value in source.records():
        event = read_event(decode_sealed(value, offset).payload)
        start = time.perf_counter()
        history.add(event)
        folding += time.perf_counter() - start
        count += 1
    start = time.perf_counter()
    evaluate(history, YEAR, BASELINE)
    return {"records": count, "fold_s": folding, "tables_s": time.perf_counter() - start}


def _verify(source: EmbeddedSource) -> dict[str, float]:
    report = verify_source(source)
    return {"records": report.records, "checkpoints": report.checkpoints}


def _total(source: EmbeddedSource) -> dict[str, float]:
    run = evaluate_source(source, YEAR, BASELINE)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_report(run, Path(out))
    verification = run.provenance.verification
    return {
        "records": verification.records if verification else 0,
        "report_s": time.perf_counter() - start,
    }


STAGES: dict[str, Callable[[EmbeddedSource], dict[str, float]]] = {
    "read": _read,
    "raw": _raw,
    "replay": _replay,
    "verify": _verify,
    "total": _total,
}


def run_stage(name: str, data_dir: Path) -> None:
    """Child process: run one stage, print its figures as JSON."""
    configure_logging("WARNING")
    with EmbeddedSource(data_dir) as source:
        start, cpu = time.perf_counter(), time.process_time()
        figures = STAGES[name](source)
        seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures | {"seconds": seconds, "cpu_s": cpu_s, "peak_mb": peak_mb}))


def measure(name: str, data_dir: Path) -> dict[str, float]:
    """Run one stage in a fresh child process and return its figures."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.replay_evaluate",
            "--stage",
            name,
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        failure = f"stage {name} failed:\n{done.stderr}"
        raise SystemExit(failure)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report(built: tuple[int, float] | None, stages: dict[str, dict[str, float]]) -> None:
    """Print the rates, the ratios to the raw decode rate, and the memory peaks."""
    n = stages["read"]["records"]
    read_s = stages["read"]["seconds"]
    net = {k: stages[k]["seconds"] - read_s for k in ("raw", "replay", "verify")}
    fold = stages["replay"]["fold_s"] + stages["replay"]["tables_s"]
    net["replay"] -= fold
    net["evaluate"] = fold
    raw = n / net["raw"]
    total = stages["total"]["seconds"]
    if built is not None:
        count, seconds = built
        rate = count / seconds
        print(
            f"built {count:,} sealed events over {YEARS} years in {seconds:.0f} s ({rate:,.0f} events/s)"
        )
    print(f"events: {n:,}   evaluated: {YEAR} against {BASELINE}")
    print(f"{'stage':<34}{'seconds':>9}{'events/s':>12}{'x raw':>9}{'peak MB':>9}")
    print(_line("read (SQLite)", read_s, n, None, stages["read"]["peak_mb"]))
    labels = {
        "raw": "raw fastavro decode (net of read)",
        "replay": "replay decode (net of read)",
        "verify": "verify (net of read)",
        "evaluate": "evaluate: fold + tables",
    }
    for key, label in labels.items():
        peak = stages["replay" if key == "evaluate" else key]["peak_mb"]
        print(_line(label, net[key], n, raw, peak))
    print(_line("total evaluate_source + report", total, n, raw, stages["total"]["peak_mb"]))
    report_s, tables_s = stages["total"]["report_s"], stages["replay"]["tables_s"]
    print(
        f"  of which writing the report: {report_s:.1f} s; computing the tables: {tables_s:.2f} s"
    )
    _summary(n, total, raw, stages["total"]["peak_mb"])
    raw_cpu = stages["raw"]["cpu_s"] - stages["read"]["cpu_s"]
    total_cpu = stages["total"]["cpu_s"]
    print(
        f"CPU time of this process alone (load from other processes left out): end to end "
        f"{total_cpu:.1f} s, raw decode {raw_cpu:.1f} s, ratio {raw_cpu / total_cpu:.3f}"
    )


def _summary(n: float, seconds: float, raw: float, peak_mb: float) -> None:
    """The figures the issue sets targets for, measured in this run."""
    ratio = (n / seconds) / raw
    print(
        f"end to end (verify + replay + evaluate + report): {seconds:.1f} s for {n:,.0f} events, "
        f"{'within' if seconds < END_TO_END_S else 'over'} the {END_TO_END_S} s target"
    )
    print(
        f"ratio end to end / raw decode: {ratio:.3f} "
        f"(target {RATIO_TARGET}: {'met' if ratio >= RATIO_TARGET else 'not met'})"
    )
    print(f"peak memory (resident set) of the end-to-end run: {peak_mb:,.0f} MB")


def _line(label: str, seconds: float, n: float, raw: float | None, peak: float) -> str:
    """One row of the figures: time, rate, ratio to the raw decode rate, memory peak."""
    ratio = "" if raw is None else f"{(n / seconds) / raw:.3f}"
    return f"{label:<34}{seconds:>9.1f}{n / seconds:>12,.0f}{ratio:>9}{peak:>9.0f}"


def main() -> None:
    """Build (or reuse) the history, measure every stage, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="sealed events to build (default 1,000,000)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep the built log here (reused if present)"
    )
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        run_stage(args.stage, args.data_dir)
        return
    from bench.synthetic_history import build_history

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.data_dir or Path(scratch) / "hub"
        built = None
        if not (folder / LOG_FILE).exists():
            start = time.perf_counter()
            count = build_history(folder, args.events, FIRST_YEAR, YEARS)
            built = (count, time.perf_counter() - start)
        report(built, {name: measure(name, folder) for name in STAGES})


if __name__ == "__main__":
    main()
