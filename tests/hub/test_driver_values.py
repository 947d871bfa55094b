"""Every value a database driver returns survives into a reject's raw row: a row that fails
mapping never stops the sync, whatever the types of its other columns."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    BINARY,
    DECIMAL,
    Column,
    Date,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from hub import tables
from hub.config import HubConfig, parse_config
from hub.dburl import async_url
from hub.store import Store
from tests import department_source as src

pytestmark = pytest.mark.anyio

UID = uuid.UUID("5f1c7a52-94f3-4c4e-9d1e-2b7b9a3c8e01")
NOT_UTF8 = b"\xff\xfe\x00\x01"


def source_config(url: URL, **fields: dict[str, Any]) -> HubConfig:
    """A SQL connector reading table PF_JG, one stream per entity with its ``fields``."""
    streams = [
        {"entity": entity, "table": "PF_JG", "fields": mapped} for entity, mapped in fields.items()
    ]
    return parse_config(
        {
            "store": {"url": "sqlite:///unused.db"},
            "connectors": [
                {
                    "name": "zjj",
                    "kind": "sql",
                    "url": url.render_as_string(hide_password=False),
                    "streams": streams,
                }
            ],
        }
    )


async def rejects_of(store: Store) -> list[Any]:
    async with store.read() as conn:
        return list(await conn.execute(select(tables.rejects)))


async def create_table(url: URL, table: Table, rows: list[dict[str, Any]]) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
        if rows:
            await conn.execute(table.insert(), rows)
    await engine.dispose()


@pytest.mark.postgres
async def test_postgresql_values_of_every_type_survive_into_a_reject(
    store: Store, postgres_database: URL
) -> None:
    source = Table(
        "PF_JG",
        MetaData(),
        Column("code", String(20), primary_key=True),
        Column("pcode", String(40)),
        Column("uid", postgresql.UUID(as_uuid=True)),
        Column("decision", String(10)),
        Column("amount", Numeric(12, 2)),
        Column("blob", postgresql.BYTEA),
        Column("at_time", Time),
        Column("span", postgresql.INTERVAL),
        Column("tags", postgresql.ARRAY(postgresql.INTEGER)),
        Column("doc", postgresql.JSONB),
        Column("stamp", postgresql.TIMESTAMP(timezone=True)),
        Column("day", Date),
    )
    row = {
        "uid": UID,
        "amount": Decimal("1234.50"),
        "blob": NOT_UTF8,
        "at_time": time(8, 30),
        "span": timedelta(days=1, hours=2, minutes=3),
        "tags": [1, 2],
        "doc": {"area": 12.5, "floors": [1, 2]},
        "stamp": datetime(2024, 5, 6, 1, 2, 3, tzinfo=UTC),
        "day": date(2024, 5, 6),
    }
    await create_table(
        postgres_database,
        source,
        [
            row
            | {
                "code": "OK-1",
                "pcode": "2014-440304-47-01-000001",
                "decision": "APPROVED",
                "blob": b"text",
            },
            row | {"code": "BAD-1", "pcode": "no code", "decision": "MAYBE"},
        ],
    )
    outcomes = {
        "key": "code",
        "filing_key": "uid",
        "decision": "decision",
        "holder": "blob",
        "document_type": "at_time",
        "document_number": "span",
        "attributes": "doc",
        "issued_at": "stamp",
        "valid_until": "day",
    }
    projects = {"code": "pcode", "name": "tags", "total_investment": "amount"}
    config = source_config(postgres_database, outcome=outcomes, project=projects)
    report = await src.sync_once(store, config)
    assert report.state == "succeeded", report.error
    assert (report.total("inserted"), report.total("rejected")) == (2, 2)
    raw = {r.entity: r.raw for r in await rejects_of(store)}
    assert raw["outcome"] == {
        "code": "BAD-1",
        "uid": str(UID),
        "decision": "MAYBE",
        "blob": "0xfffe0001",
        "at_time": "08:30:00",
        "span": "P1DT2H3M0S",
        "doc": {"area": 12.5, "floors": [1, 2]},
        "stamp": "2024-05-06T01:02:03+00:00",
        "day": "2024-05-06",
    }
    assert raw["project"] == {"pcode": "no code", "tags": [1, 2], "amount": "1234.50"}
    async with store.read() as conn:
        stored = (await conn.execute(select(tables.outcomes))).one()
        project = (await conn.execute(select(tables.projects))).one()
    assert (stored.filing_key, stored.holder, stored.attributes) == (
        str(UID),
        "text",
        {"area": 12.5, "floors": [1, 2]},
    )
    assert stored.issued_at == date(2024, 5, 6)  # 09:02 on that day in Asia/Shanghai
    assert (project.name, project.total_investment) == ("[1, 2]", 1234.5)


@pytest.mark.mariadb
async def test_mariadb_decimal_blob_and_time_survive_into_a_reject(
    store: Store, mariadb_database: URL
) -> None:
    source = Table(
        "PF_JG",
        MetaData(),
        Column("code", String(20), primary_key=True),
        Column("decision", String(10)),
        Column("amount", DECIMAL(12, 2)),
        Column("blob", LargeBinary),
        Column("raw_id", BINARY(4)),
        Column("at_time", Time),
    )
    # aiomysql cannot bind bytes parameters: the binary values are SQL literals.
    await create_table(mariadb_database, source, [])
    await src.execute_all(
        mariadb_database,
        [
            text(
                f"INSERT INTO PF_JG VALUES ('{code}', '{decision}', 99.90, UNHEX('{blob}'), "
                f"UNHEX('{blob}'), '17:05:00')"
            )
            for code, decision, blob in (
                ("OK-1", "APPROVED", b"text".hex()),
                ("BAD-1", "?", NOT_UTF8.hex()),
            )
        ],
    )
    outcomes = {
        "key": "code",
        "filing_key": "amount",
        "decision": "decision",
        "document_type": "at_time",
        "document_number": "raw_id",
        "issuer": "blob",
    }
    config = source_config(mariadb_database, outcome=outcomes)
    report = await src.sync_once(store, config)
    assert report.state == "succeeded", report.error
    assert (report.total("read"), report.total("rejected")) == (2, 1)
    (reject,) = await rejects_of(store)
    assert reject.raw == {
        "code": "BAD-1",
        "decision": "?",
        "amount": "99.90",
        "blob": "0xfffe0001",
        "raw_id": "0xfffe0001",
        "at_time": "P0DT17H5M0S",  # the driver hands TIME over as an interval
    }
