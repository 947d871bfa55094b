"""`hub sync` when a stream drifted or another process holds the connector's lease."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from hub.cli import app
from hub.config import load_config
from hub.leases import Leases
from hub.store import Store
from tests import department_source as src
from tests.hub.cli.test_cli import config, runner  # noqa: F401 - the fixture

__all__ = ["config"]


def test_a_drifted_stream_fails_without_accept_drift_and_syncs_with_it(config: Path) -> None:
    assert runner.invoke(app, ["sync", "--config", str(config)]).exit_code == 0
    source = f"sqlite:///{config.parent / 'fgw.db'}"
    asyncio.run(
        src.execute_all(
            source,
            [
                text('ALTER TABLE "XM_JBXX" DROP COLUMN "XMMC"'),
                text('ALTER TABLE "XM_JBXX" ADD COLUMN "XMMC" INTEGER'),
                text("""UPDATE "XM_JBXX" SET "XMMC" = 7, "GXSJ" = '2015-01-01 00:00:00'"""),
            ],
        )
    )
    drifted = runner.invoke(app, ["sync", "--config", str(config)])
    assert drifted.exit_code == 1
    assert "column 'XMMC' changed type from VARCHAR(200) to INTEGER" in drifted.output
    assert "hub sync --accept-drift" in drifted.output

    accepted = runner.invoke(app, ["sync", "--accept-drift", "--config", str(config)])
    assert accepted.exit_code == 0, accepted.output
    row = next(line for line in accepted.output.splitlines() if "project" in line)
    assert [c.strip() for c in row.split("│")][3:6] == ["6", "0", "6"]  # read, inserted, updated
    # The new types are the reference now: the next plain sync runs.
    assert runner.invoke(app, ["sync", "--config", str(config)]).exit_code == 0


async def hold_lease(config: Path, seconds: float) -> Leases:
    settings = load_config(config)
    store = Store(settings.resolve_url(settings.store.url))
    await store.migrate()
    leases = Leases(store, timedelta(seconds=seconds))
    await leases.acquire("fgw")
    await store.dispose()
    return leases


def test_a_held_lease_is_one_line_naming_its_holder_and_wait_waits_for_it(config: Path) -> None:
    holder = asyncio.run(hold_lease(config, seconds=3))
    instance = holder.holder.rsplit(":", 1)[1]

    refused = runner.invoke(app, ["sync", "--config", str(config)])
    assert refused.exit_code == 1
    assert "Traceback" not in refused.output
    (line,) = [line for line in refused.stderr.splitlines() if line.strip()]
    assert line.startswith(
        "fgw locked: connector 'fgw' is already syncing in another run: its lease is held by "
        f"host {socket.gethostname()}, pid {os.getpid()}, instance {instance} since "
    )
    assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(until .* unless renewed\)", line)
    assert "hub sync --wait" in line

    started = time.monotonic()
    waited = runner.invoke(app, ["sync", "--wait", "20", "--config", str(config)])
    assert waited.exit_code == 0, waited.output
    assert 1 < time.monotonic() - started < 15  # until the holder's lease expired
    row = next(line for line in waited.output.splitlines() if "project" in line)
    assert row.split("│")[4].strip() == "6"  # inserted
