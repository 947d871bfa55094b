"""Two real ``hub serve`` processes on one PostgreSQL store, with Redis or the store's own
LISTEN/NOTIFY as the wake-up channel: a change synced by one instance reaches a websocket
subscriber connected to the other."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests import department_source as src
from tests.conftest import REDIS_ENV, service_url
from tests.feed_support import HUB_TOML, Subscriber, free_port

pytestmark = [pytest.mark.anyio, pytest.mark.postgres, pytest.mark.slow, pytest.mark.serial]
HUB = Path(sys.executable).with_name("hub")


@contextmanager
def hub_process(config: Path, port: int, *, scheduler: bool, log: Path) -> Iterator[str]:
    """A ``hub serve`` process on 127.0.0.1:port, killed when the block ends."""
    flag = "--scheduler" if scheduler else "--no-scheduler"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [HUB, "serve", "-c", config, "--host", "127.0.0.1", "--port", str(port), flag],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(10)


async def healthy(address: str, log: Path, timeout: float = 30) -> None:
    async with httpx.AsyncClient() as http, asyncio.timeout(timeout):
        while True:
            try:
                if (await http.get(f"http://{address}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(log.read_text())


@pytest.fixture(params=["redis", "postgres"])
async def config(
    request: pytest.FixtureRequest, postgres_database: URL, tmp_path: Path
) -> AsyncIterator[Path]:
    source = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(source, projects_count=10, filings_count=0)
    store = postgres_database.render_as_string(hide_password=False)
    path = tmp_path / "hub.toml"
    path.write_text(
        HUB_TOML.format(
            store=store,
            bus=service_url(REDIS_ENV, "redis://127.0.0.1:6379/0")
            if request.param == "redis"
            else store,
            # Far beyond this test: deliveries must come from wake-ups.
            poll_seconds=60,
            source=source,
        )
    )
    yield path


async def test_a_change_synced_by_one_instance_reaches_a_subscriber_of_the_other(
    config: Path, tmp_path: Path
) -> None:
    source = f"sqlite:///{tmp_path / 'fgw.db'}"
    syncing, serving = tmp_path / "a.log", tmp_path / "b.log"
    with (
        hub_process(config, free_port(), scheduler=False, log=serving) as b,
        hub_process(config, free_port(), scheduler=True, log=syncing) as a,
    ):
        await asyncio.gather(healthy(a, syncing), healthy(b, serving))
        async with Subscriber.open(b, {"entities": ["project"]}, after=0) as subscriber:
            # The client offers permessage-deflate; `hub serve` declines it by default
            # (server.websocket_compression).
            assert subscriber.socket.response is not None
            assert "Sec-WebSocket-Extensions" not in subscriber.socket.response.headers
            created = await subscriber.take(10, timeout=30)
            # A later change in the source: synced by A's schedule, pushed by B.
            await src.execute(
                source,
                src.rename_project("2014-440304-47-01-000007", "新名称", "2015-01-01 00:00:00"),
            )
            (renamed,) = await subscriber.take(1, timeout=30)
    assert [c["op"] for c in created] == ["CREATED"] * 10
    assert [c["seq"] for c in created] == sorted(c["seq"] for c in created)
    assert (renamed["op"], renamed["field"], renamed["newValue"]) == ("UPDATED", "name", "新名称")
    assert renamed["seq"] > created[-1]["seq"]
