"""A real ``hub serve`` process under a CPU-bound request: other clients are answered while it
runs, the request timeout stops it, and SIGTERM stops the process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hub.store import Store
from tests.feed_support import free_port
from tests.schema.seed import seed_catalogue, seed_projects
from tests.test_instances import healthy

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.serial]
HUB = Path(sys.executable).with_name("hub")
TIMEOUT_SECONDS = 5.0  # past the first slice (a second of CPU), long enough to ask often
CONFIG = """
[store]
url = "sqlite+aiosqlite:///{store}"

[server]
# Admits the heavy query below: only the request timeout stops it.
max_query_cost = 1_000_000_000_000_000_000
max_depth = 40
max_aliases = 1_000_000
"""


def heavy_query(levels: int = 4, copies: int = 6) -> str:
    """500 projects, then ``levels`` times each filing's project's filings, ``copies`` times
    over (aliases, in fragments): millions of objects, far more than the seconds allowed
    (every row is loaded once; the work is completing the objects)."""
    fragments = ["fragment L0 on Filing { key }"]
    for level in range(1, levels + 1):
        copied = " ".join(f"c{n}: filings {{ nodes {{ ...L{level - 1} }} }}" for n in range(copies))
        fragments.append(f"fragment L{level} on Filing {{ key project {{ code {copied} }} }}")
    selection = f"projects(first: 500) {{ nodes {{ filings {{ nodes {{ ...L{levels} }} }} }} }}"
    return "{ " + selection + " } " + " ".join(fragments)


@pytest.fixture
async def store_file(tmp_path: Path) -> Path:
    """A SQLite store of 500 projects of two filings each."""
    database = tmp_path / "hub.db"
    store = Store(f"sqlite+aiosqlite:///{database}")
    await store.migrate()
    await seed_catalogue(store)
    await seed_projects(store, 500)
    await store.dispose()
    return database


def hub_toml(tmp_path: Path, store_file: Path, **server: float) -> Path:
    path = tmp_path / "hub.toml"
    settings = "".join(f"{name} = {value}\n" for name, value in server.items())
    path.write_text(CONFIG.format(store=store_file) + settings)
    return path


@contextmanager
def hub_serve(config: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``hub serve`` on 127.0.0.1:port, killed when the block ends if still running."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [HUB, "serve", "-c", config, "--host", "127.0.0.1", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
    try:
        yield process
    finally:
        process.kill()
        process.wait(10)


async def post_heavy(address: str) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            f"http://{address}/graphql",
            json={"query": heavy_query()},
            headers={"accept": "application/graphql-response+json"},
        )
    return time.monotonic() - started, response


async def test_healthz_is_answered_while_a_cpu_bound_request_runs_until_its_timeout(
    store_file: Path, tmp_path: Path
) -> None:
    config = hub_toml(tmp_path, store_file, request_timeout_seconds=TIMEOUT_SECONDS)
    log, port = tmp_path / "serve.log", free_port()
    address = f"127.0.0.1:{port}"
    with hub_serve(config, port, log):
        await healthy(address, log)
        heavy = asyncio.create_task(post_heavy(address))
        latencies, answered_during = [], []
        async with httpx.AsyncClient(timeout=30) as http:
            await asyncio.sleep(0.3)  # the heavy request is being completed by now
            while not heavy.done():
                started = time.monotonic()
                assert (await http.get(f"http://{address}/healthz")).status_code == 200
                latencies.append(time.monotonic() - started)
                answered_during.append(not heavy.done())
                await asyncio.sleep(0.1)
        took, response = await heavy
    assert response.status_code == 504, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "TIMEOUT"}
    # Generous bounds (a shared 2-core machine runs the suite beside it): stopped in seconds,
    # not left to run for minutes.
    assert TIMEOUT_SECONDS <= took < TIMEOUT_SECONDS + 20, log.read_text()
    # Answered while it ran, not only once it was stopped (stopping it, cancelling its
    # thousands of tasks, takes a while itself).
    during = [
        latency for latency, running in zip(latencies, answered_during, strict=True) if running
    ]
    assert during and min(during) < 3 and max(during) < 10, latencies


async def test_sigterm_stops_the_server_while_a_request_runs(
    store_file: Path, tmp_path: Path
) -> None:
    # The request would run for a minute; shutdown waits for it 2 s, then closes it.
    config = hub_toml(tmp_path, store_file, request_timeout_seconds=60, shutdown_timeout_seconds=2)
    log, port = tmp_path / "serve.log", free_port()
    address = f"127.0.0.1:{port}"
    with hub_serve(config, port, log) as process:
        await healthy(address, log)
        heavy = asyncio.create_task(post_heavy(address))
        await asyncio.sleep(0.5)
        assert not heavy.done() and process.poll() is None
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
        assert time.monotonic() - started < 15, log.read_text()
        # uvicorn raises the signal again once it has shut down.
        assert process.returncode == -signal.SIGTERM, log.read_text()
        assert "timeout graceful shutdown exceeded" in log.read_text()
        # The request was cut off: a 500, or the connection closed without a response.
        (outcome,) = await asyncio.gather(heavy, return_exceptions=True)
        if not isinstance(outcome, httpx.TransportError):
            assert outcome[1].status_code == 500, outcome
