"""Benchmark: events per second through the embedded pipeline, beside the raw fastavro decode rate.

Run with ``make bench`` or ``python -m bench.embedded_pipeline [--years N] [--profile]``. Both
rates are measured in the same run on the same events (the synthetic demo years) and
printed with their ratio and the issue's target. ``--profile`` runs the pipeline once more
under cProfile and prints where its time goes (the shares of the core's steps, and the
functions that cost most themselves).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import fastavro

from ketenhub.codec.single_object import HEADER_SIZE, writer_schema
from ketenhub.demo.scenario import build_year
from ketenhub.observability import configure_logging
from ketenhub.runtime.embedded.hub import EmbeddedHub
from ketenhub.runtime.embedded.runner import RunStats

TARGET, AIM = 0.25, 0.4

# Steps of the pipeline whose cumulative time the profile reports: (label, file, function).
STEPS = (
    ("admission (decode, headers, authorize, judge)", "core/admission.py", "admit"),
    ("  of which field checks", "core/field_check.py", "check_fields"),
    ("sealing (encode once, hash)", "core/sealing.py", "seal"),
    ("projection (fold, render views)", "core/projection.py", "apply_batch"),
    ("  of which rendering views (Avro)", "core/projection.py", "render_views"),
    ("decoding events (compiled readers)", "codec/event_reader.py", "read_event"),
    ("reading records back (rows, headers)", "embedded/stored_rows.py", "record_from_row"),
)


def _raw_decode_rates(values: list[bytes], rounds: int = 3) -> tuple[float, float]:
    """The raw decode rate of ``values``: on the wall clock and on this process's CPU time."""
    parsed = [(writer_schema(v).parsed, v) for v in values]
    best, best_cpu = float("inf"), float("inf")
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        for schema, value in parsed:
            fastavro.schemaless_reader(io.BytesIO(value[HEADER_SIZE:]), schema, None)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return len(values) / best, len(values) / best_cpu


def _run_loaded(
    years: int, measure: Callable[[EmbeddedHub], RunStats]
) -> tuple[RunStats, int, list[bytes]]:
    """Load ``years`` synthetic years into a fresh hub and call ``measure`` on it."""
    with tempfile.TemporaryDirectory() as folder, EmbeddedHub(Path(folder), create=True) as hub:
        messages = [
            m for y in range(2025 - years + 1, 2026) for m in build_year(y, protector=hub.protector)
        ]
        with hub.log.transaction():
            for message in messages:
                hub.publish_raw(message.partner, message.value, message.headers)
        hub.signing_key  # noqa: B018  # load the key before the clock starts
        stats = measure(hub)
    decodable = [m.value for m in messages if m.expect in ("ACCEPT", "DUPLICATE")]
    return stats, len(messages), decodable


def _profile(years: int, top: int) -> None:
    """Run the pipeline under cProfile and print the steps' shares and the costliest functions."""
    profiler = cProfile.Profile()

    def profiled(hub: EmbeddedHub) -> RunStats:
        profiler.enable()
        try:
            return hub.run(batch=512)
        finally:
            profiler.disable()

    _run_loaded(years, profiled)
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    total = stats.total_tt  # type: ignore[attr-defined]  # all time spent while profiling
    print(f"\nwhere the time goes (cProfile, {total:.2f} s under the profiler):")
    for label, file, function in STEPS:
        spent = sum(
            ct
            for (path, _, name), (_, _, _, ct, _) in raw.items()
            if name == function and path.endswith(file)
        )
        print(f"  {label:<46} {100 * spent / total:5.1f} %")
    sqlite = sum(
        tt
        for (path, _, name), (_, _, tt, _, _) in raw.items()
        if "sqlite3" in name or name in ("execute", "executemany", "fetchall")
    )
    print(f"  {'SQLite statements (C, own time)':<46} {100 * sqlite / total:5.1f} %")
    print(f"\ncostliest functions by own time (top {top}):")
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    """Load N synthetic years into a fresh hub, run the pipeline, print the rates and ratio."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--years", type=int, default=8, help="synthetic years to load (about 580 events each)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile a second run and show where time goes"
    )
    parser.add_argument("--top", type=int, default=15, help="functions listed with --profile")
    args = parser.parse_args()
    configure_logging("WARNING")
    elapsed: list[float] = []

    def timed(hub: EmbeddedHub) -> RunStats:
        start, cpu = time.perf_counter(), time.process_time()
        stats = hub.run(batch=512)
        elapsed.extend((time.perf_counter() - start, time.process_time() - cpu))
        return stats

    stats, count, decodable = _run_loaded(args.years, timed)
    raw, raw_cpu = _raw_decode_rates(decodable)
    rate = count / elapsed[0]
    _report(stats, count, rate, raw)
    cpu_rate = count / elapsed[1]
    print(
        f"on this process's CPU time:  {cpu_rate:>10,.0f} events/s, ratio {cpu_rate / raw_cpu:.4f} "
        f"(load from other processes left out; raw decode {raw_cpu:,.0f}/s on CPU time)"
    )
    if args.profile:
        _profile(args.years, args.top)


def _report(stats: RunStats, count: int, rate: float, raw: float) -> None:
    ratio = rate / raw
    print(f"events ingested:             {count:>10,}")
    print(
        f"sealed / rejected / dupes:   {stats.sealed:,} / {stats.rejected:,} / {stats.duplicates:,}"
    )
    print(
        f"embedded pipeline:           {rate:>10,.0f} events/s  (ingest -> validate -> seal -> project, SQLite)"
    )
    print(
        f"raw fastavro decode:         {raw:>10,.0f} events/s  (same events, schemaless_reader only)"
    )
    print(
        f"ratio pipeline / raw decode: {ratio:>10.4f}  (~{raw / rate:,.0f}x the cost of a decode; "
        f"target {TARGET}, aim {AIM}: {'met' if ratio >= TARGET else 'not met'})"
    )
    print(
        f"time per event:              {1e6 / rate:>10,.0f} us  (a raw decode: {1e6 / raw:.1f} us)"
    )


if __name__ == "__main__":
    main()
