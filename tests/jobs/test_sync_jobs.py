from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.registry import build_connector
from hub import tables
from hub.store import Store
from hub.sync import SyncEngine
from jobs.sync_jobs import SyncJobs
from tests import department_source as src

pytestmark = pytest.mark.anyio


async def project_count(store: Store) -> int:
    async with store.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(tables.projects))).scalar_one()
        )


async def eventually(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_scheduled_sync_runs_on_its_schedule(store: Store, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=5, filings_count=0)
    config = src.source_config(url, schedule="every 1s")
    jobs = SyncJobs(SyncEngine(store, config), [build_connector(config.connectors[0], config)])
    jobs.start()
    try:
        await eventually(lambda: _has(store, 5))
        await src.execute(url, src.projects.insert(), [src.project_row(6)])
        await eventually(lambda: _has(store, 6))
    finally:
        await jobs.shutdown()


async def _has(store: Store, n: int) -> bool:
    return await project_count(store) == n


async def test_an_outage_is_retried_until_the_source_answers(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "later"
    url = f"sqlite:///{folder / 'fgw.db'}"
    config = src.source_config(url)
    jobs = SyncJobs(
        SyncEngine(store, config),
        [build_connector(config.connectors[0], config)],
        retry_delays=[0.3],
    )
    jobs.start()
    try:
        first = await jobs.run("fgw")
        assert first is not None and first.state == "failed" and first.transient
        assert jobs.failures["fgw"] == 1
        assert jobs.scheduler.get_job("retry:fgw") is not None
        folder.mkdir()
        await src.create_source(url, projects_count=3, filings_count=0)
        await eventually(lambda: _has(store, 3))
        await eventually(lambda: _no_failures(jobs))
    finally:
        await jobs.shutdown()


async def _no_failures(jobs: SyncJobs) -> bool:
    return "fgw" not in jobs.failures


async def test_a_mapping_error_is_not_retried(store: Store, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=1, filings_count=0)
    config = src.source_config(url)
    stream = config.connectors[0].streams[0]
    broken = config.connectors[0].model_copy(
        update={"streams": [stream.model_copy(update={"table": "NOPE"})]}
    )
    jobs = SyncJobs(
        SyncEngine(store, config), [build_connector(broken, config)], retry_delays=[0.1]
    )
    jobs.start()
    try:
        report = await jobs.run("fgw")
        assert report is not None and report.state == "failed" and not report.transient
        assert jobs.scheduler.get_job("retry:fgw") is None
    finally:
        await jobs.shutdown()


async def test_reconcile_runs_on_its_own_schedule(store: Store, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=10, filings_count=0)
    config = src.source_config(url, reconcile_schedule="every 1s", max_delete_share=0.5)
    engine = SyncEngine(store, config)
    connector = build_connector(config.connectors[0], config)
    await engine.sync(connector)
    from sqlalchemy import delete

    await src.execute(url, delete(src.projects).where(src.projects.c.XMDM.like("%000001")))
    jobs = SyncJobs(engine, [connector])
    jobs.start()
    try:
        await eventually(lambda: _visible(store, 9))
    finally:
        await jobs.shutdown()


async def _visible(store: Store, n: int) -> bool:
    query = select(func.count()).where(tables.projects.c.deleted_at.is_(None))
    async with store.read() as conn:
        return int((await conn.execute(query)).scalar_one()) == n


async def test_shutdown_waits_for_a_run_in_progress_to_let_go_of_its_connections(
    store: Store, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=3000, filings_count=0)
    config = src.source_config(url, schedule="every 1s", batch_size=100)
    jobs = SyncJobs(SyncEngine(store, config), [build_connector(config.connectors[0], config)])
    async with jobs:
        await eventually(lambda: _running_runs(store), timeout=20)
        running = jobs.runs.tasks
        assert running, "a scheduled run is in progress"
    assert all(task.done() for task in running)
    assert store.engine.pool.checkedout() == 0
    assert await project_count(store) < 3000, "the run was stopped, not waited out"


async def _running_runs(store: Store) -> bool:
    query = select(func.count()).where(tables.sync_runs.c.state == "running")
    async with store.read() as conn:
        return int((await conn.execute(query)).scalar_one()) > 0
