"""The runtime (hub.runtime) on real stores and sources, and `hub worker`, which runs on it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from connectors.registry import build_connector
from hub import tables
from hub.config import HubConfig, parse_config
from hub.runtime import Runtime, open_runtime
from hub.store import Store
from tests import department_source as src
from tests.hub.cli.test_cli import write_config

pytestmark = pytest.mark.anyio


async def table_names(store: Store) -> list[str]:
    async with store.read() as conn:
        return await conn.run_sync(lambda sync: inspect(sync).get_table_names())


async def project_count(store: Store) -> int:
    query = select(func.count()).select_from(tables.projects)
    async with store.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_a_runtime_creates_migrates_and_disposes_of_its_store(tmp_path: Path) -> None:
    config = parse_config({"store": {"url": "sqlite:///hub.db"}, "path": str(tmp_path / "x.toml")})
    async with open_runtime(config, serve_feed=True) as runtime:
        assert Path(runtime.store.url.database) == tmp_path / "hub.db"
        assert "projects" in await table_names(runtime.store)
        assert runtime.feed is not None and runtime.feed.subscribers == 0
        assert runtime.jobs == []
    assert runtime.store.engine.pool.checkedout() == 0


async def test_a_passed_in_store_is_migrated_and_left_open(tmp_path: Path) -> None:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    try:
        async with open_runtime(HubConfig(), store, serve_feed=False) as runtime:
            assert runtime.store is store
            assert runtime.feed is None  # a worker serves no subscriptions
        assert "projects" in await table_names(store)
        await store.ping()
    finally:
        await store.dispose()


async def test_jobs_get_the_opened_runtime_and_close_first(store: Store, tmp_path: Path) -> None:
    """A job runs on the runtime's engine, whose commits wake the bus; it is closed while the
    store and the bus it uses are still open. Its last wake-up lands as the feed reader and the
    webhook worker are cancelled, which must not keep them (and the runtime) from closing."""
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=3, filings_count=0)
    config = src.source_config(url)
    seen: list[str] = []

    @asynccontextmanager
    async def one_sync(runtime: Runtime) -> AsyncIterator[str]:
        woken = asyncio.Event()
        runtime.bus.listen(woken.set)
        connector = build_connector(config.connectors[0], config)
        try:
            report = await runtime.engine.sync(connector)
        finally:
            await connector.close()
        assert report.state == "succeeded", report.error
        await asyncio.wait_for(woken.wait(), 5)
        seen.append("woken")
        yield "synced"
        seen.append(f"closing with {await project_count(runtime.store)} projects")
        await runtime.bus.publish()

    async def run() -> list[object]:
        async with open_runtime(config, store, serve_feed=True, jobs=[one_sync]) as runtime:
            return list(runtime.jobs)

    running = asyncio.create_task(run())
    await asyncio.wait([running], timeout=20)
    if not running.done():
        running.cancel()  # a second cancel frees what swallowed the first
    assert running.done(), "the runtime did not close"
    assert running.result() == ["synced"]
    assert seen == ["woken", "closing with 3 projects"]


def test_the_worker_runs_scheduled_syncs_until_interrupted(tmp_path: Path) -> None:
    source = tmp_path / "fgw.db"
    asyncio.run(src.create_source(f"sqlite:///{source}", projects_count=6, filings_count=0))
    config = write_config(tmp_path, source)
    config.write_text(
        config.read_text().replace(
            'department = "FGW"', 'department = "FGW"\nschedule = "every 1s"'
        )
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "hub", "worker", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
        try:
            asyncio.run(eventually_synced(store, 6))
        finally:
            asyncio.run(store.dispose())
    finally:
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "sync fgw: 6 read, 6 inserted" in output


async def eventually_synced(store: Store, projects: int) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        try:
            if await project_count(store) == projects:
                return
        except Exception:  # noqa: BLE001 - the worker may not have migrated the store yet
            pass
        assert asyncio.get_running_loop().time() < deadline, "the worker did not sync in time"
        await asyncio.sleep(0.2)


def test_the_worker_reports_a_connector_it_cannot_build(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        """
[store]
url = "sqlite:///hub.db"

[[connectors]]
name = "wb"
kind = "push"
department = "WB"
schedule = "every 1m"

[[connectors.streams]]
entity = "project"
fields = { code = "XMDM", name = "XMMC" }
""",
        encoding="utf-8",
    )
    worker = subprocess.run(
        [sys.executable, "-m", "hub", "worker", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 2, worker.stdout + worker.stderr
    assert "error:" in worker.stderr
    assert "connectors.wb.schedule: a push connector is not pulled on a schedule" in worker.stderr
