"""Benchmark: the web API's rates — events accepted and views read per second — beside the pipeline's.

Run with ``python -m bench.web_api [--events N] [--reads N] [--clients C] [--max-seconds S]``.
A fresh embedded hub is served by ``ketenhub web`` in its own process on 127.0.0.1 (rate
limits raised for the run); ``C`` httpx async clients then

1. post ``N`` distinct signals to ``POST /api/v1/events`` (the rate at which the API accepts
   them, with p50/p99 latency), then wait until the hub sealed them all (the rate through to
   a decision);
2. read ``N`` cases with ``GET /api/v1/cases/{case_id}`` (reads per second, p50/p99).

Beside it, the same events are published straight into a second fresh hub and sealed by one
``EmbeddedHub.run``: the pipeline's own rate. Every loop is bounded in count and in time
(``--max-seconds`` per phase); only 127.0.0.1 is ever contacted. Benchmarks never run in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.waiting import wait_until
from ketenhub.hub_folder import HubFolder
from ketenhub.json_events import event_from_json
from ketenhub.observability import configure_logging
from ketenhub.runtime.embedded.hub import EmbeddedHub, create_hub
from ketenhub.web.server import free_port
from ketenhub.web.tokens import TokenStore

PUBLISHER = "municipal-staff"
READER = "municipality"


def signal(n: int) -> dict[str, object]:
    """The JSON of the n-th synthetic signal."""
    return {
        "type": "SignalReceived",
        "occurred_at": "2025-11-03T09:15:00+01:00",
        "case_id": f"case-bench-{n:06d}",
        "channel": "INTERNAL_ROUTE",
        "reporter_role": "CASEWORKER_WMO",
        "exploitation_forms": ["LABOUR"],
        "indicators": ["LIVES_AT_WORK"],
        "location": {"municipality_code": "GM1916", "area_code": "2264"},
        "persons": [f"bench-person-{n}"],
        "free_text": "Workers say they sleep in the storage room.",
    }


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENHUB_")} | {
        "KETENHUB_WEB_TOKEN_BURST": "1000000",
        "KETENHUB_WEB_TOKEN_RATE_PER_S": "1000000",
    }
    command = [sys.executable, "-m", "ketenhub", "web", "--data-dir", str(data_dir)]
    return subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


async def _load(
    count: int,
    clients: int,
    max_seconds: float,
    request: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    client_of: Callable[[], httpx.AsyncClient],
) -> tuple[int, float, list[float]]:
    """Run ``count`` requests over ``clients`` concurrent clients; (done, seconds, latencies)."""
    todo = iter(range(count))
    latencies: list[float] = []
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        async with client_of() as client:
            for n in todo:
                if time.monotonic() > deadline:
                    return
                start = time.perf_counter()
                response = await request(client, n)
                latencies.append(time.perf_counter() - start)
                if response.status_code >= 400:
                    msg = f"request {n} answered {response.status_code}: {response.text[:200]}"
                    raise SystemExit(msg)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return len(latencies), time.perf_counter() - start, latencies


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _line(label: str, done: int, seconds: float, latencies: list[float]) -> str:
    return (
        f"{label:<34}{done / seconds:>9.0f}/s   p50 {_quantile(latencies, 0.5):6.1f} ms   "
        f"p99 {_quantile(latencies, 0.99):6.1f} ms   ({done} in {seconds:.1f} s)"
    )


def _pipeline_rate(count: int) -> float:
    """Events per second of one ``EmbeddedHub.run`` over the same signals, published directly."""
    with tempfile.TemporaryDirectory() as folder, EmbeddedHub(Path(folder), create=True) as hub:
        for n in range(count):
            line = json.dumps(signal(n))
            hub.publish(event_from_json(line, n + 1, PUBLISHER, hub.protector).event)
        start = time.perf_counter()
        stats = hub.run(wait_s=0)
        return stats.sealed / (time.perf_counter() - start)


def main() -> None:
    """Measure and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args()
    configure_logging("WARNING")
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "hub"
        create_hub(data_dir)
        tokens = TokenStore(data_dir)
        registry = HubFolder(data_dir).registry()
        publisher = tokens.add(registry, PUBLISHER, "bench").token
        reader = tokens.add(registry, READER, "bench").token
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = _serve(data_dir, port)
        try:
            wait_until(lambda: _healthy(url), 60, "the web server's start")
            _measure(url, publisher, reader, args)
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"{'pipeline alone (EmbeddedHub.run)':<34}{_pipeline_rate(args.events):>9.0f}/s")


def _measure(url: str, publisher: str, reader: str, args: argparse.Namespace) -> None:
    def client(token: str) -> Callable[[], httpx.AsyncClient]:
        headers = {"Authorization": f"Bearer {token}"}
        return lambda: httpx.AsyncClient(base_url=url, headers=headers, timeout=60)

    async def post(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.post("/api/v1/events", json=signal(n))

    first = time.perf_counter()
    done, seconds, latencies = asyncio.run(
        _load(args.events, args.clients, args.max_seconds, post, client(publisher))
    )
    print(f"web API on the embedded hub, {args.clients} clients:")
    print(_line("events accepted (POST /events)", done, seconds, latencies))
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {reader}"}) as http:

        def all_sealed() -> bool:
            page = http.get(
                "/api/v1/cases", params={"limit": 1, "after": f"case-bench-{done - 2:06d}"}
            )
            return [c["case_id"] for c in page.json()["cases"]] == [f"case-bench-{done - 1:06d}"]

        wait_until(all_sealed, args.max_seconds * 4, "sealing every accepted event")
    through = time.perf_counter() - first
    print(
        f"{'accepted through to the view':<34}{done / through:>9.0f}/s   ({done} in {through:.1f} s)"
    )
    cases = [f"case-bench-{random.randrange(done):06d}" for _ in range(args.reads)]

    async def read(http: httpx.AsyncClient, n: int) -> httpx.Response:
        return await http.get(f"/api/v1/cases/{cases[n]}")

    done, seconds, latencies = asyncio.run(
        _load(args.reads, args.clients, args.max_seconds, read, client(reader))
    )
    print(_line("view reads (GET /cases/{id})", done, seconds, latencies))


if __name__ == "__main__":
    main()
