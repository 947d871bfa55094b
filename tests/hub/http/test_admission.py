"""At most so many GraphQL operations execute at once; the rest wait, inside their timeout."""

from __future__ import annotations

import asyncio
import gc

import pytest

from hub.http.graphql_http import Admission, run_with_timeout

pytestmark = pytest.mark.anyio


async def test_operations_beyond_the_limit_wait_for_a_slot() -> None:
    admission = Admission(2)
    running, peak, release = 0, 0, asyncio.Event()

    async def operation() -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        return 1

    tasks = [asyncio.create_task(admission.run(operation())) for _ in range(5)]
    await asyncio.sleep(0.05)
    assert (running, peak) == (2, 2)
    release.set()
    assert await asyncio.gather(*tasks) == [1] * 5
    assert peak == 2


async def test_an_operation_timed_out_while_waiting_never_starts() -> None:
    admission = Admission(1)
    started: list[str] = []
    hold = asyncio.Event()

    async def operation(name: str) -> str:
        started.append(name)
        await hold.wait()
        return name

    first = asyncio.create_task(admission.run(operation("first")))
    await asyncio.sleep(0)
    result = await run_with_timeout(admission.run(operation("second")), 0.05)
    assert result.errors[0].extensions == {"code": "TIMEOUT"}
    hold.set()
    assert await first == "first"
    gc.collect()  # a coroutine never awaited would warn here, and warnings are errors
    assert started == ["first"]
