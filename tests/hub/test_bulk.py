"""The driver-level executemany stores exactly what SQLAlchemy's own executemany stores."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Text, bindparam, cast, func, null, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from hub import tables
from hub.bulk import Bulk, bind_processor, insert_many
from hub.store import Store

pytestmark = pytest.mark.anyio

TIMES = [
    datetime(2014, 12, 31, 23, 59, 59, 999999),
    datetime(2014, 1, 2, 3, 4, 5),  # no microseconds: SQLAlchemy still writes .000000
    datetime(5, 6, 7, 8, 9, 10, 11),  # a year below 1000 is zero-padded
    datetime(2014, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=8))),  # aware: as given
    date(2014, 5, 6),  # a date in a datetime column
    None,
]


def test_sqlite_processors_write_sqlalchemys_text() -> None:
    dialect = sqlite.dialect()
    for column in (tables.changes.c.recorded_at, tables.outcomes.c.valid_until):
        impl = column.type.dialect_impl(dialect)
        reference = impl.bind_processor(dialect)
        fast = bind_processor(column.type, dialect)
        assert reference is not None and fast is not None
        values = TIMES if column.name == "recorded_at" else [date(2014, 5, 6), date(7, 1, 1)]
        assert [fast(v) for v in values] == [reference(v) for v in values]
    json_column = tables.changes.c.new_value
    reference = json_column.type.dialect_impl(dialect).bind_processor(dialect)
    fast = bind_processor(json_column.type, dialect)
    assert reference is not None and fast is not None
    values: list[Any] = [None, {"名称": "深圳", "n": 1.5}, [1, "x"], "text", 3]
    assert [fast(v) for v in values] == [reference(v) for v in values]
    assert fast(None) == "null"  # JSON null, as SQLAlchemy writes an explicit None


def _change(entity: str, i: int, when: datetime | date | None) -> dict[str, Any]:
    return {
        "op": "updated" if i % 2 else "created",
        "entity": entity,
        "entity_key": f"K{i:03d}",
        "project_code": None if i % 3 == 0 else f"P{i}",
        "field": "name" if i % 2 else None,
        "old_value": None if i % 2 == 0 else {"v": f"旧{i}", "d": i},
        "new_value": {"name": f"新{i}", "at": "2014-01-02T03:04:05Z", "x": [i, None, 1.25]},
        "connector": "fgw",
        "department_code": "FGW",
        "sync_run_id": i,
        "source_time": when,
        "recorded_at": datetime(2026, 3, 1, 12, 0, i % 60, i * 1000),
    }


async def test_insert_many_stores_what_sqlalchemy_stores(store: Store) -> None:
    times = [t for t in TIMES if not (isinstance(t, datetime) and t.tzinfo) or store.is_sqlite]
    if store.is_postgres:  # asyncpg refuses a date for a timestamp column; so does this path
        times = [t for t in times if type(t) is not date]
    reference = [_change("reference", i, times[i % len(times)]) for i in range(40)]
    bulk = [_change("bulk", i, times[i % len(times)]) for i in range(40)]
    async with store.write() as conn:
        await conn.execute(tables.changes.insert(), reference)
        await insert_many(conn, tables.changes, bulk)
    c = tables.changes
    shown = [cast(col, Text) for col in c.columns if col.name not in ("seq", "entity")]
    if store.is_sqlite:
        shown += [func.typeof(col) for col in c.columns if col.name not in ("seq", "entity")]
    stored: dict[str, list[tuple[Any, ...]]] = {}
    async with store.read() as conn:
        for entity in ("reference", "bulk"):
            query = select(*shown).where(c.c.entity == entity).order_by(c.c.seq)
            stored[entity] = [tuple(r) for r in await conn.execute(query)]
    assert len(stored["bulk"]) == 40
    assert stored["bulk"] == stored["reference"]


async def test_update_through_bulk(store: Store) -> None:
    m = tables.matters
    row = {
        "code": "M1",
        "name": "立项",
        "department_code": "FGW",
        "stage": "LAND_PLANNING",
        "src_connector": "fgw",
        "src_key": "M1",
        "synced_at": datetime(2026, 1, 1),
        "deleted_at": datetime(2026, 1, 2),
    }
    statement = (
        m.update()
        .where(m.c.code == bindparam("b_code"))
        .values(name=bindparam("b_name"), synced_at=bindparam("b_at"), deleted_at=null())
    )
    async with store.write() as conn:
        await insert_many(conn, m, [row, row | {"code": "M2", "src_key": "M2"}])
        # Rows may carry more names than the statement uses, as with SQLAlchemy.
        await Bulk(statement).execute(
            conn,
            [{"b_code": "M2", "b_name": "规划", "b_at": datetime(2026, 2, 3, 4, 5, 6), "x": 1}],
        )
    async with store.read() as conn:
        got = (await conn.execute(select(m.c.code, m.c.name, m.c.synced_at, m.c.deleted_at))).all()
    assert sorted(tuple(r) for r in got) == [
        ("M1", "立项", datetime(2026, 1, 1), datetime(2026, 1, 2)),
        ("M2", "规划", datetime(2026, 2, 3, 4, 5, 6), None),
    ]


async def test_a_refused_row_raises_sqlalchemys_error(store: Store) -> None:
    # The sync turns a DBAPIError into a StoreWriteError that names the stream.
    refused = _change("bulk", 1, None) | {"op": None}
    with pytest.raises(DBAPIError, match="op"):
        async with store.write() as conn:
            await conn.execute(select(1))  # the transaction has begun, as in a sync
            await insert_many(conn, tables.changes, [_change("bulk", 0, None), refused])
    async with store.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(tables.changes))).scalar() == 0
