from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from hub import tables
from hub.store import Store

pytestmark = pytest.mark.anyio


async def test_migrations_create_exactly_the_declared_tables(store: Store) -> None:
    async with store.read() as conn:
        diffs = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), tables.metadata)
        )
    assert diffs == []


async def test_migrate_twice_is_harmless(store: Store) -> None:
    await store.migrate()
    async with store.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(tables.projects))).scalar() == 0


async def test_write_commits_and_rolls_back(store: Store) -> None:
    now = __import__("datetime").datetime(2026, 1, 1)
    row = {
        "code": "FGW",
        "name": "发展和改革委员会",
        "src_connector": "t",
        "src_key": "FGW",
        "synced_at": now,
    }
    async with store.write() as conn:
        await conn.execute(tables.departments.insert(), row)
    try:
        async with store.write() as conn:
            await conn.execute(tables.departments.insert(), {**row, "code": "GT"})
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    async with store.read() as conn:
        codes = (await conn.execute(select(tables.departments.c.code))).scalars().all()
    assert codes == ["FGW"]


async def test_sqlite_store_uses_wal(store: Store) -> None:
    if not store.is_sqlite:
        return
    async with store.read() as conn:
        mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
    assert mode == "wal"
