from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hub.pipeline import read_ahead

pytestmark = pytest.mark.anyio


async def test_items_arrive_in_order_and_the_source_reads_ahead() -> None:
    produced: list[int] = []

    async def source() -> AsyncIterator[int]:
        for n in range(5):
            produced.append(n)
            yield n

    seen = []
    async for item in read_ahead(source(), depth=2):
        await asyncio.sleep(0.01)  # the consumer is slow: the source runs ahead of it
        seen.append((item, len(produced)))
    assert [item for item, _ in seen] == [0, 1, 2, 3, 4]
    assert seen[0][1] >= 2  # while item 0 was consumed, more had been read


async def test_a_source_error_reaches_the_consumer_after_the_good_items() -> None:
    async def source() -> AsyncIterator[int]:
        yield 1
        raise ConnectionError("department database went away")

    seen = []
    with pytest.raises(ConnectionError, match="went away"):
        async for item in read_ahead(source()):
            seen.append(item)
    assert seen == [1]


async def test_leaving_early_closes_the_source() -> None:
    closed = asyncio.Event()

    async def source() -> AsyncIterator[int]:
        try:
            for n in range(100):
                yield n
        finally:
            closed.set()

    async for item in read_ahead(source()):
        if item == 3:
            break
    await asyncio.wait_for(closed.wait(), 1)
