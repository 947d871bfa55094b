"""SIGKILL a real sync process at random points, restart it, and prove that the store
equals the source and that the change log holds exactly one event per real change."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub import tables
from hub.log_chain import verify_log
from hub.store import Store
from tests import department_source as src

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

KILLS = 20
DEADLINE_SECONDS = 240
CONFIG = """
[store]
url = "{store_url}"

[[connectors]]
name = "fgw"
kind = "sql"
url = "{source_url}"
department = "FGW"
batch_size = 50
value_maps.xmlb = {{ "01" = "BUILDING", "02" = "MUNICIPAL" }}
value_maps.xmzt = {{ "1" = "UNDER_APPROVAL", "2" = "UNDER_CONSTRUCTION" }}
value_maps.sbzt = {{ table = "DM_SBZT", code = "DM", value = "MC" }}

[[connectors.streams]]
entity = "project"
table = "XM_JBXX"
cursor = "GXSJ"
fields = {{ code = "XMDM", name = "XMMC", category = {{ column = "XMLB", map = "xmlb" }}, owner_name = "XMDW", owner_credit_code = "XMDWDM", district = "XZQH", total_investment = "ZTZ", registered_at = "DJRQ", status = {{ column = "XMZT", map = "xmzt" }} }}

[[connectors.streams]]
entity = "filing"
table = "SB_XX"
cursor = "GXSJ"
fields = {{ key = "SBBH", project_code = "XMDM", matter_code = "SXBM", submitted_at = "SQSJ", status = {{ column = "ZT", map = "sbzt" }} }}
"""


async def last_seq(store: Store) -> int:
    async with store.read() as conn:
        return int(
            (
                await conn.execute(select(func.coalesce(func.max(tables.changes.c.seq), 0)))
            ).scalar_one()
        )


async def run_sync(config: Path, store: Store, kill_after_commit: float | None) -> bool:
    """Run a sync process; with ``kill_after_commit`` SIGKILL it that long after its first committed
    batch. Returns whether it was killed (False: it finished first)."""
    before = await last_seq(store)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.sync_process",
        str(config),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        if kill_after_commit is not None:
            while process.returncode is None and await last_seq(store) == before:
                await asyncio.sleep(0.01)
            await asyncio.sleep(kill_after_commit)
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
                await process.wait()
                return True
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        return False
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    rng = random.Random(2014)
    source_url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(source_url, projects_count=600, filings_count=600)
    config = tmp_path / "hub.toml"
    config.write_text(CONFIG.format(store_url=store_url, source_url=source_url), encoding="utf-8")
    renames: Counter[str] = Counter()
    started = time.monotonic()
    kills = 0
    round_number = 0
    while kills < KILLS or round_number < 2:
        if round_number:
            # Real changes between rounds: new projects and filings, and renamed projects.
            stamp = f"2015-01-{round_number:02d} 00:00:00"
            base = 3000 + round_number * 1000
            await src.execute(
                source_url,
                src.projects.insert(),
                [src.project_row(n, GXSJ=stamp) for n in range(base, base + 150)],
            )
            await src.execute(
                source_url,
                src.filings.insert(),
                [src.filing_row(n, n, GXSJ=stamp) for n in range(base, base + 150)],
            )
            renamed = [f"2014-440304-47-01-{n:06d}" for n in rng.sample(range(1, 600), 200)]
            await src.execute_all(
                source_url,
                [
                    src.rename_project(code, f"第{round_number}轮更名{code[-4:]}", stamp)
                    for code in renamed
                ],
            )
            renames.update(renamed)
        # Kill runs until one finishes by itself: the store has caught up with this round.
        while await run_sync(config, store, kill_after_commit=rng.uniform(0, 0.05)):
            kills += 1
            assert time.monotonic() - started < DEADLINE_SECONDS, f"only {kills} kills in time"
        round_number += 1

    source_projects, source_filings = await read_source(source_url)
    async with store.read() as conn:
        stored = dict(
            (await conn.execute(select(tables.projects.c.code, tables.projects.c.name))).all()
        )
        filing_keys = set((await conn.execute(select(tables.filings.c.key))).scalars())
        logged = (
            await conn.execute(
                select(
                    tables.changes.c.op,
                    tables.changes.c.entity,
                    tables.changes.c.entity_key,
                    tables.changes.c.field,
                )
            )
        ).all()
    assert stored == source_projects
    assert filing_keys == source_filings
    created = Counter((entity, key) for op, entity, key, _ in logged if op == "created")
    assert set(created.values()) == {1}
    assert len(created) == len(source_projects) + len(source_filings)
    updated = Counter(key for op, _, key, field in logged if op == "updated" and field == "name")
    assert updated == renames
    assert all(op in {"created", "updated"} for op, *_ in logged)
    assert kills >= KILLS
    chain = await verify_log(store)  # killed writers never leave the hash chain broken
    assert chain.ok and chain.rows == len(logged), chain.problems


async def read_source(url: str) -> tuple[dict[str, str], set[str]]:
    from sqlalchemy.ext.asyncio import create_async_engine

    from hub.dburl import async_url

    engine = create_async_engine(async_url(url))
    async with engine.connect() as conn:
        projects = dict(
            (await conn.execute(select(src.projects.c.XMDM, src.projects.c.XMMC))).all()
        )
        filings = set((await conn.execute(select(src.filings.c.SBBH))).scalars())
    await engine.dispose()
    return projects, filings
