"""Schema drift in real source databases: a mapped column that disappears or changes type."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from hub import tables
from hub.config import HubConfig
from hub.dburl import async_url
from hub.drift import type_family
from hub.store import Store
from tests import department_source as src

pytestmark = pytest.mark.anyio


sync = src.sync_once


async def alter(url: str, *statements: str) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


def quoted(url: str, name: str) -> str:
    return f"`{name}`" if url.startswith("mysql") else f'"{name}"'


def optional_owner(config: HubConfig) -> HubConfig:
    connector = config.connectors[0]
    stream = connector.streams[0]
    owner = stream.fields["owner_name"].model_copy(update={"optional": True})
    streams = [stream.model_copy(update={"fields": {**stream.fields, "owner_name": owner}})]
    streams += connector.streams[1:]
    return config.model_copy(
        update={"connectors": [connector.model_copy(update={"streams": streams})]}
    )


async def test_a_dropped_column_stops_the_run_and_names_it(store: Store, source_url: str) -> None:
    await src.create_source(source_url, projects_count=3, filings_count=0)
    config = src.source_config(source_url)
    assert (await sync(store, config)).state == "succeeded"
    await alter(
        source_url,
        f"ALTER TABLE {quoted(source_url, 'XM_JBXX')} DROP COLUMN {quoted(source_url, 'XMDW')}",
    )
    report = await sync(store, config)
    assert report.state == "failed" and not report.transient
    assert "stream 'project': the source has no column 'XMDW'" in str(report.error)
    async with store.read() as conn:
        owners = set((await conn.execute(select(tables.projects.c.owner_name))).scalars())
    assert owners == {"深圳市福田区建筑工务署"}  # nothing was nulled


async def test_an_optional_field_whose_column_is_gone_is_left_as_it_was(
    store: Store, source_url: str
) -> None:
    await src.create_source(source_url, projects_count=3, filings_count=0)
    config = optional_owner(src.source_config(source_url))
    await sync(store, config)
    await alter(
        source_url,
        f"ALTER TABLE {quoted(source_url, 'XM_JBXX')} DROP COLUMN {quoted(source_url, 'XMDW')}",
    )
    await src.execute(
        source_url,
        text(
            f"UPDATE {quoted(source_url, 'XM_JBXX')} SET {quoted(source_url, 'XMMC')} = '新名称', "
            f"{quoted(source_url, 'GXSJ')} = '2014-09-01 00:00:00'"
        ),
    )
    report = await sync(store, config)
    assert report.state == "succeeded", report.error
    async with store.read() as conn:
        rows = (
            await conn.execute(select(tables.projects.c.name, tables.projects.c.owner_name))
        ).all()
    assert set(rows) == {("新名称", "深圳市福田区建筑工务署")}


async def test_a_type_change_is_detected_by_name(store: Store, server_source_url: str) -> None:
    url = server_source_url
    await src.create_source(url, projects_count=3, filings_count=0)
    config = src.source_config(url)
    await sync(store, config)
    table, column = quoted(url, "XM_JBXX"), quoted(url, "DJRQ")
    if url.startswith("mysql"):
        await alter(url, f"ALTER TABLE {table} MODIFY {column} INTEGER")
    else:
        await alter(
            url, f"ALTER TABLE {table} ALTER COLUMN {column} TYPE integer USING {column}::integer"
        )
    report = await sync(store, config)
    assert report.state == "failed"
    assert "column 'DJRQ' changed type from VARCHAR(16) to INTEGER" in str(report.error)
    assert "--accept-drift" in str(report.error)
    accepted = await sync(store, config, accept_drift=True)
    assert accepted.state == "succeeded", accepted.error
    assert (await sync(store, config)).state == "succeeded"


def test_type_families_ignore_lengths_and_spelling() -> None:
    assert type_family("VARCHAR(40)") == type_family("TEXT") == "text"
    assert type_family("TIMESTAMP WITHOUT TIME ZONE") == type_family("DATETIME")
    assert type_family("INTEGER") != type_family("VARCHAR(16)")
