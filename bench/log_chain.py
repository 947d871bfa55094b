"""The change log's hash chain: full demo sync throughput with and without it, in one run.

    python -m bench.log_chain --scale 2 [--store postgresql://.../scratch] [--rounds 2]

Builds the demo sources at ``--scale`` and syncs them into a fresh store ``--rounds`` times
each way, alternating: with the chain (``hub.log_chain.chain`` as ``hub.changelog.append``
calls it) and with the chain replaced by a no-op. Prints rows/s for both, the best round each,
and the ratio (with / without); then checks the chained store with ``verify_log``. A
PostgreSQL ``--store`` is emptied (its public schema dropped) before each round: give a scratch
database.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import changelog
from hub.cli import sync_all
from hub.config import load_config
from hub.demo import build_demo
from hub.log_chain import chain, verify_log
from hub.store import Store


async def _no_chain(_conn: AsyncConnection, _rows: Sequence[dict[str, Any]]) -> None:
    return None


async def _fresh(url: str | None, path: Path) -> Store:
    store = Store(url or f"sqlite:///{path}")
    if store.is_postgres:
        async with store.write() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await store.migrate()
    return store


async def _one(config_path: Path, url: str | None, path: Path, chained: bool) -> tuple[float, int]:
    changelog.chain = chain if chained else _no_chain  # type: ignore[assignment]
    store = await _fresh(url, path)
    try:
        started = time.perf_counter()
        reports = await sync_all(load_config(config_path), store, show_progress=False)
        seconds = time.perf_counter() - started
        if chained:
            check = await verify_log(store)
            assert check.ok, check.problems
        return seconds, sum(r.total("read") for r in reports)
    finally:
        changelog.chain = chain  # type: ignore[assignment]
        await store.dispose()


async def main(scale: float, url: str | None, rounds: int, workdir: Path) -> None:
    config_path = build_demo(workdir / "demo", scale=scale)
    best: dict[bool, float] = {}
    read = 0
    for round_number in range(rounds):
        for chained in (True, False):
            path = workdir / f"store-{round_number}-{chained}.db"
            seconds, read = await _one(config_path, url, path, chained)
            best[chained] = min(best.get(chained, seconds), seconds)
    for chained in (True, False):
        label = "with the hash chain" if chained else "without the hash chain"
        print(f"{label:<24}: {best[chained]:7.2f} s  {read / best[chained]:10,.0f} rows/s")
    print(f"throughput with / without: {best[False] / best[True]:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--store", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        asyncio.run(main(args.scale, args.store, args.rounds, Path(tmp)))
