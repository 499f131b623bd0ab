"""Benchmark: events per second through the embedded pipeline, beside the raw fastavro decode rate.

Run with ``make bench`` or ``python -m bench.embedded_pipeline [--years N]``. Both rates are
measured in the same run on the same events (the synthetic demo years), and printed as a ratio.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import fastavro

from ketenhub.codec.single_object import HEADER_SIZE, writer_schema
from ketenhub.demo.scenario import build_year
from ketenhub.embedded.hub import EmbeddedHub
from ketenhub.observability import configure_logging


def _raw_decode_rate(values: list[bytes], rounds: int = 3) -> float:
    parsed = [(writer_schema(v).parsed, v) for v in values]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for schema, value in parsed:
            fastavro.schemaless_reader(io.BytesIO(value[HEADER_SIZE:]), schema, None)
        best = min(best, time.perf_counter() - start)
    return len(values) / best


def main() -> None:
    """Load N synthetic years into a fresh hub, run the pipeline, print the rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--years", type=int, default=8, help="synthetic years to load (about 580 events each)"
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    with tempfile.TemporaryDirectory() as folder, EmbeddedHub(Path(folder), create=True) as hub:
        messages = [
            m
            for y in range(2025 - args.years + 1, 2026)
            for m in build_year(y, protector=hub.protector)
        ]
        with hub.log.transaction():
            for message in messages:
                hub.publish_raw(message.partner, message.value, message.headers)
        start = time.perf_counter()
        stats = hub.run(batch=512)
        pipeline = time.perf_counter() - start
        decodable = [m.value for m in messages if m.expect in ("ACCEPT", "DUPLICATE")]
        raw = _raw_decode_rate(decodable)
    rate = len(messages) / pipeline
    print(f"events ingested:             {len(messages):>10,}")
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
        f"ratio pipeline / raw decode: {rate / raw:>10.4f}  (~{raw / rate:,.0f}x the cost of a decode)"
    )


if __name__ == "__main__":
    main()
