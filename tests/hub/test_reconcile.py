"""Deletes: a key scan soft-deletes rows gone from the source, with a safety cap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from connectors.registry import build_connector
from hub import tables
from hub.config import HubConfig
from hub.store import Store
from hub.sync import RunReport, SyncEngine
from tests import department_source as src

pytestmark = pytest.mark.anyio


@pytest.fixture
async def synced(store: Store, tmp_path: Path) -> tuple[str, HubConfig]:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=20, filings_count=0)
    config = src.source_config(url, max_delete_share=0.25)
    await run(store, config, "sync")
    return url, config


async def run(store: Store, config: HubConfig, what: str, **options: Any) -> RunReport:
    connector = build_connector(config.connectors[0], config)
    try:
        return await getattr(SyncEngine(store, config), what)(connector, **options)
    finally:
        await connector.close()


async def visible(store: Store) -> int:
    projects = tables.projects
    query = select(func.count()).where(projects.c.deleted_at.is_(None))
    async with store.read() as conn:
        return int((await conn.execute(query)).scalar_one())


def drop(*numbers: int) -> Any:
    codes = [f"2014-440304-47-01-{n:06d}" for n in numbers]
    return delete(src.projects).where(src.projects.c.XMDM.in_(codes))


async def test_rows_gone_from_the_source_are_soft_deleted_with_a_change(
    store: Store, synced: tuple[str, HubConfig]
) -> None:
    url, config = synced
    await src.execute(url, drop(3, 7))
    report = await run(store, config, "reconcile")
    assert report.state == "succeeded", report.error
    assert report.total("deleted") == 2 and report.total("read") == 18
    assert await visible(store) == 18
    async with store.read() as conn:
        deleted = (
            await conn.execute(select(tables.changes).where(tables.changes.c.op == "deleted"))
        ).all()
        run_row = (
            await conn.execute(
                select(tables.sync_runs).where(tables.sync_runs.c.id == report.run_id)
            )
        ).one()
    assert sorted(c.entity_key for c in deleted) == [
        "2014-440304-47-01-000003",
        "2014-440304-47-01-000007",
    ]
    assert all(c.project_code == c.entity_key and c.sync_run_id == report.run_id for c in deleted)
    assert (run_row.mode, run_row.rows_deleted) == ("reconcile", 2)
    # A second reconcile finds nothing more to delete and logs nothing.
    assert (await run(store, config, "reconcile")).total("changes") == 0


async def test_a_deleted_row_that_comes_back_is_restored(
    store: Store, synced: tuple[str, HubConfig]
) -> None:
    url, config = synced
    await src.execute(url, drop(5))
    await run(store, config, "reconcile")
    await src.execute(url, src.projects.insert(), [src.project_row(5, GXSJ="2014-06-01 00:00:00")])
    report = await run(store, config, "sync")
    assert report.total("updated") == 1
    assert await visible(store) == 20
    async with store.read() as conn:
        ops = (await conn.execute(select(tables.changes.c.op).order_by(tables.changes.c.seq))).all()
    assert [op for (op,) in ops][-2:] == ["deleted", "restored"]


async def test_a_source_outage_that_looks_like_deletes_is_refused(
    store: Store, synced: tuple[str, HubConfig]
) -> None:
    url, config = synced
    await src.execute(url, delete(src.projects))
    report = await run(store, config, "reconcile")
    assert report.state == "failed" and not report.transient
    assert "reconcile would delete 20 of 20 rows (100%), above the safety cap of 25%" in str(
        report.error
    )
    assert await visible(store) == 20
    forced = await run(store, config, "reconcile", force=True)
    assert forced.total("deleted") == 20 and await visible(store) == 0
