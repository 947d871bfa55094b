"""Incremental sync against real sources: late commits, boundary values, NULL cursors, time
zones. The store is SQLite and PostgreSQL; the sources SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

from hub import tables
from hub.config import HubConfig
from hub.dburl import async_url
from hub.store import Store
from hub.sync import RunReport
from tests import department_source as src

pytestmark = pytest.mark.anyio


def with_stream_options(config: HubConfig, **options: Any) -> HubConfig:
    connector = config.connectors[0]
    streams = [connector.streams[0].model_copy(update=options)]
    return config.model_copy(
        update={"connectors": [connector.model_copy(update={"streams": streams})]}
    )


async def sync(store: Store, config: HubConfig) -> RunReport:
    report = await src.sync_once(store, config)
    assert report.state == "succeeded", report.error
    return report


async def codes(store: Store) -> set[str]:
    async with store.read() as conn:
        return set((await conn.execute(select(tables.projects.c.code))).scalars())


@pytest.mark.parametrize("overlap", [None, "10m"])
async def test_a_row_committed_late_is_caught_by_the_overlap_window(
    store: Store, server_source_url: str, overlap: str | None
) -> None:
    await src.create_source(server_source_url, projects_count=3, filings_count=0)
    config = with_stream_options(src.source_config(server_source_url), overlap=overlap)
    await sync(store, config)
    engine = create_async_engine(async_url(server_source_url))
    try:
        async with engine.connect() as late_writer:
            # A department transaction stamps its row at 09:00 but commits after a sync has
            # already read a row stamped 09:05: the classic watermark miss.
            transaction = await late_writer.begin()
            await late_writer.execute(
                src.projects.insert(), [src.project_row(50, GXSJ="2014-03-01 09:00:00")]
            )
            await src.execute(
                server_source_url,
                src.projects.insert(),
                [src.project_row(51, GXSJ="2014-03-01 09:05:00")],
            )
            await sync(store, config)
            await transaction.commit()
    finally:
        await engine.dispose()
    second = await sync(store, config)
    late_code = "2014-440304-47-01-000050"
    if overlap is None:
        assert late_code not in await codes(store)
    else:
        assert late_code in await codes(store)
        assert second.total("inserted") == 1


async def test_rows_sharing_the_boundary_value_are_all_read_once(
    store: Store, source_url: str
) -> None:
    await src.create_source(source_url, projects_count=0, filings_count=0)
    same = "2014-03-02 10:00:00"
    await src.execute(
        source_url, src.projects.insert(), [src.project_row(n, GXSJ=same) for n in range(1, 11)]
    )
    config = src.source_config(source_url)  # batch size 4: the boundary falls inside batches
    first = await sync(store, config)
    assert first.total("inserted") == 10
    again = await sync(store, config)
    assert again.total("inserted") == again.total("updated") == again.total("changes") == 0
    await src.execute(source_url, src.projects.insert(), [src.project_row(11, GXSJ=same)])
    third = await sync(store, config)
    assert third.total("inserted") == 1
    assert len(await codes(store)) == 11


async def test_rows_with_a_null_cursor_are_not_lost(store: Store, source_url: str) -> None:
    await src.create_source(source_url, projects_count=3, filings_count=0)
    config = src.source_config(source_url)
    await sync(store, config)
    await src.execute(source_url, src.projects.insert(), [src.project_row(9, GXSJ=None)])
    report = await sync(store, config)
    assert report.total("inserted") == 1
    assert "2014-440304-47-01-000009" in await codes(store)
    assert (await sync(store, config)).total("changes") == 0


@pytest.mark.parametrize(("timezone", "utc_hour"), [("Asia/Shanghai", 1), ("UTC", 9)])
async def test_naive_source_times_are_read_in_the_connectors_timezone(
    store: Store, source_url: str, timezone: str, utc_hour: int
) -> None:
    metadata = MetaData()
    table = Table(
        "XM_SJ",
        metadata,
        Column("XMDM", String(40), primary_key=True),
        Column("XMMC", String(100)),
        Column("DJSJ", DateTime()),
    )
    engine = create_async_engine(async_url(source_url))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            table.insert(),
            [{"XMDM": "2014-440304-47-01-000001", "XMMC": "学校", "DJSJ": datetime(2014, 3, 5, 9)}],
        )
    await engine.dispose()
    base = src.source_config(source_url)
    connector = base.connectors[0].model_copy(
        update={
            "timezone": timezone,
            "streams": [
                base.connectors[0]
                .streams[0]
                .model_copy(
                    update={
                        "table": "XM_SJ",
                        "cursor": "DJSJ",
                        "fields": {
                            "code": base.connectors[0].streams[0].fields["code"],
                            "name": base.connectors[0].streams[0].fields["name"],
                            "registered_at": base.connectors[0]
                            .streams[0]
                            .fields["code"]
                            .model_copy(update={"column": "DJSJ"}),
                        },
                    }
                )
            ],
        }
    )
    config = base.model_copy(update={"connectors": [connector]})
    report = await sync(store, config)
    async with store.read() as conn:
        stored = (await conn.execute(select(tables.projects.c.registered_at))).scalar_one()
        change = (await conn.execute(select(tables.changes.c.source_time))).scalar_one()
    assert stored == date(2014, 3, 5)  # a date-only field keeps the source's day
    assert change == datetime(2014, 3, 5, utc_hour)
    # A typed cursor round-trips with its type (SQLite keeps DATETIME as text); the next run
    # reads only the boundary row.
    expected = str if source_url.startswith("sqlite") else datetime
    assert isinstance(report.streams[0].cursor, expected)
    assert (await sync(store, config)).total("read") == 1
