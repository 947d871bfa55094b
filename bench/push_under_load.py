"""Push latency with and without concurrent readers, in one run (issue: writes must not starve).

    python -m bench.push_under_load [--scale 1] [--readers 64] [--pushes 40] [--records 20]

Serves the demo store with `hub serve` (a child process, no scheduler) plus a push connector,
then times `POST /ingest` of ``--records`` new projects, ``--pushes`` times one after the other:
first alone, then while ``--readers`` clients request a 50-project list page as fast as they can.
Prints p50/p99/max push latency of both rounds, their ratio, and the readers' throughput.
Aim: p99 under 1 s under load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.graph_demo import demo_store
from bench.graphql_load import LIST, _figures, _free_port
from hub.auth import create_token
from hub.store import Store

PUSH_CONNECTOR = """
[[connectors]]
name = "bench_push"
kind = "push"
department = "BENCH"

[[connectors.streams]]
entity = "project"
fields = { code = "xmdm", name = "xmmc" }
"""


def records(push: int, count: int) -> list[dict[str, str]]:
    return [
        {"xmdm": f"2015-440305-47-01-{push * count + n:06d}", "xmmc": f"基准项目 {push}-{n}"}
        for n in range(count)
    ]


async def pushes(
    client: httpx.AsyncClient, token: str, first: int, count: int, size: int
) -> list[float]:
    latencies = []
    for push in range(first, first + count):
        started = time.perf_counter()
        response = await client.post(
            "/ingest/bench_push/project",
            json=records(push, size),
            headers={"authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        latencies.append(time.perf_counter() - started)
    return latencies


async def readers(client: httpx.AsyncClient, count: int, stop: asyncio.Event) -> int:
    served = 0

    async def reader() -> None:
        nonlocal served
        while not stop.is_set():
            (await client.post("/graphql", json={"query": LIST})).raise_for_status()
            served += 1

    await asyncio.gather(*(reader() for _ in range(count)))
    return served


def line(label: str, latencies: list[float]) -> tuple[str, float]:
    """The round's printed line, and its p99 in ms."""
    _, p50, p99 = _figures(latencies, 1.0)
    worst = max(latencies) * 1000
    return f"{label:22} {len(latencies):6} {p50:9.1f} {p99:9.1f} {worst:9.1f}", p99


async def run(config_path: Path, reader_count: int, push_count: int, size: int) -> None:
    settings_text = config_path.read_text(encoding="utf-8") + PUSH_CONNECTOR
    bench_config = config_path.with_name("bench_push.toml")
    bench_config.write_text(settings_text, encoding="utf-8")
    store = Store(f"sqlite+aiosqlite:///{config_path.parent / 'hub.db'}")
    token = await create_token(store, "bench", scopes=["ingest:bench_push"], department="BENCH")
    await store.dispose()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "-c", str(bench_config), "--port", str(port)]
        + ["--no-scheduler"],
        env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    limits = httpx.Limits(max_connections=reader_count + 4)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
        ) as client:
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            await pushes(client, token, 10_000, 3, size)  # warm-up, not measured
            alone = await pushes(client, token, 0, push_count, size)
            stop = asyncio.Event()
            reading = asyncio.create_task(readers(client, reader_count, stop))
            await asyncio.sleep(2)  # the readers are all busy by now
            started = time.perf_counter()
            loaded = await pushes(client, token, push_count, push_count, size)
            seconds = time.perf_counter() - started
            stop.set()
            served = await reading
    finally:
        server.terminate()
        server.wait(30)
    print(f"{push_count} pushes of {size} new projects each; {reader_count} readers of a list page")
    print(f"{'round':22} {'pushes':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    alone_line, alone_p99 = line("alone", alone)
    loaded_line, loaded_p99 = line(f"with {reader_count} readers", loaded)
    print(alone_line, loaded_line, sep="\n")
    print(f"readers served {served / (seconds + 2):.1f} pages/s meanwhile")
    verdict = "meets" if loaded_p99 < 1000 else "misses"
    print(
        f"p99 push latency under load: {loaded_p99:.0f} ms, {loaded_p99 / alone_p99:.1f}x alone"
        f" ({verdict} the 1 s aim)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--readers", type=int, default=64)
    parser.add_argument("--pushes", type=int, default=40)
    parser.add_argument("--records", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-push-bench-") as folder:
        settings = asyncio.run(demo_store(Path(folder), args.scale))
        assert settings.path is not None
        asyncio.run(run(Path(settings.path), args.readers, args.pushes, args.records))


if __name__ == "__main__":
    main()
