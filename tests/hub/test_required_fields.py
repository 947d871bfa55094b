"""Required canonical fields: a config where no stream can create an entity's records is refused
at load; a stream that only enriches records another stream creates is a warning in `hub check`
and rejects, record by record, the ones new to the store; a store error never prints SQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from hub import tables
from hub.cli import app
from hub.config import load_config
from hub.dburl import async_url
from hub.errors import ConfigError
from hub.store import Store
from tests import department_source as src

metadata = MetaData()
catalogue = Table(
    "SX_ML",
    metadata,
    Column("DM", String(40), primary_key=True),
    Column("MC", String(600)),
    Column("BM", String(10)),
    Column("JD", String(40)),
)
time_limits = Table(
    "SX_SX", metadata, Column("DM", String(40), primary_key=True), Column("TS", Integer)
)

CREATOR = """
[[connectors]]
name = "fgw"
kind = "sql"
url = "sqlite:///source.db"

[[connectors.streams]]
entity = "matter"
table = "SX_ML"
fields = { code = "DM", name = "MC", department_code = "BM", stage = "JD" }
"""
ENRICHER = """
[[connectors]]
name = "zjj"
kind = "sql"
url = "sqlite:///source.db"

[[connectors.streams]]
entity = "matter"
table = "SX_SX"
fields = { code = "DM", time_limit_days = "TS" }
"""


def write_config(folder: Path, *connectors: str, store: str = "sqlite:///hub.db") -> Path:
    config = folder / "hub.toml"
    config.write_text(f'[store]\nurl = "{store}"\n' + "".join(connectors), encoding="utf-8")
    return config


async def create_source(folder: Path, name: str = "审批事项") -> None:
    engine = create_async_engine(async_url(f"sqlite:///{folder / 'source.db'}"))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            catalogue.insert(), [{"DM": "M-1", "MC": name, "BM": "FGW", "JD": "LAND_PLANNING"}]
        )
        await conn.execute(time_limits.insert(), [{"DM": "M-1", "TS": 5}, {"DM": "M-2", "TS": 9}])
    await engine.dispose()


def test_a_stream_no_stream_can_create_records_for_is_refused_at_load(tmp_path: Path) -> None:
    config = write_config(tmp_path, ENRICHER.replace("time_limit_days", "name"))
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.file == str(config)
    assert caught.value.key_path == "connectors[0].streams[0].fields"
    assert "does not map 'department_code', 'stage', which every new matter needs" in str(
        caught.value
    )
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_an_enriching_stream_warns_in_check_and_rejects_records_new_to_the_store(
    tmp_path: Path,
) -> None:
    asyncio.run(create_source(tmp_path))
    config = write_config(tmp_path, CREATOR, ENRICHER)
    runner = CliRunner()
    check = runner.invoke(app, ["check", "--config", str(config)])
    assert check.exit_code == 0, check.output
    (warning,) = [line for line in check.output.splitlines() if "warning" in line]
    assert [cell.strip() for cell in warning.split("│")][1:4] == ["zjj", "matter", "warning"]
    assert (
        "maps no 'name', 'department_code', 'stage': a matter new to the store is rejected until "
        "fgw/matter" in warning
    )

    synced = runner.invoke(app, ["sync", "--config", str(config)])
    assert synced.exit_code == 0, synced.output
    assert "INSERT" not in synced.output and "NOT NULL" not in synced.output

    async def stored() -> tuple[list[tuple[str, int | None]], list[tuple[str | None, list[str]]]]:
        store = Store(load_config(config).resolve_url("sqlite:///hub.db"))
        async with store.read() as conn:
            matters = await conn.execute(
                select(tables.matters.c.code, tables.matters.c.time_limit_days)
            )
            rejects = await conn.execute(
                select(tables.rejects.c.source_key, tables.rejects.c.reasons)
            )
            result = list(map(tuple, matters)), list(map(tuple, rejects))
        await store.dispose()
        return result

    matters, rejects = asyncio.run(stored())
    assert matters == [("M-1", 5)]  # created by fgw, enriched by zjj
    assert rejects == [
        (
            "M-2",
            [
                f"field {name!r}: required for a new matter, and this stream does not map it "
                "(another stream must create the record first)"
                for name in ("name", "department_code", "stage")
            ],
        )
    ]


@pytest.mark.postgres
@pytest.mark.anyio
async def test_a_store_error_names_connector_stream_and_statement_kind_not_the_sql(
    tmp_path: Path, postgres_database: object
) -> None:
    # 70 characters fit matters.name as the mapping knows it (200), not this narrowed column:
    # the store refuses what the mapping let through.
    too_long = "很长的事项名称" * 10
    await create_source(tmp_path, name=too_long)
    store_url = postgres_database.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    config = load_config(write_config(tmp_path, CREATOR, store=store_url))
    store = Store(store_url)
    await store.migrate()
    async with store.write() as conn:
        await conn.execute(text("ALTER TABLE matters ALTER COLUMN name TYPE VARCHAR(20)"))
    try:
        report = await src.sync_once(store, config)
    finally:
        await store.dispose()
    assert report.state == "failed"
    assert str(report.error).startswith(
        "connector 'fgw', stream 'matter': the store refused an INSERT into matters: "
    )
    assert "too long" in str(report.error)
    for leaked in ("INSERT INTO", "VALUES", too_long[:20], "[SQL", "parameters"):
        assert leaked not in str(report.error)
