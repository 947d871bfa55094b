"""A 1,000,000-row PostgreSQL department table: full sync, raw baseline, incremental, memory.

    HUB_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        python -m bench.sync_large --rows 1000000

Prints, in one run:
- the full sync's rows/s (a sync process into a fresh SQLite store) beside a raw
  stdlib ``executemany`` of the same stored rows into a fresh SQLite file, and their ratio;
- an incremental sync after 1,000 source rows changed, as a share of the full sync's time;
- the full sync process's peak RSS. Times are the engine's own; whole-process times (with
  ~1 s of interpreter start-up) are printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from hub.cli import sync_all
from hub.config import load_config
from hub.dburl import async_url
from hub.store import Store

CONFIG = """
[store]
url = "sqlite:///hub.db"

[[connectors]]
name = "bigdept"
kind = "sql"
url = "{source}"
department = "ZJJ"
batch_size = 2000
value_maps.xmzt = {{ "1" = "UNDER_APPROVAL", "2" = "UNDER_CONSTRUCTION" }}

[[connectors.streams]]
entity = "project"
table = "xm_jbxx"
cursor = "gxsj"
overlap = "1m"

[connectors.streams.fields]
code = "xmdm"
name = "xmmc"
owner_name = "xmdw"
owner_credit_code = "xmdwdm"
district = "xzqh"
total_investment = "ztz"
registered_at = "djrq"
status = {{ column = "xmzt", map = "xmzt" }}
"""

CREATE = """
CREATE TABLE xm_jbxx AS
SELECT '2014-440304-47-01-' || lpad((n - 1)::text, 6, '0') AS xmdm,
       '福田区第' || n || '号改扩建工程' AS xmmc,
       '深圳市福田区建筑工务署' AS xmdw,
       '91440300708461136T' AS xmdwdm,
       '440304' AS xzqh,
       to_char(n * 1.5, 'FM999,999,990.00') AS ztz,
       to_char(date '2014-01-01' + (n % 365), 'YYYYMMDD') AS djrq,
       '1' AS xmzt,
       timestamp '2014-01-01' + n * interval '1 second' AS gxsj
FROM generate_series(1, :rows) AS n
"""


async def execute(url: str, *statements: str, **params: int) -> None:
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement), params)
    await engine.dispose()


def sync_process(config: Path, *args: str) -> tuple[float, float, int]:
    """Sync in a child process: its wall seconds, the engine's own seconds (without start-up)
    and the child's peak RSS in MiB."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.sync_large", "--child", str(config), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return wall, json.loads(done.stdout)["seconds"], peak


async def child(config_path: str, full: bool) -> None:
    """The child: one sync of the config's connectors; prints the engine's seconds as JSON."""
    config = load_config(config_path)
    store = Store(config.resolve_url(config.store.url))
    await store.migrate()
    reports = await sync_all(config, store, full=full, show_progress=False)
    await store.dispose()
    failed = [r.error for r in reports if r.state != "succeeded"]
    if failed:
        raise SystemExit("; ".join(str(e) for e in failed))
    print(json.dumps({"seconds": sum(r.seconds for r in reports)}))


def raw_executemany(store: Path, target: Path) -> tuple[float, int]:
    """Insert the rows the sync stored into a fresh file with the same table, the plain way."""
    source = sqlite3.connect(store)
    schema = source.execute("SELECT sql FROM sqlite_master WHERE name = 'projects'").fetchone()[0]
    rows = source.execute("SELECT * FROM projects").fetchall()
    source.close()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(schema)
    marks = ", ".join("?" * len(rows[0]))
    started = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO projects VALUES ({marks})", rows)
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, len(rows)


async def main(rows: int, admin: str, workdir: Path) -> None:
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    await execute(admin, f'CREATE DATABASE "{name}"')
    source = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        await execute(source, CREATE, "CREATE INDEX ON xm_jbxx (gxsj)", rows=rows)
        print(
            f"source: {rows:,} rows in PostgreSQL, built in {time.perf_counter() - started:.1f} s"
        )
        config = workdir / "hub.toml"
        config.write_text(CONFIG.format(source=source), encoding="utf-8")

        full_wall, full_seconds, peak_mib = sync_process(config, "--full")
        raw_seconds, stored = raw_executemany(workdir / "hub.db", workdir / "raw.db")
        sync_rate, raw_rate = rows / full_seconds, stored / raw_seconds
        print(
            f"full sync                                 : {full_seconds:8.1f} s "
            f"{sync_rate:10,.0f} rows/s   (process {full_wall:.1f} s, peak RSS {peak_mib} MiB)"
        )
        print(
            f"raw sqlite3 executemany of the same rows  : {raw_seconds:8.1f} s "
            f"{raw_rate:10,.0f} rows/s   ratio sync/raw {sync_rate / raw_rate:.3f}"
        )

        await execute(
            source,
            "UPDATE xm_jbxx SET xmmc = xmmc || '（变更）', gxsj = gxsj + interval '400 days' "
            "WHERE xmdm IN (SELECT xmdm FROM xm_jbxx ORDER BY random() LIMIT 1000)",
        )
        incremental_wall, incremental_seconds, _ = sync_process(config)
        print(
            f"incremental sync after 1,000 changed rows : {incremental_seconds:8.2f} s "
            f"= {incremental_seconds / full_seconds:.2%} of the full sync "
            f"(whole processes: {incremental_wall / full_wall:.2%})"
        )
    finally:
        await execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        asyncio.run(child(arguments.child, arguments.full))
        raise SystemExit(0)
    admin_url = os.environ.get(
        "HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        asyncio.run(main(arguments.rows, admin_url, Path(folder)))
