"""Runs in progress of scheduled jobs, so that a shutdown can wait for them to unwind.

APScheduler's own shutdown only requests the cancellation of a running coroutine job; a loop that
closes before the run has rolled back leaves its store connection open. Each job family tracks
its runs here and, on shutdown, cancels them and waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class RunsInProgress:
    """The tasks of the runs in progress of one job family."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[object]] = set()

    @property
    def tasks(self) -> frozenset[asyncio.Task[object]]:
        return frozenset(self._running)

    @contextlib.contextmanager
    def tracked(self) -> Iterator[None]:
        """Remember the current task as a run in progress while the block lasts."""
        task = asyncio.current_task()
        assert task is not None, "runs are coroutines on the scheduler's loop"
        self._running.add(task)
        try:
            yield
        finally:
            self._running.discard(task)

    async def cancel(self) -> None:
        """Cancel the runs in progress and wait until they have unwound."""
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
