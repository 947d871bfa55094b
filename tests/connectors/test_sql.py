from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.registry import build_connector
from connectors.sql import SqlConnector
from hub import tables
from hub.dburl import async_url
from hub.errors import ConfigError, MappingError, SourceError
from hub.source import ReadRequest
from hub.store import Store
from hub.sync import SyncEngine
from tests import department_source as src
from tests.conftest import (
    create_scratch_database,
    drop_scratch_database,
    postgres_admin_url,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def hub_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    await store.migrate()
    yield store
    await store.dispose()


async def test_syncs_every_row_and_then_only_what_changed(
    source_url: str, hub_store: Store
) -> None:
    await src.create_source(source_url, projects_count=25, filings_count=60)
    config = src.source_config(source_url)
    connector = build_connector(config.connectors[0], config)
    engine = SyncEngine(hub_store, config)
    try:
        first = await engine.sync(connector)
        assert first.state == "succeeded", first.error
        assert (first.total("inserted"), first.total("rejected")) == (85, 0)
        await src.execute(
            source_url,
            src.rename_project("2014-440304-47-01-000020", "改名", "2014-05-01 00:00:00"),
        )
        second = await engine.sync(connector)
    finally:
        await connector.close()
    assert second.total("updated") == 1 and second.total("inserted") == 0
    async with hub_store.read() as conn:
        name = (
            await conn.execute(
                select(tables.projects.c.name).where(
                    tables.projects.c.code == "2014-440304-47-01-000020"
                )
            )
        ).scalar_one()
        statuses = dict(
            (
                await conn.execute(
                    select(tables.filings.c.status, func.count()).group_by(tables.filings.c.status)
                )
            ).all()
        )
    assert name == "改名"
    assert statuses == {"IN_PROGRESS": 60}


async def test_check_describes_a_reachable_source(source_url: str) -> None:
    await src.create_source(source_url, projects_count=1, filings_count=1)
    config = src.source_config(source_url)
    connector = build_connector(config.connectors[0], config)
    try:
        description = await connector.check()
    finally:
        await connector.close()
    assert description.split()[0] in {"sqlite", "postgresql", "mysql"}
    assert "4 tables" in description


async def test_reads_in_batches_of_the_configured_size(source_url: str) -> None:
    await src.create_source(source_url, projects_count=10, filings_count=0)
    config = src.source_config(source_url)
    connector = build_connector(config.connectors[0], config)
    stream = config.connectors[0].streams[0]
    try:
        sizes = [len(b) async for b in connector.read(ReadRequest(stream, ["XMDM"], 4))]
        from_cursor = ReadRequest(stream, ["XMDM"], 4, cursor="2014-03-01 08:00:08")
        later = [row async for b in connector.read(from_cursor) for row in b]
    finally:
        await connector.close()
    assert sizes == [4, 4, 2]
    assert [r["XMDM"][-2:] for r in later] == ["08", "09", "10"]


async def test_unquoted_lower_case_columns_match_the_config(
    tmp_path: Path, hub_store: Store
) -> None:
    admin = postgres_admin_url()
    url = await create_scratch_database(admin)
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            # How most PostgreSQL department schemas are written: unquoted, so folded to lower case.
            await conn.execute(
                text(
                    "CREATE TABLE xm_jbxx (xmdm varchar(40) primary key, xmmc text, gxsj timestamp)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO xm_jbxx VALUES ('2014-440305-47-01-000001', '南山区学校', '2014-03-01 08:00:00')"
                )
            )
        config = src.source_config(url)
        connector_config = config.connectors[0].model_copy(
            update={
                "streams": [
                    config.connectors[0]
                    .streams[0]
                    .model_copy(
                        update={
                            "table": "xm_jbxx",
                            "fields": {
                                k: v
                                for k, v in config.connectors[0].streams[0].fields.items()
                                if k in {"code", "name", "registered_at"}
                            }
                            | {
                                "registered_at": config.connectors[0]
                                .streams[0]
                                .fields["code"]
                                .model_copy(update={"column": "GXSJ"})
                            },
                        }
                    )
                ]
            }
        )
        connector = build_connector(connector_config, config)
        report = await SyncEngine(hub_store, config).sync(connector)
        await connector.close()
    finally:
        await engine.dispose()
        await drop_scratch_database(admin, url)
    assert report.state == "succeeded", report.error
    assert report.total("inserted") == 1
    # A timestamp cursor round-trips with its type: the stored cursor reads back as a datetime.
    assert report.streams[0].cursor.isoformat() == "2014-03-01T08:00:00"


async def test_an_expression_computes_a_field_in_the_source(
    source_url: str, hub_store: Store
) -> None:
    await src.create_source(source_url, projects_count=3, filings_count=3)
    config = src.source_config(source_url)
    stream = config.connectors[0].streams[1]
    backend = make_url(source_url).get_backend_name()
    # Expressions are the source's own SQL: PostgreSQL needs the upper-case name quoted.
    concat = {"mysql": "CONCAT('SZ-', SBBH)", "postgresql": "'SZ-' || \"SBBH\""}.get(
        backend, "'SZ-' || SBBH"
    )
    keyed = stream.model_copy(
        update={
            "fields": stream.fields
            | {"key": stream.fields["key"].model_copy(update={"column": None, "expr": concat})}
        }
    )
    connector_config = config.connectors[0].model_copy(update={"streams": [keyed]})
    connector = build_connector(connector_config, config)
    try:
        report = await SyncEngine(hub_store, config).sync(connector)
    finally:
        await connector.close()
    assert report.state == "succeeded", report.error
    async with hub_store.read() as conn:
        keys = (
            (await conn.execute(select(tables.filings.c.key).order_by(tables.filings.c.key)))
            .scalars()
            .all()
        )
    assert keys == ["SZ-FGW-000001", "SZ-FGW-000002", "SZ-FGW-000003"]


async def test_a_missing_table_is_a_mapping_error(source_url: str) -> None:
    await src.create_source(source_url, projects_count=1, filings_count=0)
    config = src.source_config(source_url)
    stream = config.connectors[0].streams[0].model_copy(update={"table": "XM_JBXX_2015"})
    connector = build_connector(config.connectors[0], config)
    try:
        with pytest.raises(
            MappingError, match="stream 'project': the source has no table 'XM_JBXX_2015'"
        ):
            await connector.columns(stream)
    finally:
        await connector.close()


async def test_an_unreachable_server_is_a_transient_source_error() -> None:
    config = src.source_config("postgresql://nobody@127.0.0.1:1/none", connect_timeout=2)
    connector = build_connector(config.connectors[0], config)
    assert isinstance(connector, SqlConnector)
    try:
        with pytest.raises(
            SourceError,
            match="connector 'fgw': cannot read postgresql\\+asyncpg://nobody@127.0.0.1:1/none",
        ) as caught:
            await connector.check()
    finally:
        await connector.close()
    assert caught.value.transient


def test_bad_options_name_the_key() -> None:
    config = src.source_config("sqlite:///x.db", connect_timeout="soon")
    with pytest.raises(ConfigError, match="connectors.fgw.connect_timeout"):
        build_connector(config.connectors[0], config)


def test_an_unknown_kind_lists_the_known_ones() -> None:
    config = src.source_config("sqlite:///x.db")
    odd = config.connectors[0].model_copy(update={"kind": "ftp"})
    with pytest.raises(ConfigError, match=r"unknown connector kind 'ftp'; known: .*\bsql\b"):
        build_connector(odd, config)


def test_url_of_a_scratch_database_is_async() -> None:
    assert async_url("mysql://root@127.0.0.1/test").drivername == "mysql+aiomysql"
    assert isinstance(make_url("sqlite:///x.db"), URL)
