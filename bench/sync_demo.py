"""Full sync of the demo sources vs. a raw executemany of the same rows, in one run.

    python -m bench.sync_demo --scale 10

1. builds the demo department databases at ``--scale``;
2. syncs them into a fresh SQLite store through the real engine (map, validate, diff, change
   log, cursors) and times it;
3. reads back exactly the rows the sync stored and inserts them with the stdlib ``sqlite3``
   ``executemany`` into a fresh SQLite file with the same schema (one transaction per table),
   and once more through the hub's own driver (aiosqlite) with ``exec_driver_sql``;
4. prints rows/s for each and the ratio sync / raw.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from hub import tables
from hub.cli import sync_all
from hub.config import load_config
from hub.demo import build_demo
from hub.store import Store

Rows = dict[str, tuple[list[str], list[tuple[object, ...]]]]


async def _synced_rows(store: Store) -> Rows:
    rows: Rows = {}
    async with store.read() as conn:
        for table in tables.entity_tables.values():
            columns = [c.name for c in table.columns]
            rows[table.name] = (columns, [tuple(r) for r in await conn.execute(select(table))])
    return rows


def _insert_sql(name: str, columns: list[str]) -> str:
    return f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


async def _fresh_store(path: Path) -> Store:
    store = Store(f"sqlite:///{path}")
    await store.migrate()
    return store


def _sqlite_value(value: object) -> object:
    """What SQLAlchemy stores in SQLite for the value (done before timing starts)."""
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _as_sqlite(rows: Rows) -> Rows:
    return {
        n: (c, [tuple(_sqlite_value(v) for v in r) for r in values])
        for n, (c, values) in rows.items()
    }


def _stdlib_executemany(path: Path, rows: Rows) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    for name, (columns, values) in rows.items():
        with conn:
            conn.executemany(_insert_sql(name, columns), values)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


async def _driver_executemany(store: Store, rows: Rows) -> float:
    started = time.perf_counter()
    for name, (columns, values) in rows.items():
        async with store.write() as conn:
            await conn.exec_driver_sql(_insert_sql(name, columns), values)
    return time.perf_counter() - started


async def main(scale: float, workdir: Path) -> None:
    built = time.perf_counter()
    config_path = build_demo(workdir / "demo", scale=scale)
    print(f"demo sources at scale {scale} built in {time.perf_counter() - built:.1f} s")
    config = load_config(config_path)
    store = await _fresh_store(workdir / "sync.db")
    started = time.perf_counter()
    reports = await sync_all(config, store, show_progress=False)
    sync_seconds = time.perf_counter() - started
    read = sum(r.total("read") for r in reports)
    changes = sum(r.total("changes") for r in reports)
    rows = await _synced_rows(store)
    stored = sum(len(v) for _, v in rows.values())
    await store.dispose()

    raw_rows = _as_sqlite(rows)
    raw_store = await _fresh_store(workdir / "raw.db")
    await raw_store.dispose()
    stdlib_seconds = _stdlib_executemany(workdir / "raw.db", raw_rows)
    driver_store = await _fresh_store(workdir / "driver.db")
    driver_seconds = await _driver_executemany(driver_store, raw_rows)
    await driver_store.dispose()

    sync_rate = read / sync_seconds
    print(f"source rows read: {read:,}; rows stored: {stored:,}; change-log rows: {changes:,}")
    label = "hub full sync (map, validate, diff, change log)"
    print(f"{label:<48}: {sync_seconds:8.2f} s  {sync_rate:12,.0f} rows/s")
    for label, seconds in (
        ("raw sqlite3 executemany, same rows", stdlib_seconds),
        ("raw executemany through aiosqlite", driver_seconds),
    ):
        rate = stored / seconds
        ratio = sync_rate / rate
        print(f"{label:<48}: {seconds:8.2f} s  {rate:12,.0f} rows/s   sync/raw ratio {ratio:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        asyncio.run(main(args.scale, Path(tmp)))
