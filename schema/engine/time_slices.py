"""Time slices: execution gives the event loop a turn every ``SLICE_SECONDS`` (after a longer
first slice), so that a CPU-bound request leaves other requests (``/healthz``) answered, and is
stopped by the request timeout, which can only fire when the loop runs. It overrides graphql-core
execution-context internals (``execute_fields``, ``with_abort_signal``,
``build_per_event_executor``), hence its place in the engine package; it applies on both the
accelerated and the reference path (a limit, not an acceleration).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Callable
from typing import Any

# The longest stretch of execution between two turns of the event loop, and how many waiting
# objects or resolvers a turn lets go on: each goes on at least one step, so a turn lasts
# about a slice and that many steps. Those woken together share their DataLoader batches, and
# a slice boundary splits a batch: so the first slice is long enough for ordinary requests,
# whose statements stay one per level (tests/schema/test_query.py), also the first of a fresh
# process (cold caches: half a second split a 100-project page there). Slices are of the event
# loop thread's CPU time: a busy machine stretches wall-clock time, not them.
FIRST_SLICE_SECONDS = 1.0
SLICE_SECONDS = 0.02
WOKEN_PER_TURN = 16


class TimeSlices:
    """Mixed into a graphql-core execution context: once a slice (``FIRST_SLICE_SECONDS``,
    then ``SLICE_SECONDS``) is spent, the next object to complete and the next resolver to
    start or to go on wait in line for a turn; each turn of the event loop wakes at most
    ``WOKEN_PER_TURN`` of them, the first of which starts a new slice (see the module).
    Waking a bounded few per turn, rather than all, keeps a turn short however long the line
    is."""

    is_awaitable: Callable[[Any], bool]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_slicing()

    def build_per_event_executor(self, payload: Any) -> Any:
        # A subscription's event is executed by a copy: its slices start with it.
        executor = super().build_per_event_executor(payload)  # type: ignore[misc]
        executor._start_slicing()
        return executor

    def _start_slicing(self) -> None:
        self.slice_ends = time.thread_time() + FIRST_SLICE_SECONDS
        self.line: deque[asyncio.Future[int]] = deque()
        self.turns_given = 0
        self.sliced_turn = 0

    def execute_fields(self, *args: Any) -> Any:
        if self._slice_spent():
            return self._execute_fields_in_turn(args)
        return super().execute_fields(*args)  # type: ignore[misc]

    async def with_abort_signal(self, awaitable: Any) -> Any:
        if self._slice_spent():
            await self._turn()
        value = await super().with_abort_signal(awaitable)  # type: ignore[misc]
        if self._slice_spent():
            await self._turn()
        return value

    def _slice_spent(self) -> bool:
        return time.thread_time() >= self.slice_ends

    async def _execute_fields_in_turn(self, args: tuple[Any, ...]) -> Any:
        await self._turn()
        result = super().execute_fields(*args)  # type: ignore[misc]
        return await result if self.is_awaitable(result) else result

    async def _turn(self) -> None:
        # The request timeout cancels the request here, when it is not its turn.
        loop = asyncio.get_running_loop()
        if not self.line:
            loop.call_soon(self._give_turn)
        waiting: asyncio.Future[int] = loop.create_future()
        self.line.append(waiting)
        turn = await waiting
        if turn != self.sliced_turn:
            self.sliced_turn = turn
            self.slice_ends = time.thread_time() + SLICE_SECONDS

    def _give_turn(self) -> None:
        self.turns_given += 1
        woken = 0
        while self.line and woken < WOKEN_PER_TURN:
            waiting = self.line.popleft()
            if not waiting.cancelled():  # else the request was stopped
                waiting.set_result(self.turns_given)
                woken += 1
        if self.line:
            asyncio.get_running_loop().call_soon(self._give_turn)


@functools.cache
def time_sliced(executor: type) -> type:
    """``executor`` (a graphql-core execution context class) with ``TimeSlices``."""
    return type(f"TimeSliced{executor.__name__}", (TimeSlices, executor), {})
