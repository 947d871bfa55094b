"""`hub serve` with 1 and with N worker processes on one demo store, interleaved, in one run.

    python -m bench.serve_workers [--scale 1] [--workers 2] [--seconds 5] [--concurrency 16]

Starts `hub serve --workers 1` and `hub serve --workers N` (no scheduler) over the same synced
demo store and loads each with the two page shapes of ``bench.graphql_load`` (a project portal
page; a list of 50 projects with their first filings), in rounds that alternate the two
servers (the machine's other load hits both alike). Prints requests/s, p50 and p99 per server
and the ratio N workers / 1 worker per shape. The load generator runs on the same machine and
takes CPU too: on 2 cores the ratio is below what N free cores would give.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.graph_demo import demo_store
from bench.graphql_load import LIST, PORTAL, _figures, _free_port, _load


def start(config: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--config", str(config), "--port", str(port)]
        + ["--workers", str(workers), "--no-scheduler"],
        cwd=config.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, f"http://127.0.0.1:{port}"


async def ready(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    await asyncio.sleep(2)  # the other workers finish starting
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{url} did not start")


async def run(config: Path, workers: int, seconds: float, concurrency: int, rounds: int) -> None:
    servers = {n: start(config, n) for n in (1, workers)}
    try:
        for _, url in servers.values():
            await ready(url)
        results: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
        async with httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=concurrency)
        ) as client:
            listed = await client.post(f"{servers[1][1]}/graphql", json={"query": LIST})
            codes = [n["code"] for n in listed.json()["data"]["projects"]["nodes"]]
            for _ in range(rounds):
                for n, (_, url) in servers.items():
                    shapes: dict[str, list[dict[str, Any]]] = {
                        "portal": [
                            {
                                "method": "POST",
                                "url": f"{url}/graphql",
                                "json": {"query": PORTAL, "variables": {"code": c}},
                            }
                            for c in codes
                        ],
                        "list": [
                            {"method": "POST", "url": f"{url}/graphql", "json": {"query": LIST}}
                        ],
                    }
                    for shape, requests in shapes.items():
                        await _load(client, requests, 0.5, concurrency)  # warm up
                        started = time.perf_counter()
                        latencies = await _load(client, requests, seconds, concurrency)
                        took = time.perf_counter() - started
                        results.setdefault((shape, n), []).append(_figures(latencies, took))
        print(f"{concurrency} concurrent clients, {rounds} interleaved rounds of {seconds:g} s")
        print(f"{'shape':8} {'workers':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for shape in ("portal", "list"):
            rates = {}
            for n in servers:
                runs = results[(shape, n)]
                rate, p50, p99 = (sum(r[i] for r in runs) / len(runs) for i in range(3))
                rates[n] = rate
                print(f"{shape:8} {n:7} {rate:8.1f} {p50:8.1f} {p99:8.1f}")
            print(f"{shape:8} ratio {workers} workers / 1 worker = {rates[workers] / rates[1]:.2f}")
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.workers < 2:
        parser.error("--workers: at least 2 (compared with 1)")
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        print(f"building and syncing the demo at scale {args.scale:g} ...")
        asyncio.run(demo_store(Path(folder), args.scale))
        config = Path(folder) / "hub.toml"
        asyncio.run(run(config, args.workers, args.seconds, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
