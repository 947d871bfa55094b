from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from hub import tables
from hub.store import Store, alembic_config, head_revision

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


def test_the_head_read_from_the_files_is_alembics() -> None:
    # migrate() skips Alembic when the store is at this head; it must be Alembic's own.
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_store_behind_the_head_is_still_upgraded(store: Store) -> None:
    def one_back(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "-1")

    async with store.write() as conn:
        await conn.run_sync(one_back)
        behind = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert behind != head_revision()
    await store.migrate()
    async with store.read() as conn:
        assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar() == (
            head_revision()
        )
        diffs = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), tables.metadata)
        )
    assert diffs == []


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
