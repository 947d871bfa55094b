"""Event buses: a publish wakes listeners in this process and, over Redis, in every other."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from hub.bus import create_bus
from hub.bus.memory import MemoryBus
from hub.bus.redis import RedisBus
from hub.errors import UnknownNameError
from tests.conftest import REDIS_ENV, service_url

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
    with pytest.raises(UnknownNameError, match="unknown event bus scheme 'kafka'; known: memory"):
        create_bus("kafka://localhost")


async def test_redis_bus_wakes_another_process_bus() -> None:
    url = service_url(REDIS_ENV, "redis://127.0.0.1:6379/0")
    channel = f"hub-test-{uuid.uuid4().hex}"
    woken = asyncio.Event()
    async with RedisBus(url, channel=channel) as sender, RedisBus(url, channel=channel) as other:
        other.listen(woken.set)
        local: list[int] = []
        sender.listen(lambda: local.append(1))
        await sender.publish()
        await asyncio.wait_for(woken.wait(), 5)
    assert local  # the publishing process is woken too


async def test_redis_bus_survives_an_unreachable_server() -> None:
    # Nothing listens on port 1: publishing logs and returns; the change is in the log anyway.
    woken: list[int] = []
    async with RedisBus("redis://127.0.0.1:1/0") as bus:
        bus.listen(lambda: woken.append(1))
        await bus.publish()
    assert woken
