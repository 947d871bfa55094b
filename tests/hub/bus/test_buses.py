"""Event buses: a publish wakes listeners in this process and, over Redis or PostgreSQL
LISTEN/NOTIFY, in every other."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from hub.bus import EventBus, create_bus
from hub.bus.local import LocalBus
from hub.bus.memory import MemoryBus
from hub.bus.postgres import PostgresBus
from hub.bus.redis import RedisBus
from hub.errors import UnknownNameError
from tests.conftest import REDIS_ENV, postgres_admin_url, service_url

pytestmark = pytest.mark.anyio


async def test_memory_bus_wakes_its_listeners_until_they_stop() -> None:
    calls: list[str] = []
    async with MemoryBus() as bus:
        stop = bus.listen(lambda: calls.append("a"))
        bus.listen(lambda: calls.append("b"))
        await bus.publish()
        stop()
        await bus.publish()
    assert calls == ["a", "b", "b"]


def test_an_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(
        UnknownNameError, match="unknown event bus scheme 'kafka'; known: local, memory"
    ):
        create_bus("kafka://localhost")


def _shared_bus(backend: str) -> Callable[[], EventBus]:
    """Buses on one fresh channel of ``backend`` (redis, postgres, local), as separate processes
    would open them."""
    if backend == "local":
        folder = tempfile.mkdtemp(prefix="hub-bus-")
        return lambda: LocalBus(f"local://{folder}")
    if backend == "redis":
        url = service_url(REDIS_ENV, "redis://127.0.0.1:6379/0")
        channel = f"hub-test-{uuid.uuid4().hex}"
        return lambda: RedisBus(url, channel=channel)
    url = postgres_admin_url()
    channel = f"hub_test_{uuid.uuid4().hex}"
    return lambda: PostgresBus(url, channel=channel)


SHARED = ["local", "redis", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", SHARED)
async def test_a_shared_bus_wakes_another_process_bus(backend: str) -> None:
    open_bus = _shared_bus(backend)
    woken = asyncio.Event()
    async with open_bus() as sender, open_bus() as other:
        other.listen(woken.set)
        local: list[int] = []
        sender.listen(lambda: local.append(1))
        await sender.publish()
        await asyncio.wait_for(woken.wait(), 5)
    assert local  # the publishing process is woken too


async def test_the_local_bus_drops_the_socket_of_a_process_that_is_gone(tmp_path: Path) -> None:
    url = f"local://{tmp_path}"
    async with create_bus(url) as gone:
        assert isinstance(gone, LocalBus)
        stale = gone.path
    stale.touch()  # as a killed process leaves it: a file nobody reads
    woken = asyncio.Event()
    async with create_bus(url) as sender, create_bus(url) as other:
        other.listen(woken.set)
        await sender.publish()
        await asyncio.wait_for(woken.wait(), 5)
        assert not stale.exists()
        assert len(list(tmp_path.glob("*.sock"))) == 2
    assert not list(tmp_path.glob("*.sock"))  # each bus removes its own on close


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:1/0", "postgresql://postgres@127.0.0.1:1/postgres"]
)
async def test_a_shared_bus_survives_an_unreachable_server(url: str) -> None:
    # Nothing listens on port 1: publishing logs and returns; the change is in the log anyway.
    woken: list[int] = []
    async with create_bus(url) as bus:
        bus.listen(lambda: woken.append(1))
        await bus.publish()
    assert woken


async def test_the_postgres_bus_listens_again_after_its_connection_is_killed() -> None:
    open_bus = _shared_bus("postgres")
    woken = asyncio.Event()
    async with open_bus() as sender, open_bus() as other:
        assert isinstance(other, PostgresBus)
        other.listen(woken.set)
        admin = await asyncpg.connect(other.dsn)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query = $1 AND pid <> pg_backend_pid()",
                f'LISTEN "{other.channel}"',
            )
        finally:
            await admin.close()
        assert killed == 2  # both buses' listeners
        await asyncio.wait_for(woken.wait(), 5)  # a lost listener wakes once, then listens again
        woken.clear()
        async with asyncio.timeout(10):
            while not woken.is_set():
                await sender.publish()
                await asyncio.sleep(0.1)
