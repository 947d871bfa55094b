"""`hub serve --workers N`: N processes answer on one port; the scheduled work runs in one."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests import department_source as src
from tests.feed_support import free_port
from tests.hub.cli.test_cli import write_config


def _workers_of(parent: int) -> list[int]:
    """The worker processes uvicorn started for ``parent`` (its spawned children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def test_serve_with_two_workers_answers_and_schedules_once(tmp_path: Path) -> None:
    source = tmp_path / "fgw.db"
    asyncio.run(src.create_source(f"sqlite:///{source}", projects_count=6, filings_count=0))
    config = write_config(tmp_path, source)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--config", str(config)]
            + ["--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        # Both workers are up once each has logged its start (the port answers after the first).
        while log.read_text().count("Started server process") < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        assert len(_workers_of(server.pid)) == 2
        for _ in range(6):  # fresh connections, spread over the workers by the kernel
            with httpx.Client() as client:
                answer = client.post(f"{url}/graphql", json={"query": "{ __typename }"})
            assert answer.json() == {"data": {"__typename": "Query"}}
        text = log.read_text()
        assert text.count("runs the scheduled syncs and supervision") == 1, text
        assert text.count('Added job "supervision"') == 1, text
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        finally:
            if server.poll() is None:
                server.kill()
    assert not _workers_of(server.pid)
